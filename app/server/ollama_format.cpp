// Ollama's /api/chat and /api/generate: requests in, replies out as one object or as one JSON
// object per line (Ollama streams by default), with its `thinking` field and its timings.
#include "reply_format.h"

#include "api_error.h"
#include "request_fields.h"
#include "tool_calls.h"

#include <chrono>
#include <ctime>

namespace hearth::server {

using json = nlohmann::ordered_json;

namespace {

std::string nowIso()
{
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm tm {};
    gmtime_r(&t, &tm);
    char buffer[40];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
    char out[64];
    std::snprintf(out, sizeof out, "%s.%06lldZ", buffer, static_cast<long long>(micros));
    return out;
}

std::string line(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n"; }

// Ollama's "options": the sampler's settings under its names; the ones that change how the
// model is loaded or run (not the reply) are accepted and ignored.
void readOptions(const json* options, GenerationJob& job, const RequestLimits& limits)
{
    SamplerSettings& s = job.generate.sampler;
    s.seed = randomSeed();
    if (!options) return;
    RequestFields o(*options, "options");
    if (auto v = o.number("temperature", 0, 2)) s.temperature = float(*v);
    if (auto v = o.number("top_p", 0, 1)) s.topP = float(*v);
    if (auto v = o.integer("top_k", 0, 100000)) s.topK = int(*v);
    if (auto v = o.number("min_p", 0, 1)) s.minP = float(*v);
    if (auto v = o.number("repeat_penalty", 0, 10)) s.repeatPenalty = float(*v);
    if (auto v = o.integer("repeat_last_n", -1, 1 << 20)) s.penaltyLastN = int(*v);
    if (auto v = o.number("frequency_penalty", -2, 2)) s.frequencyPenalty = float(*v);
    if (auto v = o.number("presence_penalty", -2, 2)) s.presencePenalty = float(*v);
    if (auto v = o.integer("seed", std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max())) s.seed = uint64_t(*v);
    // -1: no limit, -2: fill the context; both mean "until the context ends" here.
    if (auto v = o.integer("num_predict", -2, limits.maxTokens)) job.generate.maxTokens = *v > 0 ? *v : 0;
    job.generate.stopStrings = o.stringOrList("stop", limits.maxStopStrings);
    o.ignore({"num_ctx", "num_batch", "num_gpu", "main_gpu", "num_thread", "num_keep", "use_mmap", "use_mlock", "numa", "low_vram",
              "vocab_only", "mirostat", "mirostat_eta", "mirostat_tau", "tfs_z", "typical_p", "penalize_newline"});
    o.rejectUnknown();
}

void readCommon(RequestFields& f, GenerationJob& job, const RequestLimits& limits)
{
    job.model = f.string("model").value_or("");
    if (job.model.empty()) throw ApiError::badRequest("'model' is required");
    job.stream = f.boolean("stream").value_or(true);  // Ollama streams unless told not to
    readOptions(f.object("options"), job, limits);
    // format: "json" (any JSON object) or a JSON schema.
    if (const json format = f.any("format"); !format.is_null() && format != "") {
        if (format == "json") job.generate.jsonSchema = R"({"type": "object"})";
        else if (format.is_object()) job.generate.jsonSchema = format.dump();
        else throw ApiError::badRequest("'format' must be \"json\" or a JSON schema object");
        try {
            validateJsonSchema(*job.generate.jsonSchema);
        } catch (const Error& e) {
            throw ApiError::badRequest(std::string("format: ") + e.what(), "unsupported_schema");
        }
    }
    // `think`: true/false, or an effort level ("low", "medium", "high") that means on.
    const json think = f.any("think");
    if (think.is_boolean()) job.thinking = think.get<bool>();
    else if (think.is_string()) job.thinking = think.get<std::string>() != "none";
    else if (!think.is_null()) throw ApiError::badRequest("'think' must be true, false or an effort level");
    f.ignore({"keep_alive", "truncate", "shift"});
}

}  // namespace

GenerationJob parseOllamaChat(const json& request, const RequestLimits& limits)
{
    RequestFields f(request, "request");
    GenerationJob job;
    job.chat = true;
    readCommon(f, job, limits);
    const json* messages = &f.boundedList("messages", limits.maxMessages);
    for (size_t i = 0; i < messages->size(); ++i) {
        const std::string where = "messages[" + std::to_string(i) + "]";
        RequestFields m((*messages)[i], where);
        const auto role = m.string("role");
        if (!role || (*role != "system" && *role != "user" && *role != "assistant" && *role != "tool"))
            throw ApiError::badRequest(where + ".role must be system, user, assistant or tool");
        ChatMessage message;
        message.role = *role;
        message.content = m.string("content").value_or("");
        if (auto thinking = m.string("thinking")) message.reasoning = *thinking;
        if (const json* images = m.array("images"); images && !images->empty())
            throw ApiError::badRequest(where + ": images are not supported; Hearth's models read text only", "unsupported_content");
        if (const json* calls = m.array("tool_calls"); calls && !calls->empty()) {
            // Ollama's [{"function": {"name", "arguments": {...}}}] as OpenAI's shape for the template.
            json openai = json::array();
            for (const auto& call : *calls) {
                if (!call.is_object() || !call.contains("function") || !call["function"].is_object() ||
                    !call["function"].contains("name") || !call["function"]["name"].is_string())
                    throw ApiError::badRequest(where + ".tool_calls entries need function.name");
                json fn = {{"name", call["function"]["name"]}, {"arguments", call["function"].value("arguments", json::object())}};
                openai.push_back({{"id", newToolCallId()}, {"type", "function"}, {"function", fn}});
            }
            message.toolCallsJson = openai.dump();
        }
        if (auto name = m.string("tool_name")) message.name = *name;
        m.rejectUnknown();
        job.messages.push_back(std::move(message));
    }
    if (const json* tools = f.array("tools"); tools && !tools->empty()) job.toolsJson = checkedToolsJson(*tools);
    f.rejectUnknown();
    return job;
}

GenerationJob parseOllamaGenerate(const json& request, const RequestLimits& limits)
{
    RequestFields f(request, "request");
    GenerationJob job;
    readCommon(f, job, limits);
    const std::string prompt = f.string("prompt").value_or("");
    const auto system = f.string("system");
    const bool raw = f.boolean("raw").value_or(false);
    if (const json* images = f.array("images"); images && !images->empty())
        throw ApiError::badRequest("images are not supported; Hearth's models read text only", "unsupported_content");
    if (f.string("suffix").value_or("") != "")
        throw ApiError::badRequest("'suffix' (fill in the middle) is not supported by Hearth yet", "unsupported");
    if (f.string("template").value_or("") != "")
        throw ApiError::badRequest("'template' is not supported: Hearth uses the model's own", "unsupported");
    if (const json* context = f.array("context"); context && !context->empty())
        throw ApiError::badRequest("'context' is not supported; send the conversation to /api/chat instead", "unsupported");
    f.rejectUnknown();
    if (raw) {
        job.chat = false;
        job.prompt = prompt;
    } else {
        job.chat = true;
        if (system) job.messages.push_back({"system", *system, std::nullopt});
        job.messages.push_back({"user", prompt, std::nullopt});
    }
    return job;
}

namespace {

class OllamaFormat : public ReplyFormat {
public:
    OllamaFormat(std::string model, bool chat, bool tools) : m_model(std::move(model) + ":latest"), m_chat(chat), m_tools(tools) { }
    const char* streamContentType() const override { return "application/x-ndjson"; }
    std::string streamDelta(const std::string& answer, const std::string& reasoning) override
    {
        // With tools offered, what may be a call is held back until the reply ends.
        const std::string content = m_tools ? m_stream.push(answer) : answer;
        if (content.empty() && reasoning.empty()) return {};
        return line(piece(content, reasoning, false));
    }
    std::string streamEnd(const JobResult& r) override
    {
        std::string out;
        if (m_tools) {
            const ParsedReply parsed = m_stream.finish();
            json last = piece(parsed.content, {}, false);
            if (!parsed.calls.empty()) last["message"]["tool_calls"] = ollamaCalls(parsed.calls);
            if (!parsed.content.empty() || !parsed.calls.empty()) out += line(last);
        }
        return out + line(finalObject(r, {}, {}));
    }
    std::string whole(const JobResult& r) override
    {
        if (m_tools) {
            const ParsedReply parsed = parseToolCalls(r.answer);
            if (!parsed.calls.empty()) {
                json j = finalObject(r, parsed.content, r.reasoning);
                j["message"]["tool_calls"] = ollamaCalls(parsed.calls);
                return j.dump(-1, ' ', false, json::error_handler_t::replace);
            }
        }
        return finalObject(r, r.answer, r.reasoning).dump(-1, ' ', false, json::error_handler_t::replace);
    }

private:
    json piece(const std::string& answer, const std::string& reasoning, bool done)
    {
        json j = {{"model", m_model}, {"created_at", nowIso()}};
        if (m_chat) {
            json message = {{"role", "assistant"}, {"content", answer}};
            if (!reasoning.empty()) message["thinking"] = reasoning;
            j["message"] = message;
        } else {
            j["response"] = answer;
            if (!reasoning.empty()) j["thinking"] = reasoning;
        }
        j["done"] = done;
        return j;
    }
    json finalObject(const JobResult& r, const std::string& answer, const std::string& reasoning)
    {
        json j = piece(answer, reasoning, true);
        const auto ns = [](double seconds) { return int64_t(seconds * 1e9); };
        j["done_reason"] = r.reason == FinishReason::Length ? "length" : "stop";
        j["total_duration"] = ns(r.promptSeconds + r.generateSeconds);
        j["load_duration"] = 0;
        j["prompt_eval_count"] = r.promptTokens;
        j["prompt_eval_duration"] = ns(r.promptSeconds);
        j["eval_count"] = r.completionTokens;
        j["eval_duration"] = ns(r.generateSeconds);
        return j;
    }
    // Ollama's calls carry the arguments as an object.
    static json ollamaCalls(const std::vector<ToolCall>& calls)
    {
        json out = json::array();
        for (const auto& c : calls) {
            json args = json::parse(c.arguments, nullptr, false);
            out.push_back({{"function", {{"name", c.name}, {"arguments", args.is_discarded() ? json::object() : args}}}});
        }
        return out;
    }
    std::string m_model;
    bool m_chat;
    bool m_tools;
    ToolCallStream m_stream;
};

}  // namespace

std::unique_ptr<ReplyFormat> ollamaChatFormat(const std::string& modelId, bool tools)
{
    return std::make_unique<OllamaFormat>(modelId, true, tools);
}
std::unique_ptr<ReplyFormat> ollamaGenerateFormat(const std::string& modelId)
{
    return std::make_unique<OllamaFormat>(modelId, false, false);
}

}  // namespace hearth::server
