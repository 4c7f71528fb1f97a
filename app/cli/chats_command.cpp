// hearth-cli chats [--data-dir DIR] list [--json] | show ID [--json] | search QUERY [--json]
//                  | export ID --format md|json | import FILE.json | delete ID | delete --all --yes | recover
// Works on the same database as the app (HEARTH_DATA_DIR or --data-dir select another).
#include "cli_args.h"
#include "passphrase_input.h"
#include "commands.h"

#include "storage/chat_export.h"
#include "storage/data_location.h"
#include "storage/store.h"
#include "storage/visible_text.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <stdexcept>

namespace hearth::cli {

using namespace hearth::storage;
using nlohmann::json;

namespace {

int64_t idArgument(const std::vector<std::string>& positionals, size_t index, const char* usage)
{
    if (positionals.size() <= index) throw std::invalid_argument(usage);
    try {
        size_t used = 0;
        int64_t id = std::stoll(positionals[index], &used);
        if (used == positionals[index].size() && id > 0) return id;
    } catch (const std::exception&) {
    }
    throw std::invalid_argument("'" + positionals[index] + "' is not a conversation id");
}

std::string plainSnippet(std::string s)
{
    for (auto [marker, replacement] : {std::pair {kMatchStart, "**"}, std::pair {kMatchEnd, "**"}})
        for (size_t at; (at = s.find(marker)) != std::string::npos;) s.replace(at, 1, replacement);
    for (auto& c : s)
        if (c == '\n') c = ' ';
    return s;
}

// Writes by length, never as a C string: text may hold NUL.
void write(std::string_view text) { std::fwrite(text.data(), 1, text.size(), stdout); }

// Human-readable output shows control characters instead of letting them act on the terminal.
std::string shown(std::string_view text) { return visibleText(text, LineBreaks::Keep); }
std::string shownOnOneLine(std::string_view text) { return visibleText(text, LineBreaks::Show); }

std::string dumpJson(const json& j) { return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n"; }

json messageJson(const Message& m)
{
    json j = {{"id", m.id}, {"role", m.role}, {"content", m.content}, {"created_at", m.createdAt}};
    if (m.parentId) j["parent_id"] = *m.parentId;
    if (m.reasoning) j["reasoning"] = *m.reasoning;
    if (m.model) j["model"] = *m.model;
    if (m.finishReason) j["finish_reason"] = *m.finishReason;
    if (m.tokensPerSecond) j["tokens_per_second"] = *m.tokensPerSecond;
    return j;
}

}  // namespace

int runChats(const std::vector<std::string>& argv)
{
    CliArgs args(argv, {"--data-dir", "--format"}, {"--json", "--all", "--yes", "--passphrase-stdin"});
    const auto& p = args.positionals();
    if (p.empty())
        throw std::invalid_argument("usage: hearth-cli chats [--data-dir DIR] list|show|search|export|import|delete|recover ...");
    const std::string& action = p[0];
    // Only `recover` (and the app) may move a damaged database aside; the others refuse to touch it.
    const bool recover = action == "recover";
    const std::string path = databasePath(dataDirectory(args.value("--data-dir").value_or("")));
    unlockIfEncrypted(args, path);
    auto store = Store::open(path, recover ? Store::OnDamage::Recover : Store::OnDamage::Refuse);
    if (recover) {
        if (!store->recoveredCorruptFile()) {
            std::printf("the database is intact; nothing to recover\n");
            return 0;
        }
        const SalvageReport& r = store->salvaged();
        std::printf("the damaged database was kept as %s; recovered %lld conversations and %lld messages from it into a new one\n",
                    store->recoveredCorruptFile()->c_str(), static_cast<long long>(r.conversations), static_cast<long long>(r.messages));
        return 0;
    }
    const bool asJson = args.flag("--json");

    if (action == "list") {
        auto conversations = store->listConversations();
        if (asJson) {
            json list = json::array();
            for (const auto& c : conversations)
                list.push_back({{"id", c.id},
                                {"title", c.title},
                                {"pinned", c.pinned},
                                {"messages", c.messageCount},
                                {"updated_at", c.updatedAt},
                                {"model", c.model ? json(*c.model) : json(nullptr)}});
            write(dumpJson(list));
        } else {
            for (const auto& c : conversations) {
                char line[128];
                std::snprintf(line, sizeof line, "%6lld %s ", static_cast<long long>(c.id), c.pinned ? "*" : " ");
                std::string title = c.title.empty() ? "(untitled)" : shownOnOneLine(c.title);
                if (title.size() < 50) title.resize(50, ' ');
                char count[64];
                std::snprintf(count, sizeof count, " %4lld messages\n", static_cast<long long>(c.messageCount));
                write(std::string(line) + title + count);
            }
        }
        return 0;
    }
    if (action == "show") {
        const int64_t id = idArgument(p, 1, "usage: hearth-cli chats show ID [--json]");
        Conversation c = store->conversation(id);
        auto thread = store->activeThread(id);
        if (asJson) {
            json messages = json::array();
            for (const auto& m : thread) messages.push_back(messageJson(m));
            write(dumpJson(json {{"id", c.id}, {"title", c.title}, {"messages", messages}}));
        } else {
            write(shownOnOneLine(c.title) + "\n\n");
            for (const auto& m : thread) write("[" + m.role + "] " + shown(m.content) + "\n\n");
        }
        return 0;
    }
    if (action == "search") {
        if (p.size() < 2) throw std::invalid_argument("usage: hearth-cli chats search QUERY [--json]");
        std::string query = p[1];
        for (size_t i = 2; i < p.size(); ++i) query += " " + p[i];
        auto hits = store->search(query);
        if (asJson) {
            json list = json::array();
            for (const auto& h : hits)
                list.push_back({{"conversation_id", h.conversationId},
                                {"message_id", h.messageId ? json(*h.messageId) : json(nullptr)},
                                {"title", h.title},
                                {"snippet", plainSnippet(h.snippet)},
                                {"rank", h.rank}});
            write(dumpJson(list));
        } else {
            for (const auto& h : hits) {
                char id[32];
                std::snprintf(id, sizeof id, "%6lld  ", static_cast<long long>(h.conversationId));
                write(id + shownOnOneLine(h.title) + "\n        " + shownOnOneLine(plainSnippet(h.snippet)) + "\n");
            }
        }
        return 0;
    }
    if (action == "export") {
        const int64_t id = idArgument(p, 1, "usage: hearth-cli chats export ID --format md|json");
        const std::string format = args.value("--format").value_or("md");
        if (format == "md") write(exportMarkdown(*store, id));
        else if (format == "json") write(exportJson(*store, id));
        else throw std::invalid_argument("--format must be md or json");
        return 0;
    }
    if (action == "import") {
        if (p.size() != 2) throw std::invalid_argument("usage: hearth-cli chats import FILE.json");
        const int64_t id = importJson(*store, readConversationFile(p[1]));
        std::printf("imported conversation %lld\n", static_cast<long long>(id));
        return 0;
    }
    if (action == "delete") {
        if (args.flag("--all")) {  // every conversation, nothing recoverable left in the files
            if (!args.flag("--yes")) throw std::invalid_argument("hearth-cli chats delete --all deletes every conversation: add --yes");
            const size_t count = store->listConversations().size();
            store->deleteAllConversations();
            std::printf("deleted %zu conversations\n", count);
            return 0;
        }
        const int64_t id = idArgument(p, 1, "usage: hearth-cli chats delete ID | delete --all --yes");
        store->deleteConversation(id);
        std::printf("deleted conversation %lld\n", static_cast<long long>(id));
        return 0;
    }
    throw std::invalid_argument("unknown chats action '" + action + "' (list, show, search, export, import, delete, recover)");
}

}  // namespace hearth::cli
