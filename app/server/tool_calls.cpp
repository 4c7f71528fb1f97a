#include "tool_calls.h"

#include "api_error.h"

#include <nlohmann/json.hpp>

#include <random>

namespace hearth::server {

using nlohmann::ordered_json;

namespace {

constexpr const char* kHermesOpen = "<tool_call>";
constexpr const char* kHermesClose = "</tool_call>";
constexpr const char* kMistral = "[TOOL_CALLS]";
constexpr const char* kPythonTag = "<|python_tag|>";

std::string trimmed(const std::string& s)
{
    const size_t a = s.find_first_not_of(" \t\r\n");
    if (a == std::string::npos) return {};
    const size_t b = s.find_last_not_of(" \t\r\n");
    return s.substr(a, b - a + 1);
}

// {"name": ..., "arguments"|"parameters": {...} or "..."} -> a call; false when it is not one.
bool callFromJson(const ordered_json& j, ToolCall& call)
{
    if (!j.is_object() || !j.contains("name") || !j["name"].is_string()) return false;
    call.name = j["name"].get<std::string>();
    const char* key = j.contains("arguments") ? "arguments" : j.contains("parameters") ? "parameters" : nullptr;
    if (!key) {
        call.arguments = "{}";
    } else if (j[key].is_string()) {
        call.arguments = j[key].get<std::string>();
    } else {
        call.arguments = j[key].dump();
    }
    call.id = newToolCallId();
    return true;
}

ordered_json parse(const std::string& text) { return ordered_json::parse(text, nullptr, /*allow_exceptions=*/false); }

}  // namespace

// The tools offered: [{"type": "function", "function": {"name", "description"?, "parameters"?}}].
std::string checkedToolsJson(const ordered_json& tools)
{
    if (tools.size() > 128) throw ApiError::badRequest("'tools' may list at most 128 functions");
    for (size_t i = 0; i < tools.size(); ++i) {
        const std::string at = "tools[" + std::to_string(i) + "]";
        const ordered_json& tool = tools[i];
        if (!tool.is_object() || tool.value("type", std::string()) != "function" || !tool.contains("function") ||
            !tool["function"].is_object())
            throw ApiError::badRequest(at + " must be {\"type\": \"function\", \"function\": {...}}");
        const ordered_json& fn = tool["function"];
        if (!fn.contains("name") || !fn["name"].is_string() || fn["name"].get<std::string>().empty())
            throw ApiError::badRequest(at + ".function.name must be a non-empty string");
        if (fn.contains("parameters") && !fn["parameters"].is_object())
            throw ApiError::badRequest(at + ".function.parameters must be an object");
    }
    return tools.dump();
}

std::string newToolCallId()
{
    static thread_local std::mt19937_64 rng {std::random_device {}()};
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::string id = "call_";
    for (int i = 0; i < 9; ++i) id += alphabet[rng() % (sizeof alphabet - 1)];
    return id;
}

ParsedReply parseToolCalls(const std::string& reply)
{
    ParsedReply out;
    // Hermes / Qwen: any number of <tool_call> blocks among text.
    if (reply.find(kHermesOpen) != std::string::npos) {
        size_t at = 0;
        while (at < reply.size()) {
            const size_t open = reply.find(kHermesOpen, at);
            if (open == std::string::npos) {
                out.content += reply.substr(at);
                break;
            }
            out.content += reply.substr(at, open - at);
            const size_t bodyStart = open + std::string(kHermesOpen).size();
            size_t close = reply.find(kHermesClose, bodyStart);
            const size_t bodyEnd = close == std::string::npos ? reply.size() : close;  // a reply may stop before the close
            ToolCall call;
            if (callFromJson(parse(trimmed(reply.substr(bodyStart, bodyEnd - bodyStart))), call)) out.calls.push_back(call);
            else out.content += reply.substr(open, bodyEnd - open + (close == std::string::npos ? 0 : std::string(kHermesClose).size()));
            at = close == std::string::npos ? reply.size() : close + std::string(kHermesClose).size();
        }
        out.content = trimmed(out.content);
        return out;
    }
    // Mistral: [TOOL_CALLS] then a JSON list of calls.
    if (const size_t m = reply.find(kMistral); m != std::string::npos) {
        const ordered_json list = parse(trimmed(reply.substr(m + std::string(kMistral).size())));
        if (list.is_array()) {
            for (const auto& item : list) {
                ToolCall call;
                if (callFromJson(item, call)) out.calls.push_back(call);
            }
            if (!out.calls.empty()) {
                out.content = trimmed(reply.substr(0, m));
                return out;
            }
        }
    }
    // Llama 3.x: the whole reply is one call (or several separated by ';').
    std::string body = trimmed(reply);
    if (body.rfind(kPythonTag, 0) == 0) body = trimmed(body.substr(std::string(kPythonTag).size()));
    if (!body.empty() && body.front() == '{') {
        std::vector<ToolCall> calls;
        size_t start = 0;
        bool ok = true;
        while (ok && start < body.size()) {
            size_t end = body.find(';', start);
            const ordered_json j = parse(trimmed(body.substr(start, end == std::string::npos ? std::string::npos : end - start)));
            ToolCall call;
            ok = callFromJson(j, call);
            if (ok) calls.push_back(call);
            start = end == std::string::npos ? body.size() : end + 1;
        }
        if (ok && !calls.empty()) {
            out.calls = std::move(calls);
            return out;
        }
    }
    out.content = reply;
    return out;
}

std::string ToolCallStream::push(const std::string& text)
{
    m_all += text;
    // A reply that opens with '{' (or <|python_tag|>) may be a Llama-style call: hold it all.
    const std::string head = trimmed(m_all);
    if (m_sent == 0 &&
        (head.empty() || head.front() == '{' || std::string(kPythonTag).rfind(head.substr(0, std::string(kPythonTag).size()), 0) == 0))
        return {};
    // Hold from the first marker on, and any tail that could be the start of one.
    size_t safe = m_all.size();
    for (const char* marker : {kHermesOpen, kMistral}) {
        const std::string mk = marker;
        if (const size_t found = m_all.find(mk, m_sent); found != std::string::npos) safe = std::min(safe, found);
        for (size_t n = std::min(mk.size() - 1, m_all.size()); n > 0; --n)
            if (m_all.compare(m_all.size() - n, n, mk, 0, n) == 0) {
                safe = std::min(safe, m_all.size() - n);
                break;
            }
    }
    if (safe <= m_sent) return {};
    std::string out = m_all.substr(m_sent, safe - m_sent);
    m_sent = safe;
    return out;
}

ParsedReply ToolCallStream::finish()
{
    ParsedReply parsed = parseToolCalls(m_all);
    if (parsed.calls.empty()) {
        parsed.content = m_all.substr(m_sent);  // no call after all: the held text is content
        return parsed;
    }
    // The text sent so far came before the first call: it begins the content; send the rest.
    const std::string sent = trimmed(m_all.substr(0, m_sent));
    if (parsed.content.rfind(sent, 0) == 0) parsed.content = trimmed(parsed.content.substr(sent.size()));
    return parsed;
}

}  // namespace hearth::server
