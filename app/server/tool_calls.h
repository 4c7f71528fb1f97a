// Tool calls in a model's reply, in the formats the supported families write them, turned into
// OpenAI's tool_calls: Hermes / Qwen (<tool_call>{"name", "arguments"}</tool_call>, several
// allowed), Llama 3.x (a reply that is one JSON object {"name", "parameters"}, optionally after
// <|python_tag|>) and Mistral ([TOOL_CALLS][{"name", "arguments"}, ...]). Text outside the
// calls stays the reply's content.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace hearth::server {

struct ToolCall {
    std::string id;  // "call_" + 9 alphanumerics (Mistral's templates require 9)
    std::string name;
    std::string arguments;  // a JSON object, as text (OpenAI sends and expects a string)
};

struct ParsedReply {
    std::string content;
    std::vector<ToolCall> calls;
};

ParsedReply parseToolCalls(const std::string& reply);

// While a reply streams: the text that is certainly not part of a tool call is passed on at
// once; what might start one is held until the reply ends (then parseToolCalls decides).
class ToolCallStream {
public:
    std::string push(const std::string& text);  // the content that can be sent now
    ParsedReply finish();  // the rest: content not yet sent, and the calls
    const std::string& all() const { return m_all; }

private:
    std::string m_all;
    size_t m_sent = 0;
};

std::string newToolCallId();

// A request's `tools` (OpenAI's and Ollama's shape: [{"type": "function", "function": {"name",
// "description"?, "parameters"?}}]), checked; throws ApiError(400) naming the fault.
std::string checkedToolsJson(const nlohmann::ordered_json& tools);

}  // namespace hearth::server
