// OpenAI's chat completions and completions: requests in, replies out (DeepSeek's
// `reasoning_content` for the model's thinking, in whole replies and in stream deltas).
#include "reply_format.h"

#include "api_error.h"
#include "request_fields.h"

#include <atomic>
#include <ctime>

namespace hearth::server {

using nlohmann::json;

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

}  // namespace

GenerationJob parseOpenAiChat(const json& body, const RequestLimits& limits)
{
    RequestFields f(body, "request");
    GenerationJob job;
    job.chat = true;
    job.model = f.string("model").value_or("");
    const json* messages = f.array("messages");
    if (!messages || messages->empty()) throw ApiError::badRequest("'messages' must be a non-empty list");
    if (messages->size() > limits.maxMessages)
        throw ApiError::badRequest("'messages' holds " + std::to_string(messages->size()) + " messages; at most " +
                                   std::to_string(limits.maxMessages) + " are accepted");
    for (size_t i = 0; i < messages->size(); ++i) {
        const std::string where = "messages[" + std::to_string(i) + "]";
        RequestFields m((*messages)[i], where);
        auto role = m.string("role");
        if (!role) throw ApiError::badRequest(where + ".role is required");
        if (*role == "developer") role = "system";  // OpenAI's newer name for it
        if (*role == "tool" || *role == "function")
            throw ApiError::badRequest(where + ": tool messages are not supported by Hearth's server yet", "unsupported");
        if (*role != "system" && *role != "user" && *role != "assistant")
            throw ApiError::badRequest(where + ".role must be system, developer, user or assistant, not '" + *role + "'");
        ChatMessage message;
        message.role = *role;
        auto it = (*messages)[i].find("content");
        m.ignore({"content", "name"});
        message.content = messageText(it == (*messages)[i].end() ? json() : *it, where);
        if (auto reasoning = m.string("reasoning_content")) message.reasoning = *reasoning;
        if (const json* calls = m.array("tool_calls"); calls && !calls->empty())
            throw ApiError::badRequest(where + ": tool calls are not supported by Hearth's server yet", "unsupported");
        m.ignore({"tool_call_id", "refusal"});
        m.rejectUnknown();
        job.messages.push_back(std::move(message));
    }
    readSampling(f, job, limits);
    if (const json* tools = f.array("tools"); tools && !tools->empty())
        throw ApiError::badRequest("'tools' are not supported by Hearth's server yet", "unsupported");
    f.ignore({"tool_choice", "function_call", "functions"});
    if (const json* format = f.object("response_format")) {
        const auto type = format->value("type", std::string());
        if (type != "text")
            throw ApiError::badRequest("response_format '" + type + "' is not supported by Hearth's server yet", "unsupported");
    }
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
    OpenAiChat(std::string model, bool includeUsage) : m_model(std::move(model)), m_usage(includeUsage) { }
    const char* streamContentType() const override { return "text/event-stream"; }
    std::string streamStart() override { return event(chunk({{"role", "assistant"}, {"content", ""}}, nullptr)); }
    std::string streamDelta(const std::string& answer, const std::string& reasoning) override
    {
        json delta = json::object();
        if (!reasoning.empty()) delta["reasoning_content"] = reasoning;
        if (!answer.empty()) delta["content"] = answer;
        return delta.empty() ? std::string() : event(chunk(delta, nullptr));
    }
    std::string streamEnd(const JobResult& r) override
    {
        std::string out = event(chunk(json::object(), finishReason(r.reason)));
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
        if (!r.reasoning.empty()) message["reasoning_content"] = r.reasoning;
        json j = {{"id", m_id},
                  {"object", "chat.completion"},
                  {"created", m_created},
                  {"model", m_model},
                  {"choices",
                   json::array({{{"index", 0}, {"message", message}, {"logprobs", nullptr}, {"finish_reason", finishReason(r.reason)}}})},
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

std::unique_ptr<ReplyFormat> openAiChatFormat(const std::string& modelId, bool includeUsage)
{
    return std::make_unique<OpenAiChat>(modelId, includeUsage);
}

std::unique_ptr<ReplyFormat> openAiCompletionFormat(const std::string& modelId, bool includeUsage)
{
    return std::make_unique<OpenAiCompletion>(modelId, includeUsage);
}

}  // namespace hearth::server
