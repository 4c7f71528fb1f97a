// What an API request asks the model to do, parsed and checked, independent of the API's
// dialect: a chat turn (messages through the model's template) or a raw completion.
#pragma once

#include "engine/engine.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hearth::server {

struct RequestLimits {
    size_t maxMessages = 1024;
    size_t maxStopStrings = 16;
    int64_t maxTokens = 1 << 20;
};

struct GenerationJob {
    std::string model;  // as the client named it ("" = the loaded one)
    bool chat = true;  // else a raw completion of `prompt`
    std::vector<ChatMessage> messages;
    std::string prompt;
    GenerateOptions generate;  // maxTokens <= 0: until the context is full
    std::optional<bool> thinking;
    std::string toolsJson;  // OpenAI's tools offered to the model ("" for none)
    // tool_choice "required" ("*") or a named function: the reply is made a call of the model's
    // own format (its opening written for it, the JSON constrained to the function's schema).
    std::string forceToolCall;
    bool stream = false;
    bool includeUsage = false;  // OpenAI's stream_options.include_usage
};

struct JobResult {
    std::string answer, reasoning;  // the answer as the model wrote it (tool calls still in it)
    FinishReason reason = FinishReason::Stop;
    int64_t promptTokens = 0, completionTokens = 0;
    double promptSeconds = 0, generateSeconds = 0;
};

// Runs the job on the engine. onDelta gets each piece of answer and reasoning as it is decoded
// and returns false when the client has gone (the generation stops before the next token).
JobResult runJob(Engine& engine, const GenerationJob& job, const std::function<bool(const std::string&, const std::string&)>& onDelta);

// The sampler's settings from OpenAI's names (shared by the Ollama options, which use the same
// names for these). A seed is random unless the request gives one.
uint64_t randomSeed();
// One message's text: a string, or OpenAI's list of {"type": "text", "text": ...} parts.
std::string messageText(const nlohmann::ordered_json& content, const std::string& where);

}  // namespace hearth::server
