#include "storage/chat_export.h"

#include "storage/visible_text.h"

#include <QFile>
#include <QFileInfo>
#include <nlohmann/json.hpp>

#ifndef _WIN32
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace hearth::storage {

using nlohmann::json;

std::string exportMarkdown(Store& store, int64_t conversationId)
{
    // Control characters (NUL, ESC, CR, ...) are written as visible pictures: a Markdown file is
    // for reading, and a raw ESC would act in a terminal that shows it.
    Conversation c = store.conversation(conversationId);
    std::string out = "# " + visibleText(c.title.empty() ? std::string("Untitled conversation") : c.title, LineBreaks::Show) + "\n\n";
    if (c.model) out += "_Model: " + visibleText(*c.model, LineBreaks::Show) + "_\n\n";
    if (c.systemPrompt && !c.systemPrompt->empty()) out += "> **System:** " + visibleText(*c.systemPrompt) + "\n\n";
    for (const Message& m : store.activeThread(conversationId)) {
        const std::string who = m.role == "user" ? "You" : m.role == "assistant" ? "Assistant" : "System";
        out += "## " + who + "\n\n";
        for (const Attachment& a : m.attachments) out += "_Attached: " + visibleText(a.name, LineBreaks::Show) + "_\n\n";
        if (m.reasoning && !m.reasoning->empty())
            out += "<details><summary>Reasoning</summary>\n\n" + visibleText(*m.reasoning) + "\n\n</details>\n\n";
        out += visibleText(m.content) + "\n\n";
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
        if (!m.attachments.empty()) {
            json files = json::array();
            for (const Attachment& a : m.attachments)
                files.push_back({{"name", a.name}, {"kind", a.kind}, {"content", a.content}, {"bytes", a.bytes}});
            j["attachments"] = std::move(files);
        }
        messages.push_back(std::move(j));
    }
    json out = {{"format", "hearth.conversation"}, {"version", 1}, {"title", c.title}, {"created_at", c.createdAt}, {"messages", messages}};
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

// A timestamp in milliseconds between 1970 and the year 9999, when present.
void checkTimestamp(const json& object, const std::string& where)
{
    auto it = object.find("created_at");
    if (it == object.end() || it->is_null()) return;
    constexpr int64_t kYear9999 = 253402300799999;
    if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > kYear9999)
        invalid(where + "\"created_at\" must be milliseconds since 1970 (a whole number up to the year 9999), got " + it->dump());
}

}  // namespace

std::string readConversationFile(const std::string& path)
{
#ifndef _WIN32
    // O_NONBLOCK and a type check: a named pipe or a device must not hang or fill memory.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) throw StoreError(StoreErrorCode::Io, path + ": cannot open: " + std::strerror(errno));
    struct stat st { };
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw StoreError(StoreErrorCode::InvalidInput, path + ": not a regular file (a conversation file is a .json file)");
    }
    if (uint64_t(st.st_size) > kMaxConversationFileBytes) {
        ::close(fd);
        throw StoreError(StoreErrorCode::InvalidInput,
                         path + ": " + std::to_string(st.st_size >> 20) + " MiB is larger than the " +
                             std::to_string(kMaxConversationFileBytes >> 20) + " MiB a conversation file may be");
    }
    std::string text;
    char buffer[1 << 16];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int err = errno;
            ::close(fd);
            throw StoreError(StoreErrorCode::Io, path + ": cannot read: " + std::strerror(err));
        }
        if (n == 0) break;
        text.append(buffer, size_t(n));
        if (text.size() > kMaxConversationFileBytes) {  // the file grew while we read it
            ::close(fd);
            throw StoreError(StoreErrorCode::InvalidInput, path + ": larger than a conversation file may be");
        }
    }
    ::close(fd);
    return text;
#else
    const QString name = QString::fromStdString(path);
    if (!QFileInfo(name).isFile()) throw StoreError(StoreErrorCode::InvalidInput, path + ": not a regular file");
    QFile file(name);
    if (!file.open(QIODevice::ReadOnly)) throw StoreError(StoreErrorCode::Io, path + ": cannot open: " + file.errorString().toStdString());
    if (uint64_t(file.size()) > kMaxConversationFileBytes)
        throw StoreError(StoreErrorCode::InvalidInput, path + ": larger than a conversation file may be");
    const QByteArray bytes = file.read(qint64(kMaxConversationFileBytes) + 1);
    return std::string(bytes.constData(), size_t(bytes.size()));
#endif
}

int64_t importJson(Store& store, const std::string& text)
{
    json doc;
    try {
        doc = json::parse(text);
    } catch (const json::parse_error& e) {
        invalid(std::string("invalid JSON (") + e.what() + ")");
    }
    if (!doc.is_object()) invalid("the top level must be an object");
    if (auto format = optionalString(doc, "format", ""); format && *format != "hearth.conversation")
        invalid("\"format\" is '" + *format + "', not 'hearth.conversation'");
    if (auto version = doc.find("version"); version != doc.end() && !version->is_null()) {
        if (!version->is_number_integer()) invalid("\"version\" must be a whole number");
        if (version->get<int64_t>() != 1)
            invalid("version " + version->dump() + " is not one this Hearth reads (it reads version 1; a newer Hearth wrote this file?)");
    }
    checkTimestamp(doc, "");
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
        checkTimestamp(m, where);
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
        if (auto files = m.find("attachments"); files != m.end() && !files->is_null()) {
            if (!files->is_array()) invalid(where + "\"attachments\" must be an array");
            for (size_t k = 0; k < files->size(); ++k) {
                const json& f = (*files)[k];
                const std::string at = where + "attachment " + std::to_string(k + 1) + ": ";
                if (!f.is_object()) invalid(at + "must be an object");
                auto name = optionalString(f, "name", at);
                auto fileText = optionalString(f, "content", at);
                if (!name || name->empty() || !fileText) invalid(at + "\"name\" and \"content\" are required");
                const std::string kind = optionalString(f, "kind", at).value_or("text");
                if (kind != "text" && kind != "markdown" && kind != "code" && kind != "csv" && kind != "pdf")
                    invalid(at + "unknown kind '" + kind + "'");
                int64_t bytes = int64_t(fileText->size());
                if (auto b = f.find("bytes"); b != f.end() && !b->is_null()) {
                    if (!b->is_number_integer() || b->get<int64_t>() < 0) invalid(at + "\"bytes\" must be a whole number");
                    bytes = b->get<int64_t>();
                }
                n.attachments.push_back({*name, kind, *fileText, bytes});
            }
        }
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
            if (finishReasons[i]) store.finishMessage(*parent, MessageStats {std::nullopt, std::nullopt, std::nullopt, *finishReasons[i]});
        }
        if (!title.empty()) store.renameConversation(id, title);
        return id;
    });
}

}  // namespace hearth::storage
