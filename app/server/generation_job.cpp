#include "generation_job.h"

#include "api_error.h"

#include <chrono>
#include <random>

namespace hearth::server {

using json = nlohmann::ordered_json;

uint64_t randomSeed()
{
    std::random_device device;
    return (uint64_t(device()) << 32) ^ device();
}

std::string messageText(const json& content, const std::string& where)
{
    if (content.is_null()) return {};
    if (content.is_string()) return content.get<std::string>();
    if (!content.is_array()) throw ApiError::badRequest(where + ".content must be a string or a list of text parts");
    std::string text;
    for (const auto& part : content) {
        if (!part.is_object() || !part.contains("type") || !part["type"].is_string())
            throw ApiError::badRequest(where + ".content parts must be objects with a 'type'");
        const std::string type = part["type"].get<std::string>();
        if (type != "text")
            throw ApiError::badRequest(where + ".content has a '" + type + "' part; Hearth's models read text only", "unsupported_content");
        if (!part.contains("text") || !part["text"].is_string())
            throw ApiError::badRequest(where + ".content text parts need a 'text' string");
        text += part["text"].get<std::string>();
    }
    return text;
}

namespace {

struct ForcedCall {
    std::string prefix;  // what the reply starts with before the JSON
    std::string schema;
};

// The JSON a forced call must be: {"name": <one of the functions>, "arguments"|"parameters": <its schema>}.
ForcedCall forcedToolCall(const std::string& format, const std::string& toolsJson, const std::string& wanted)
{
    if (format.empty())
        throw ApiError::badRequest(
            "this model's chat format has no known tool-call syntax, so a call cannot be required; use tool_choice auto", "unsupported");
    const auto tools = nlohmann::ordered_json::parse(toolsJson);
    nlohmann::ordered_json names = nlohmann::ordered_json::array(), parameters = {{"type", "object"}};
    for (const auto& tool : tools) {
        const std::string name = tool["function"]["name"].get<std::string>();
        if (wanted != "*" && name != wanted) continue;
        names.push_back(name);
        if (tool["function"].contains("parameters")) parameters = tool["function"]["parameters"];
    }
    if (names.empty()) throw ApiError::badRequest("tool_choice names '" + wanted + "', which is not among the tools");
    if (names.size() > 1) parameters = {{"type", "object"}};  // several candidates: any arguments object
    try {
        validateJsonSchema(parameters.dump());
    } catch (const Error&) {
        parameters = {{"type", "object"}};  // a schema Hearth cannot enforce: the arguments stay free-form JSON
    }
    const char* argumentsKey = format == "llama3" ? "parameters" : "arguments";
    nlohmann::ordered_json schema = {{"type", "object"},
                                     {"properties", {{"name", {{"enum", names}}}, {argumentsKey, parameters}}},
                                     {"required", {"name", argumentsKey}}};
    return {format == "hermes" ? "<tool_call>\n" : "", schema.dump()};
}

}  // namespace

JobResult runJob(Engine& engine, const GenerationJob& job, const std::function<bool(const std::string&, const std::string&)>& onDelta)
{
    std::atomic<bool> gone {false};
    GenerateOptions generate = job.generate;
    if (generate.maxTokens <= 0) generate.maxTokens = engine.contextLength();
    JobResult out;
    if (job.chat) {
        ChatTurnRequest request;
        request.messages = job.messages;
        request.generate = generate;
        request.thinking = job.thinking;
        request.toolsJson = job.toolsJson;
        if (!job.forceToolCall.empty()) {
            const ForcedCall forced = forcedToolCall(engine.toolCallFormat(), job.toolsJson, job.forceToolCall);
            request.replyPrefix = forced.prefix;
            request.generate.jsonSchema = forced.schema;
            // The opening is part of the reply as clients see it (and as the call parser reads it).
            out.answer += forced.prefix;
            if (!forced.prefix.empty()) onDelta(forced.prefix, {});
        }
        ChatTurnCallbacks callbacks;
        callbacks.cancel = &gone;
        callbacks.onDelta = [&](const std::string& answer, const std::string& reasoning) {
            out.answer += answer;
            out.reasoning += reasoning;
            if (!onDelta(answer, reasoning)) gone = true;
        };
        const auto start = std::chrono::steady_clock::now();
        const ChatTurnResult result = engine.chat(request, callbacks);
        out.reason = result.reason;
        out.promptTokens = result.promptTokens;
        out.completionTokens = result.completionTokens;
        out.generateSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return out;
    }
    // A raw prompt is text: control strings in it stay text (the chat's safety rule).
    const auto tokens = engine.tokenize(job.prompt, true, false);
    if (int64_t(tokens.size()) >= engine.contextLength())
        throw ApiError::badRequest("the prompt has " + std::to_string(tokens.size()) + " tokens; the model's context holds " +
                                       std::to_string(engine.contextLength()),
                                   "context_length_exceeded");
    GenerateCallbacks callbacks;
    callbacks.cancel = &gone;
    callbacks.onText = [&](const std::string& text) {
        out.answer += text;
        if (!onDelta(text, {})) gone = true;
    };
    const GenerateResult result = engine.complete(tokens, generate, callbacks);
    out.reason = result.reason;
    out.promptTokens = int64_t(tokens.size());
    out.completionTokens = int64_t(result.tokens.size());
    out.promptSeconds = result.promptSeconds;
    out.generateSeconds = result.generateSeconds;
    return out;
}

}  // namespace hearth::server
