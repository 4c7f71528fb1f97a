// OpenAI's chat completions and completions: requests in, replies out (DeepSeek's
// `reasoning_content` for the model's thinking, in whole replies and in stream deltas).
#include "reply_format.h"

#include "api_error.h"
#include "request_fields.h"
#include "tool_calls.h"

#include <algorithm>
#include <atomic>
#include <ctime>

namespace hearth::server {

using json = nlohmann::ordered_json;

namespace {

std::atomic<uint64_t> g_replyCounter {0};

std::string newId(const char* prefix)
{
    static const uint64_t salt = randomSeed();
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%s-%012llx", prefix,
                  static_cast<unsigned long long>((salt + ++g_replyCounter) & 0xffffffffffffull));
    return buffer;
}

const char* finishReason(FinishReason r) { return r == FinishReason::Length ? "length" : "stop"; }

json usage(const JobResult& r)
{
    return {{"prompt_tokens", r.promptTokens},
            {"completion_tokens", r.completionTokens},
            {"total_tokens", r.promptTokens + r.completionTokens}};
}

std::string event(const json& j) { return "data: " + j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n"; }

// The sampling fields both OpenAI endpoints share.
void readSampling(RequestFields& f, GenerationJob& job, const RequestLimits& limits)
{
    SamplerSettings& s = job.generate.sampler;
    if (auto v = f.number("temperature", 0, 2)) s.temperature = float(*v);
    if (auto v = f.number("top_p", 0, 1)) s.topP = float(*v);
    if (auto v = f.integer("top_k", 0, 100000)) s.topK = int(*v);  // llama-server's extensions
    if (auto v = f.number("min_p", 0, 1)) s.minP = float(*v);
    if (auto v = f.number("repeat_penalty", 0, 10)) s.repeatPenalty = float(*v);
    if (auto v = f.number("frequency_penalty", -2, 2)) s.frequencyPenalty = float(*v);
    if (auto v = f.number("presence_penalty", -2, 2)) s.presencePenalty = float(*v);
    const auto seed = f.integer("seed", std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
    s.seed = seed ? uint64_t(*seed) : randomSeed();
    const auto maxTokens = f.integer("max_tokens", 1, limits.maxTokens);
    const auto maxCompletion = f.integer("max_completion_tokens", 1, limits.maxTokens);
    job.generate.maxTokens = maxCompletion ? *maxCompletion : maxTokens ? *maxTokens : 0;
    job.generate.stopStrings = f.stringOrList("stop", limits.maxStopStrings);
    if (auto n = f.integer("n", 1, 1000); n && *n != 1) throw ApiError::badRequest("'n' must be 1: Hearth writes one reply per request");
    job.stream = f.boolean("stream").value_or(false);
    if (const json* options = f.object("stream_options")) {
        RequestFields o(*options, "stream_options");
        job.includeUsage = o.boolean("include_usage").value_or(false);
        o.rejectUnknown();
    }
    if (f.boolean("logprobs").value_or(false)) throw ApiError::badRequest("'logprobs' is not supported by Hearth yet", "unsupported");
    f.ignore(
        {"user", "store", "metadata", "service_tier", "top_logprobs", "logit_bias", "parallel_tool_calls", "prediction", "modalities"});
}

// An assistant message's tool_calls, checked: [{"id", "type": "function", "function": {"name", "arguments": "<JSON>"}}].
std::string toolCallsJson(const json& calls, const std::string& where)
{
    for (size_t i = 0; i < calls.size(); ++i) {
        const std::string at = where + ".tool_calls[" + std::to_string(i) + "]";
        const json& call = calls[i];
        if (!call.is_object() || !call.contains("function") || !call["function"].is_object())
            throw ApiError::badRequest(at + " must be an object with a 'function'");
        const json& fn = call["function"];
        if (!fn.contains("name") || !fn["name"].is_string()) throw ApiError::badRequest(at + ".function.name must be a string");
        if (fn.contains("arguments") && !fn["arguments"].is_string() && !fn["arguments"].is_object())
            throw ApiError::badRequest(at + ".function.arguments must be a JSON string");
    }
    return calls.dump();
}

// OpenAI's response_format: text (free), json_object (any JSON object) or json_schema.
std::optional<std::string> responseFormatSchema(const json& format)
{
    RequestFields f(format, "response_format");
    const std::string type = f.string("type").value_or("");
    std::optional<std::string> schema;
    if (type == "json_object") {
        schema = R"({"type": "object"})";
    } else if (type == "json_schema") {
        const json* spec = f.object("json_schema");
        if (!spec) throw ApiError::badRequest("response_format.json_schema is required for type json_schema");
        RequestFields s(*spec, "response_format.json_schema");
        s.string("name");
        s.string("description");
        s.boolean("strict");  // always strict here: the sampler cannot produce anything else
        const json* body = s.object("schema");
        s.rejectUnknown();
        schema = body ? body->dump() : "{}";
    } else if (type != "text") {
        throw ApiError::badRequest("response_format.type must be text, json_object or json_schema");
    }
    f.rejectUnknown();
    if (schema) {
        try {
            validateJsonSchema(*schema);
        } catch (const Error& e) {
            throw ApiError::badRequest(std::string("response_format: ") + e.what(), "unsupported_schema");
        }
    }
    return schema;
}

json toolCallsArray(const std::vector<ToolCall>& calls, bool withIndex)
{
    json out = json::array();
    for (size_t i = 0; i < calls.size(); ++i) {
        json call = json::object();
        if (withIndex) call["index"] = i;
        call["id"] = calls[i].id;
        call["type"] = "function";
        call["function"] = {{"name", calls[i].name}, {"arguments", calls[i].arguments}};
        out.push_back(call);
    }
    return out;
}

}  // namespace

GenerationJob parseOpenAiChat(const json& body, const RequestLimits& limits)
{
    RequestFields f(body, "request");
    GenerationJob job;
    job.chat = true;
    job.model = f.string("model").value_or("");
    const json* messages = &f.boundedList("messages", limits.maxMessages);
    for (size_t i = 0; i < messages->size(); ++i) {
        const std::string where = "messages[" + std::to_string(i) + "]";
        RequestFields m((*messages)[i], where);
        auto role = m.string("role");
        if (!role) throw ApiError::badRequest(where + ".role is required");
        if (*role == "developer") role = "system";  // OpenAI's newer name for it
        if (*role != "system" && *role != "user" && *role != "assistant" && *role != "tool")
            throw ApiError::badRequest(where + ".role must be system, developer, user, assistant or tool, not '" + *role + "'");
        ChatMessage message;
        message.role = *role;
        auto it = (*messages)[i].find("content");
        m.ignore({"content"});
        message.content = messageText(it == (*messages)[i].end() ? json() : *it, where);
        if (auto reasoning = m.string("reasoning_content")) message.reasoning = *reasoning;
        if (const json* calls = m.array("tool_calls"); calls && !calls->empty()) {
            if (*role != "assistant") throw ApiError::badRequest(where + ": only assistant messages carry tool_calls");
            message.toolCallsJson = toolCallsJson(*calls, where);
        }
        if (auto id = m.string("tool_call_id")) message.toolCallId = *id;
        if (*role == "tool" && message.toolCallId.empty())
            throw ApiError::badRequest(where + ".tool_call_id is required for tool messages");
        if (auto name = m.string("name")) message.name = *name;
        m.ignore({"refusal"});
        m.rejectUnknown();
        job.messages.push_back(std::move(message));
    }
    readSampling(f, job, limits);
    const json* tools = f.array("tools");
    const json choice = f.any("tool_choice");
    if (!choice.is_null() && !choice.is_string() && !choice.is_object())
        throw ApiError::badRequest("'tool_choice' must be a string or an object");
    if (choice.is_string() && choice != "none" && choice != "auto" && choice != "required")
        throw ApiError::badRequest("'tool_choice' must be none, auto, required or a function");
    // "none": the model is not told about the tools. "required" or a named function: the reply
    // is made a call (its format's opening written, its JSON constrained to the schema).
    if (tools && !tools->empty() && choice != "none") {
        job.toolsJson = checkedToolsJson(*tools);
        if (choice == "required") job.forceToolCall = "*";
        if (choice.is_object()) {
            if (!choice.contains("function") || !choice["function"].is_object() || !choice["function"].contains("name") ||
                !choice["function"]["name"].is_string())
                throw ApiError::badRequest("'tool_choice' as an object must be {\"type\": \"function\", \"function\": {\"name\": ...}}");
            job.forceToolCall = choice["function"]["name"].get<std::string>();
            const bool offered =
                std::any_of(tools->begin(), tools->end(), [&](const json& t) { return t["function"]["name"] == job.forceToolCall; });
            if (!offered) throw ApiError::badRequest("tool_choice names '" + job.forceToolCall + "', which is not among the tools");
        }
    } else if (choice == "required" || choice.is_object()) {
        throw ApiError::badRequest("'tool_choice' requires a call but no 'tools' are given");
    }
    f.ignore({"function_call", "functions"});
    if (const json* format = f.object("response_format")) job.generate.jsonSchema = responseFormatSchema(*format);
    // Thinking on or off for templates with a switch (Qwen3, SmolLM3): llama-server's spelling, or plain `think`.
    if (auto think = f.boolean("think")) job.thinking = *think;
    if (const json* kwargs = f.object("chat_template_kwargs")) {
        RequestFields k(*kwargs, "chat_template_kwargs");
        if (auto enable = k.boolean("enable_thinking")) job.thinking = *enable;
        k.rejectUnknown();
    }
    if (auto effort = f.string("reasoning_effort")) {
        if (*effort != "none" && *effort != "minimal" && *effort != "low" && *effort != "medium" && *effort != "high")
            throw ApiError::badRequest("'reasoning_effort' must be none, minimal, low, medium or high");
        if (*effort == "none") job.thinking = false;
    }
    f.rejectUnknown();
    return job;
}

GenerationJob parseOpenAiCompletion(const json& body, const RequestLimits& limits)
{
    RequestFields f(body, "request");
    GenerationJob job;
    job.chat = false;
    job.model = f.string("model").value_or("");
    const auto it = body.find("prompt");
    f.ignore({"prompt"});
    if (it == body.end() || it->is_null()) throw ApiError::badRequest("'prompt' is required");
    if (it->is_string()) job.prompt = it->get<std::string>();
    else if (it->is_array() && it->size() == 1 && (*it)[0].is_string()) job.prompt = (*it)[0].get<std::string>();
    else throw ApiError::badRequest("'prompt' must be a string (or a list holding one string)");
    readSampling(f, job, limits);
    if (f.boolean("echo").value_or(false)) throw ApiError::badRequest("'echo' is not supported by Hearth yet", "unsupported");
    f.ignore({"suffix", "best_of"});
    f.rejectUnknown();
    return job;
}

namespace {

class OpenAiChat : public ReplyFormat {
public:
    OpenAiChat(std::string model, bool includeUsage, bool tools) : m_model(std::move(model)), m_usage(includeUsage), m_tools(tools) { }
    const char* streamContentType() const override { return "text/event-stream"; }
    std::string streamStart() override { return event(chunk({{"role", "assistant"}, {"content", ""}}, nullptr)); }
    std::string streamDelta(const std::string& answer, const std::string& reasoning) override
    {
        json delta = json::object();
        if (!reasoning.empty()) delta["reasoning_content"] = reasoning;
        // With tools offered, what may be a call is held back until the reply ends.
        const std::string content = m_tools ? m_stream.push(answer) : answer;
        if (!content.empty()) delta["content"] = content;
        return delta.empty() ? std::string() : event(chunk(delta, nullptr));
    }
    std::string streamEnd(const JobResult& r) override
    {
        std::string out;
        const char* finish = finishReason(r.reason);
        if (m_tools) {
            const ParsedReply parsed = m_stream.finish();
            if (!parsed.content.empty()) out += event(chunk({{"content", parsed.content}}, nullptr));
            if (!parsed.calls.empty()) {
                out += event(chunk({{"tool_calls", toolCallsArray(parsed.calls, true)}}, nullptr));
                finish = "tool_calls";
            }
        }
        out += event(chunk(json::object(), finish));
        if (m_usage) {
            json last = chunk(json::object(), nullptr);
            last["choices"] = json::array();
            last["usage"] = usage(r);
            out += event(last);
        }
        return out + "data: [DONE]\n\n";
    }
    std::string whole(const JobResult& r) override
    {
        json message = {{"role", "assistant"}, {"content", r.answer}};
        const char* finish = finishReason(r.reason);
        if (m_tools) {
            const ParsedReply parsed = parseToolCalls(r.answer);
            if (!parsed.calls.empty()) {
                message["content"] = parsed.content.empty() ? json(nullptr) : json(parsed.content);
                message["tool_calls"] = toolCallsArray(parsed.calls, false);
                finish = "tool_calls";
            }
        }
        if (!r.reasoning.empty()) message["reasoning_content"] = r.reasoning;
        json j = {{"id", m_id},
                  {"object", "chat.completion"},
                  {"created", m_created},
                  {"model", m_model},
                  {"choices", json::array({{{"index", 0}, {"message", message}, {"logprobs", nullptr}, {"finish_reason", finish}}})},
                  {"usage", usage(r)}};
        return j.dump(-1, ' ', false, json::error_handler_t::replace);
    }

private:
    json chunk(const json& delta, const char* finish)
    {
        return {{"id", m_id},
                {"object", "chat.completion.chunk"},
                {"created", m_created},
                {"model", m_model},
                {"choices",
                 json::array(
                     {{{"index", 0}, {"delta", delta}, {"logprobs", nullptr}, {"finish_reason", finish ? json(finish) : json(nullptr)}}})}};
    }
    std::string m_model;
    bool m_usage;
    bool m_tools;
    ToolCallStream m_stream;
    std::string m_id = newId("chatcmpl");
    int64_t m_created = int64_t(std::time(nullptr));
};

class OpenAiCompletion : public ReplyFormat {
public:
    OpenAiCompletion(std::string model, bool includeUsage) : m_model(std::move(model)), m_usage(includeUsage) { }
    const char* streamContentType() const override { return "text/event-stream"; }
    std::string streamDelta(const std::string& answer, const std::string&) override
    {
        return answer.empty() ? std::string() : event(body(answer, nullptr));
    }
    std::string streamEnd(const JobResult& r) override
    {
        std::string out = event(body("", finishReason(r.reason)));
        if (m_usage) {
            json last = body("", nullptr);
            last["choices"] = json::array();
            last["usage"] = usage(r);
            out += event(last);
        }
        return out + "data: [DONE]\n\n";
    }
    std::string whole(const JobResult& r) override
    {
        json j = body(r.answer, finishReason(r.reason));
        j["usage"] = usage(r);
        return j.dump(-1, ' ', false, json::error_handler_t::replace);
    }

private:
    json body(const std::string& text, const char* finish)
    {
        return {{"id", m_id},
                {"object", "text_completion"},
                {"created", m_created},
                {"model", m_model},
                {"choices",
                 json::array(
                     {{{"index", 0}, {"text", text}, {"logprobs", nullptr}, {"finish_reason", finish ? json(finish) : json(nullptr)}}})}};
    }
    std::string m_model;
    bool m_usage;
    std::string m_id = newId("cmpl");
    int64_t m_created = int64_t(std::time(nullptr));
};

}  // namespace

std::unique_ptr<ReplyFormat> openAiChatFormat(const std::string& modelId, bool includeUsage, bool tools)
{
    return std::make_unique<OpenAiChat>(modelId, includeUsage, tools);
}

std::unique_ptr<ReplyFormat> openAiCompletionFormat(const std::string& modelId, bool includeUsage)
{
    return std::make_unique<OpenAiCompletion>(modelId, includeUsage);
}

}  // namespace hearth::server
