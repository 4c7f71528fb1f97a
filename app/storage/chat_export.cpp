#include "storage/chat_export.h"

#include <nlohmann/json.hpp>

namespace hearth::storage {

using nlohmann::json;

std::string exportMarkdown(Store& store, int64_t conversationId)
{
    Conversation c = store.conversation(conversationId);
    std::string out = "# " + (c.title.empty() ? std::string("Untitled conversation") : c.title) + "\n\n";
    if (c.model) out += "_Model: " + *c.model + "_\n\n";
    if (c.systemPrompt && !c.systemPrompt->empty()) out += "> **System:** " + *c.systemPrompt + "\n\n";
    for (const Message& m : store.activeThread(conversationId)) {
        const std::string who = m.role == "user" ? "You" : m.role == "assistant" ? "Assistant" : "System";
        out += "## " + who + "\n\n";
        if (m.reasoning && !m.reasoning->empty())
            out += "<details><summary>Reasoning</summary>\n\n" + *m.reasoning + "\n\n</details>\n\n";
        out += m.content + "\n\n";
    }
    return out;
}

std::string exportJson(Store& store, int64_t conversationId)
{
    Conversation c = store.conversation(conversationId);
    json messages = json::array();
    for (const Message& m : store.activeThread(conversationId)) {
        json j = {{"role", m.role}, {"content", m.content}, {"created_at", m.createdAt}};
        if (m.reasoning) j["reasoning"] = *m.reasoning;
        if (m.model) j["model"] = *m.model;
        if (m.finishReason) j["finish_reason"] = *m.finishReason;
        messages.push_back(std::move(j));
    }
    json out = {{"format", "hearth.conversation"}, {"version", 1}, {"title", c.title}, {"created_at", c.createdAt},
                {"messages", messages}};
    if (c.model) out["model"] = *c.model;
    if (c.systemPrompt) out["system_prompt"] = *c.systemPrompt;
    return out.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

namespace {

[[noreturn]] void invalid(const std::string& what)
{
    throw StoreError(StoreErrorCode::InvalidInput, "not a Hearth conversation file: " + what);
}

std::optional<std::string> optionalString(const json& object, const char* key, const std::string& where)
{
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) invalid(where + "\"" + key + "\" must be a string");
    return it->get<std::string>();
}

}  // namespace

int64_t importJson(Store& store, const std::string& text)
{
    json doc;
    try {
        doc = json::parse(text);
    } catch (const json::parse_error& e) {
        invalid(std::string("invalid JSON (") + e.what() + ")");
    }
    if (!doc.is_object()) invalid("the top level must be an object");
    const std::string title = optionalString(doc, "title", "").value_or("");
    auto messages = doc.find("messages");
    if (messages == doc.end() || !messages->is_array()) invalid("\"messages\" must be an array");
    // Validate everything before writing anything.
    std::vector<NewMessage> parsed;
    std::vector<std::optional<std::string>> finishReasons;
    for (size_t i = 0; i < messages->size(); ++i) {
        const json& m = (*messages)[i];
        const std::string where = "message " + std::to_string(i + 1) + ": ";
        if (!m.is_object()) invalid(where + "must be an object");
        NewMessage n;
        auto role = optionalString(m, "role", where);
        if (!role || (*role != "user" && *role != "assistant" && *role != "system"))
            invalid(where + "\"role\" must be \"user\", \"assistant\" or \"system\"");
        n.role = *role;
        auto content = optionalString(m, "content", where);
        if (!content) invalid(where + "\"content\" is missing");
        n.content = *content;
        n.reasoning = optionalString(m, "reasoning", where);
        if (!n.reasoning) n.reasoning = optionalString(m, "reasoning_content", where);
        n.model = optionalString(m, "model", where);
        auto finish = optionalString(m, "finish_reason", where);
        if (finish && *finish != "stop" && *finish != "length" && *finish != "cancelled" && *finish != "error")
            invalid(where + "unknown finish_reason '" + *finish + "'");
        parsed.push_back(std::move(n));
        finishReasons.push_back(finish);
    }
    const auto model = optionalString(doc, "model", "");
    const auto systemPrompt = optionalString(doc, "system_prompt", "");
    return store.inTransaction([&] {
        const int64_t id = store.createConversation(title, model, systemPrompt);
        std::optional<int64_t> parent;
        for (size_t i = 0; i < parsed.size(); ++i) {
            parent = store.addMessage(id, parent, parsed[i]);
            if (finishReasons[i]) store.finishMessage(*parent, MessageStats{std::nullopt, std::nullopt, std::nullopt, *finishReasons[i]});
        }
        if (!title.empty()) store.renameConversation(id, title);
        return id;
    });
}

}  // namespace hearth::storage
