#include "storage/store.h"
#include "storage/visible_text.h"

#include "storage/salvage.h"
#include "storage/schema.h"
#include "storage/store_keyring.h"

#include "platform/local_time.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <system_error>

#ifndef _WIN32
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace hearth::storage {

namespace fs = std::filesystem;

int64_t nowMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

namespace {

// Creates the folders up to `folder` that do not exist yet, owner-only (0700) whatever the
// umask: the folder holding the history is as private as the files in it.
void createPrivateFolders(const fs::path& folder)
{
    std::error_code ec;
    if (folder.empty() || fs::is_directory(folder, ec)) return;
    createPrivateFolders(folder.parent_path());
#ifndef _WIN32
    if (::mkdir(folder.c_str(), 0700) != 0 && errno != EEXIST) {
        const int err = errno;
        throw StoreError(err == ENOSPC ? StoreErrorCode::DiskFull : StoreErrorCode::ReadOnly,
                         folder.string() + ": cannot create the folder: " + std::strerror(err));
    }
    ::chmod(folder.c_str(), 0700);  // mkdir's mode was masked by the umask
#else
    fs::create_directory(folder, ec);
    if (ec) throw StoreError(StoreErrorCode::ReadOnly, folder.string() + ": cannot create the folder: " + ec.message());
#endif
}

// Creates the database file with owner-only permissions before SQLite opens it (SQLite gives
// its -wal and -shm files the same permissions as the database).
void createPrivateFile(const std::string& path)
{
    createPrivateFolders(fs::path(path).parent_path());
#ifndef _WIN32
    const bool existed = ::access(path.c_str(), F_OK) == 0;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        int err = errno;
        throw StoreError(err == ENOSPC ? StoreErrorCode::DiskFull : StoreErrorCode::ReadOnly,
                         path + (existed ? ": cannot open the database file for writing: " : ": cannot create the database file: ") +
                             std::strerror(err) + (existed && err == EACCES ? " (the file is read-only)" : ""));
    }
    ::close(fd);
#endif
}

std::string timestampSuffix() { return formatLocalTimeNow("%Y%m%d-%H%M%S"); }

bool quickCheckOk(SqliteDb& db)
{
    Statement s = db.prepare("PRAGMA quick_check");
    return s.step() && s.text(0) == "ok";
}

// The VFS to open `path` with: an encrypted file's (Locked until unlocked), the remembered
// key's for a file about to be created encrypted, else the default (empty).
std::string vfsForOpen(const std::string& path)
{
    const bool sealed = isSealedStore(path);
    auto vfs = sealedVfsFor(path);
    if (sealed && !vfs)
        throw StoreError(StoreErrorCode::Locked,
                         path +
                             " is encrypted: unlock it with its passphrase (the app asks for it; "
                             "hearth-cli reads it with --passphrase-stdin)");
    if (sealed) return *vfs;
    std::error_code ec;
    const bool empty = !fs::exists(path, ec) || fs::file_size(path, ec) == 0;
    return vfs && empty ? *vfs : std::string();
}

void configure(SqliteDb& db)
{
    db.exec("PRAGMA foreign_keys = ON");
    db.exec("PRAGMA temp_store = MEMORY");  // sorts and temporary indexes never reach a plain file
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA secure_delete = ON");
}

// FTS5 query from user text: every word quoted (so no query syntax leaks in), the last one
// as a prefix so results appear while typing (from two characters on: the prefix indexes).
std::string ftsQuery(const std::string& text)
{
    std::vector<std::string> words;
    std::string word;
    for (char c : text) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (!word.empty()) words.push_back(std::move(word));
            word.clear();
        } else {
            word += c;
        }
    }
    if (!word.empty()) words.push_back(word);
    std::string query;
    for (size_t i = 0; i < words.size(); ++i) {
        std::string quoted = "\"";
        for (char c : words[i]) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
        quoted += "\"";
        if (i + 1 == words.size() && words[i].size() >= 2) quoted += "*";
        query += (i ? " " : "") + quoted;
    }
    return query;
}

}  // namespace

std::unique_ptr<Store> Store::open(const std::string& path, OnDamage onDamage) { return openImpl(path, latestSchemaVersion(), onDamage); }

std::unique_ptr<Store> Store::openInMemory()
{
    std::unique_ptr<Store> store(new Store());
    store->m_db = std::make_unique<SqliteDb>(":memory:", true);
    store->m_db->exec("PRAGMA foreign_keys = ON");
    store->m_db->exec("PRAGMA temp_store = MEMORY");  // no temporary files for sorts or indexes either
    migrate(*store->m_db, latestSchemaVersion());
    return store;
}

std::unique_ptr<Store> Store::openAtVersion(const std::string& path, int version) { return openImpl(path, version, OnDamage::Recover); }

std::unique_ptr<Store> Store::openImpl(const std::string& path, int version, OnDamage onDamage)
{
    std::unique_ptr<Store> store(new Store());
    createPrivateFile(path);
    const std::string vfs = vfsForOpen(path);
    bool corrupt = false;
    try {
        store->m_db = std::make_unique<SqliteDb>(path, true, vfs);
        configure(*store->m_db);
        corrupt = !quickCheckOk(*store->m_db);
    } catch (const StoreError& e) {
        if (e.code() != StoreErrorCode::Corrupt) throw;
        corrupt = true;
    }
    if (corrupt && onDamage == OnDamage::Refuse)
        throw StoreError(StoreErrorCode::Corrupt,
                         path +
                             " is damaged. Open Hearth, or run `hearth-cli chats recover`, to set it "
                             "aside and recover what can still be read into a new database");
    if (corrupt) {
        // Keep the damaged file (never delete a user's history), start a fresh one, and copy
        // into it every row that can still be read.
        store->m_db.reset();
        const std::string aside = path + ".corrupt-" + timestampSuffix();
        std::error_code ec;
        fs::rename(path, aside, ec);
        if (ec) throw StoreError(StoreErrorCode::Corrupt, path + " is damaged and cannot be moved aside: " + ec.message());
        for (const char* suffix : {"-wal", "-shm"})
            if (fs::exists(path + suffix)) fs::rename(path + suffix, aside + suffix, ec);
        store->m_recovered = aside;
        createPrivateFile(path);
        store->m_db = std::make_unique<SqliteDb>(path, true, vfs);  // encrypted again when it was
        configure(*store->m_db);
        migrate(*store->m_db, latestSchemaVersion());
        store->m_salvaged = salvageInto(*store->m_db, aside, vfs);
    }
    migrate(*store->m_db, version);
    store->m_hasAttachments = store->schemaVersion() >= 6;
    return store;
}

int Store::schemaVersion() { return storage::schemaVersion(*m_db); }

int64_t Store::dataVersion()
{
    Statement s = m_db->prepare("PRAGMA data_version");
    return s.step() ? s.integer(0) : 0;
}

bool Store::conversationExists(int64_t id)
{
    Statement s = m_db->prepare("SELECT 1 FROM conversations WHERE id = ?1");
    return s.bind(1, id).step();
}

bool Store::integrityOk()
{
    Statement s = m_db->prepare("PRAGMA integrity_check");
    return s.step() && s.text(0) == "ok";
}

void Store::setBusyTimeout(int milliseconds) { sqlite3_busy_timeout(m_db->handle(), milliseconds); }

void Store::setMaxPages(int64_t pages) { m_db->exec("PRAGMA max_page_count = " + std::to_string(pages)); }

void Store::requireConversation(int64_t id)
{
    Statement s = m_db->prepare("SELECT 1 FROM conversations WHERE id = ?1");
    if (!s.bind(1, id).step()) throw StoreError(StoreErrorCode::NotFound, "no conversation with id " + std::to_string(id));
}

void Store::touchConversation(int64_t id, int64_t now)
{
    m_db->prepare("UPDATE conversations SET updated_at = ?2 WHERE id = ?1").bind(1, id).bind(2, now).run();
}

int64_t Store::createConversation(const std::string& title, const std::optional<std::string>& model,
                                  const std::optional<std::string>& systemPrompt, const std::optional<std::string>& settingsJson)
{
    const int64_t now = nowMs();
    m_db->prepare("INSERT INTO conversations (title, title_is_auto, created_at, updated_at, model, system_prompt, settings_json) "
                  "VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6)")
        .bind(1, std::string_view(title))
        .bind(2, int64_t(title.empty() ? 1 : 0))
        .bind(3, now)
        .bind(4, model)
        .bind(5, systemPrompt)
        .bind(6, settingsJson)
        .run();
    return m_db->lastInsertId();
}

static const char* kConversationColumns =
    "SELECT c.id, c.title, c.title_is_auto, c.created_at, c.updated_at, c.pinned, c.model, c.system_prompt, "
    "c.settings_json, c.selected_root_id, (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) "
    "FROM conversations c ";

static Conversation readConversation(Statement& s)
{
    Conversation c;
    c.id = s.integer(0);
    c.title = s.text(1);
    c.titleIsAuto = s.integer(2) != 0;
    c.createdAt = s.integer(3);
    c.updatedAt = s.integer(4);
    c.pinned = s.integer(5) != 0;
    c.model = s.optionalText(6);
    c.systemPrompt = s.optionalText(7);
    c.settingsJson = s.optionalText(8);
    c.selectedRootId = s.optionalInteger(9);
    c.messageCount = s.integer(10);
    return c;
}

std::vector<Conversation> Store::listConversations(int64_t limit)
{
    static const std::string sql = std::string(kConversationColumns) + "ORDER BY c.pinned DESC, c.updated_at DESC, c.id DESC LIMIT ?1";
    Statement s = m_db->prepare(sql.c_str());
    s.bind(1, limit);
    std::vector<Conversation> out;
    while (s.step()) out.push_back(readConversation(s));
    return out;
}

Conversation Store::conversation(int64_t id)
{
    static const std::string sql = std::string(kConversationColumns) + "WHERE c.id = ?1";
    Statement s = m_db->prepare(sql.c_str());
    if (!s.bind(1, id).step()) throw StoreError(StoreErrorCode::NotFound, "no conversation with id " + std::to_string(id));
    return readConversation(s);
}

void Store::renameConversation(int64_t id, const std::string& title)
{
    requireConversation(id);
    m_db->prepare("UPDATE conversations SET title = ?2, title_is_auto = 0, updated_at = ?3 WHERE id = ?1")
        .bind(1, id)
        .bind(2, std::string_view(title))
        .bind(3, nowMs())
        .run();
}

void Store::setPinned(int64_t id, bool pinned)
{
    requireConversation(id);
    m_db->prepare("UPDATE conversations SET pinned = ?2 WHERE id = ?1").bind(1, id).bind(2, int64_t(pinned)).run();
}

void Store::setConversationModel(int64_t id, const std::optional<std::string>& model)
{
    requireConversation(id);
    m_db->prepare("UPDATE conversations SET model = ?2 WHERE id = ?1").bind(1, id).bind(2, model).run();
}

void Store::setSystemPrompt(int64_t id, const std::optional<std::string>& prompt)
{
    requireConversation(id);
    m_db->prepare("UPDATE conversations SET system_prompt = ?2 WHERE id = ?1").bind(1, id).bind(2, prompt).run();
}

void Store::setConversationSettings(int64_t id, const std::optional<std::string>& settingsJson)
{
    requireConversation(id);
    m_db->prepare("UPDATE conversations SET settings_json = ?2 WHERE id = ?1").bind(1, id).bind(2, settingsJson).run();
}

void Store::deleteConversation(int64_t id)
{
    inTransaction([&] {
        requireConversation(id);
        // Messages go by cascade; their FTS rows by trigger; secure_delete zeroes the pages.
        m_db->prepare("DELETE FROM conversations WHERE id = ?1").bind(1, id).run();
    });
    eraseDeletedText();
}

void Store::deleteAllConversations()
{
    inTransaction([&] { m_db->exec("DELETE FROM conversations"); });
    eraseDeletedText();
}

void Store::eraseDeletedText()
{
    // secure_delete zeroes what a DELETE frees, but two copies outlive it: the full-text index
    // keeps a deleted row's terms in its older segments until they are merged (FTS5's
    // 'optimize' rewrites them without it), and the WAL keeps the old pages until a checkpoint
    // copies the new ones back and the file is truncated. Another connection's open read can
    // hold the WAL back: then it goes at the next checkpoint, the data already being unreachable.
    inTransaction([&] {
        m_db->exec("INSERT INTO messages_fts(messages_fts) VALUES('optimize')");
        m_db->exec("INSERT INTO titles_fts(titles_fts) VALUES('optimize')");
    });
    Statement checkpoint = m_db->prepare("PRAGMA wal_checkpoint(TRUNCATE)");
    checkpoint.step();
}

static const char* kMessageColumns =
    "SELECT id, conversation_id, parent_id, role, content, reasoning, model, created_at, updated_at, prompt_tokens, "
    "completion_tokens, tokens_per_second, finish_reason, streaming, selected_child_id FROM messages ";

Message Store::readMessage(Statement& s)
{
    Message m;
    m.id = s.integer(0);
    m.conversationId = s.integer(1);
    m.parentId = s.optionalInteger(2);
    m.role = s.text(3);
    m.content = s.text(4);
    m.reasoning = s.optionalText(5);
    m.model = s.optionalText(6);
    m.createdAt = s.integer(7);
    m.updatedAt = s.integer(8);
    m.promptTokens = s.optionalInteger(9);
    m.completionTokens = s.optionalInteger(10);
    if (!s.isNull(11)) m.tokensPerSecond = s.real(11);
    m.finishReason = s.optionalText(12);
    m.streaming = s.integer(13) != 0;
    m.selectedChildId = s.optionalInteger(14);
    return m;
}

int64_t Store::addMessage(int64_t conversationId, std::optional<int64_t> parentId, const NewMessage& message)
{
    if (message.role != "system" && message.role != "user" && message.role != "assistant")
        throw StoreError(StoreErrorCode::InvalidInput, "message role must be system, user or assistant, not '" + message.role + "'");
    return inTransaction([&] {
        requireConversation(conversationId);
        if (parentId) {
            Message parent = this->message(*parentId);
            if (parent.conversationId != conversationId)
                throw StoreError(StoreErrorCode::InvalidInput, "message " + std::to_string(*parentId) + " belongs to another conversation");
        }
        const int64_t now = nowMs();
        m_db->prepare("INSERT INTO messages (conversation_id, parent_id, role, content, reasoning, model, created_at, "
                      "updated_at, streaming) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)")
            .bind(1, conversationId)
            .bind(2, parentId)
            .bind(3, std::string_view(message.role))
            .bind(4, std::string_view(message.content))
            .bind(5, message.reasoning)
            .bind(6, message.model)
            .bind(7, now)
            .bind(8, int64_t(message.streaming))
            .run();
        const int64_t id = m_db->lastInsertId();
        for (const Attachment& a : message.attachments)
            m_db->prepare("INSERT INTO attachments (message_id, name, kind, content, bytes, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
                .bind(1, id)
                .bind(2, std::string_view(a.name))
                .bind(3, std::string_view(a.kind))
                .bind(4, std::string_view(a.content))
                .bind(5, a.bytes)
                .bind(6, now)
                .run();
        if (parentId) m_db->prepare("UPDATE messages SET selected_child_id = ?2 WHERE id = ?1").bind(1, *parentId).bind(2, id).run();
        else m_db->prepare("UPDATE conversations SET selected_root_id = ?2 WHERE id = ?1").bind(1, conversationId).bind(2, id).run();
        if (message.role == "user") {
            // Auto-title: the first line of the first user message, shortened at a word boundary.
            std::string title = message.content.substr(0, message.content.find('\n'));
            if (title.size() > 60) {
                size_t cut = title.rfind(' ', 60);
                title = title.substr(0, cut == std::string::npos || cut < 20 ? 60 : cut);
                while (!title.empty() && (static_cast<unsigned char>(title.back()) & 0xC0) == 0x80) title.pop_back();
                if (!title.empty() && static_cast<unsigned char>(title.back()) >= 0xC0) title.pop_back();
                title += "…";
            }
            m_db->prepare("UPDATE conversations SET title = ?2 WHERE id = ?1 AND title_is_auto = 1 AND title = ''")
                .bind(1, conversationId)
                .bind(2, std::string_view(title))
                .run();
        }
        touchConversation(conversationId, now);
        return id;
    });
}

void Store::updateMessageText(int64_t id, const std::string& content, const std::optional<std::string>& reasoning)
{
    m_db->prepare("UPDATE messages SET content = ?2, reasoning = ?3, updated_at = ?4 WHERE id = ?1")
        .bind(1, id)
        .bind(2, std::string_view(content))
        .bind(3, reasoning)
        .bind(4, nowMs())
        .run();
    if (m_db->changes() == 0) throw StoreError(StoreErrorCode::NotFound, "no message with id " + std::to_string(id));
}

void Store::finishMessage(int64_t id, const MessageStats& stats)
{
    const std::string& r = stats.finishReason;
    if (r != "stop" && r != "length" && r != "cancelled" && r != "error")
        throw StoreError(StoreErrorCode::InvalidInput, "finish reason must be stop, length, cancelled or error, not '" + r + "'");
    inTransaction([&] {
        const int64_t now = nowMs();
        Statement s = m_db->prepare("UPDATE messages SET streaming = 0, prompt_tokens = ?2, completion_tokens = ?3, "
                                    "tokens_per_second = ?4, finish_reason = ?5, updated_at = ?6 WHERE id = ?1");
        s.bind(1, id).bind(2, stats.promptTokens).bind(3, stats.completionTokens).bind(5, std::string_view(r)).bind(6, now);
        if (stats.tokensPerSecond) s.bind(4, *stats.tokensPerSecond);
        else s.bindNull(4);
        s.run();
        if (m_db->changes() == 0) throw StoreError(StoreErrorCode::NotFound, "no message with id " + std::to_string(id));
        touchConversation(message(id).conversationId, now);
    });
}

Message Store::message(int64_t id)
{
    static const std::string sql = std::string(kMessageColumns) + "WHERE id = ?1";
    Statement s = m_db->prepare(sql.c_str());
    if (!s.bind(1, id).step()) throw StoreError(StoreErrorCode::NotFound, "no message with id " + std::to_string(id));
    Message m = readMessage(s);
    m.attachments = attachments(id);
    return m;
}

std::vector<Message> Store::children(int64_t conversationId, std::optional<int64_t> parentId)
{
    static const std::string sql = std::string(kMessageColumns) + "WHERE conversation_id = ?1 AND parent_id IS ?2 ORDER BY id";
    Statement s = m_db->prepare(sql.c_str());
    s.bind(1, conversationId).bind(2, parentId);
    std::vector<Message> out;
    while (s.step()) out.push_back(readMessage(s));
    return out;
}

void Store::selectBranch(int64_t messageId)
{
    inTransaction([&] {
        Message m = message(messageId);
        if (m.parentId)
            m_db->prepare("UPDATE messages SET selected_child_id = ?2 WHERE id = ?1").bind(1, *m.parentId).bind(2, messageId).run();
        else
            m_db->prepare("UPDATE conversations SET selected_root_id = ?2 WHERE id = ?1")
                .bind(1, m.conversationId)
                .bind(2, messageId)
                .run();
    });
}

std::vector<Message> Store::activeThread(int64_t conversationId)
{
    Conversation c = conversation(conversationId);
    std::vector<Message> thread;
    std::optional<int64_t> next = c.selectedRootId;
    if (!next) {  // no selection recorded (e.g. it was deleted): the newest root
        auto roots = children(conversationId, std::nullopt);
        if (!roots.empty()) next = roots.back().id;
    }
    while (next) {
        Message m = message(*next);
        next = m.selectedChildId;
        if (!next) {
            auto kids = children(conversationId, m.id);
            if (!kids.empty()) next = kids.back().id;
        }
        thread.push_back(std::move(m));
    }
    return thread;
}

std::vector<Attachment> Store::attachments(int64_t messageId)
{
    if (!m_hasAttachments) return {};
    Statement s = m_db->prepare("SELECT name, kind, content, bytes FROM attachments WHERE message_id = ?1 ORDER BY id");
    s.bind(1, messageId);
    std::vector<Attachment> out;
    while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2), s.integer(3)});
    return out;
}

void Store::deleteMessage(int64_t id)
{
    inTransaction([&] {
        Message m = message(id);
        m_db->prepare("DELETE FROM messages WHERE id = ?1").bind(1, id).run();
        touchConversation(m.conversationId, nowMs());
    });
    eraseDeletedText();
}

std::vector<SearchHit> Store::search(const std::string& text, int64_t limit)
{
    const std::string query = ftsQuery(text);
    std::vector<SearchHit> hits;
    if (query.empty()) return hits;
    // Rank first and cut to the limit inside FTS5 (cheap), then build snippets for those rows
    // only (snippets are the expensive part at 100k messages).
    auto collect = [&](Statement& st) {
        while (st.step()) {
            SearchHit h;
            h.conversationId = st.integer(0);
            h.messageId = st.optionalInteger(1);
            h.title = st.text(2);
            h.snippet = st.text(3);
            h.rank = st.real(4);
            hits.push_back(std::move(h));
        }
    };
    {
        Statement st =
            m_db->prepare("SELECT m.conversation_id, m.id, c.title, snippet(messages_fts, -1, char(2), char(3), '…', 16),"
                          "       bm25(messages_fts)"
                          " FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid JOIN conversations c ON c.id = m.conversation_id"
                          " WHERE messages_fts MATCH ?1 AND messages_fts.rowid IN"
                          "  (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1 ORDER BY rank LIMIT ?2)");
        st.bind(1, std::string_view(query)).bind(2, limit);
        collect(st);
    }
    {
        // Title matches count double: a conversation named after the query is what people look for.
        Statement st = m_db->prepare("SELECT c.id, NULL, c.title, highlight(titles_fts, 0, char(2), char(3)), bm25(titles_fts) * 2"
                                     " FROM titles_fts JOIN conversations c ON c.id = titles_fts.rowid"
                                     " WHERE titles_fts MATCH ?1 ORDER BY rank LIMIT ?2");
        st.bind(1, std::string_view(query)).bind(2, limit);
        collect(st);
    }
    std::stable_sort(hits.begin(), hits.end(), [](const SearchHit& a, const SearchHit& b) { return a.rank < b.rank; });
    if (limit >= 0 && int64_t(hits.size()) > limit) hits.resize(size_t(limit));
    return hits;
}

std::optional<std::string> Store::setting(const std::string& key)
{
    Statement s = m_db->prepare("SELECT value FROM settings WHERE key = ?1");
    if (!s.bind(1, std::string_view(key)).step()) return std::nullopt;
    return s.text(0);
}

std::string Store::stringSetting(const std::string& key, const std::string& fallback) { return setting(key).value_or(fallback); }

int64_t Store::intSetting(const std::string& key, int64_t fallback)
{
    auto v = setting(key);
    if (!v) return fallback;
    try {
        size_t used = 0;
        int64_t n = std::stoll(*v, &used);
        return used == v->size() ? n : fallback;
    } catch (const std::exception&) {
        return fallback;
    }
}

double Store::doubleSetting(const std::string& key, double fallback)
{
    auto v = setting(key);
    if (!v) return fallback;
    try {
        size_t used = 0;
        double d = std::stod(*v, &used);
        return used == v->size() ? d : fallback;
    } catch (const std::exception&) {
        return fallback;
    }
}

bool Store::boolSetting(const std::string& key, bool fallback)
{
    auto v = setting(key);
    if (v == "true") return true;
    if (v == "false") return false;
    return fallback;
}

void Store::setSetting(const std::string& key, const std::string& value)
{
    m_db->prepare("INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
        .bind(1, std::string_view(key))
        .bind(2, std::string_view(value))
        .run();
}

void Store::setSetting(const std::string& key, double value)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", value);
    setSetting(key, std::string(buf));
}

void Store::removeSetting(const std::string& key)
{
    m_db->prepare("DELETE FROM settings WHERE key = ?1").bind(1, std::string_view(key)).run();
}

int64_t Store::upsertModel(const std::string& path, int64_t size, int64_t mtime, const std::optional<std::string>& summaryJson)
{
    return inTransaction([&] {
        // A changed file (size or time) loses its old hash: it must be computed again.
        m_db->prepare("INSERT INTO models (path, size, mtime, summary_json, added_at) VALUES (?1, ?2, ?3, ?4, ?5) "
                      "ON CONFLICT(path) DO UPDATE SET summary_json = excluded.summary_json, "
                      "sha256 = CASE WHEN size = excluded.size AND mtime = excluded.mtime THEN sha256 END, "
                      "size = excluded.size, mtime = excluded.mtime")
            .bind(1, std::string_view(path))
            .bind(2, size)
            .bind(3, mtime)
            .bind(4, summaryJson)
            .bind(5, nowMs())
            .run();
        Statement s = m_db->prepare("SELECT id FROM models WHERE path = ?1");
        s.bind(1, std::string_view(path)).step();
        return s.integer(0);
    });
}

void Store::setModelHash(int64_t id, const std::string& sha256)
{
    m_db->prepare("UPDATE models SET sha256 = ?2 WHERE id = ?1").bind(1, id).bind(2, std::string_view(sha256)).run();
}

void Store::markModelUsed(int64_t id)
{
    m_db->prepare("UPDATE models SET last_used_at = ?2 WHERE id = ?1").bind(1, id).bind(2, nowMs()).run();
}

int64_t Store::addAssistant(const std::string& name, const std::string& settingsJson)
{
    // One line, no surrounding blanks: a name shows in a list.
    std::string trimmed = visibleText(name, LineBreaks::Show);
    const auto first = trimmed.find_first_not_of(' '), last = trimmed.find_last_not_of(' ');
    trimmed = first == std::string::npos ? std::string() : trimmed.substr(first, last - first + 1);
    if (trimmed.empty() || trimmed.size() > 80)
        throw StoreError(StoreErrorCode::InvalidInput, "an assistant's name must be 1 to 80 characters");
    Statement taken = m_db->prepare("SELECT 1 FROM assistants WHERE name = ?1");
    if (taken.bind(1, std::string_view(trimmed)).step())
        throw StoreError(StoreErrorCode::InvalidInput, "there is already an assistant named '" + trimmed + "'");
    m_db->prepare("INSERT INTO assistants (name, settings_json, created_at) VALUES (?1, ?2, ?3)")
        .bind(1, std::string_view(trimmed))
        .bind(2, std::string_view(settingsJson))
        .bind(3, nowMs())
        .run();
    return sqlite3_last_insert_rowid(m_db->handle());
}

std::vector<Assistant> Store::listAssistants()
{
    Statement s = m_db->prepare("SELECT id, name, settings_json, created_at FROM assistants ORDER BY name COLLATE NOCASE");
    std::vector<Assistant> out;
    while (s.step()) out.push_back({s.integer(0), s.text(1), s.text(2), s.integer(3)});
    return out;
}

Assistant Store::assistant(int64_t id)
{
    Statement s = m_db->prepare("SELECT id, name, settings_json, created_at FROM assistants WHERE id = ?1");
    if (!s.bind(1, id).step()) throw StoreError(StoreErrorCode::NotFound, "assistant " + std::to_string(id) + " does not exist");
    return {s.integer(0), s.text(1), s.text(2), s.integer(3)};
}

void Store::deleteAssistant(int64_t id) { m_db->prepare("DELETE FROM assistants WHERE id = ?1").bind(1, id).run(); }

std::vector<ModelRecord> Store::listModels()
{
    Statement s = m_db->prepare("SELECT id, path, size, mtime, sha256, summary_json, added_at, last_used_at FROM models "
                                "ORDER BY coalesce(last_used_at, 0) DESC, added_at DESC");
    std::vector<ModelRecord> out;
    while (s.step()) {
        ModelRecord r;
        r.id = s.integer(0);
        r.path = s.text(1);
        r.size = s.integer(2);
        r.mtime = s.integer(3);
        r.sha256 = s.optionalText(4);
        r.summaryJson = s.optionalText(5);
        r.addedAt = s.integer(6);
        r.lastUsedAt = s.optionalInteger(7);
        out.push_back(std::move(r));
    }
    return out;
}

void Store::removeModel(int64_t id) { m_db->prepare("DELETE FROM models WHERE id = ?1").bind(1, id).run(); }

// ---------------------------------------------------------------------------------------------
// The download queue

int64_t Store::addDownload(const DownloadRecord& d)
{
    return inTransaction([&] {
        const int64_t now = nowMs();
        m_db->prepare("INSERT INTO downloads (repo, file, url, dest, size, sha256, state, added_at, updated_at) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7, ?7) "
                      "ON CONFLICT(dest) DO UPDATE SET repo = excluded.repo, file = excluded.file, url = excluded.url, "
                      "size = excluded.size, sha256 = excluded.sha256, state = 'queued', error = NULL, updated_at = excluded.updated_at")
            .bind(1, std::string_view(d.repo))
            .bind(2, std::string_view(d.file))
            .bind(3, std::string_view(d.url))
            .bind(4, std::string_view(d.dest))
            .bind(5, d.size)
            .bind(6, d.sha256)
            .bind(7, now)
            .run();
        Statement s = m_db->prepare("SELECT id FROM downloads WHERE dest = ?1");
        s.bind(1, std::string_view(d.dest)).step();
        return s.integer(0);
    });
}

namespace {
DownloadRecord readDownload(Statement& s)
{
    DownloadRecord d;
    d.id = s.integer(0);
    d.repo = s.text(1);
    d.file = s.text(2);
    d.url = s.text(3);
    d.dest = s.text(4);
    d.size = s.optionalInteger(5);
    d.sha256 = s.optionalText(6);
    d.etag = s.optionalText(7);
    d.state = s.text(8);
    d.error = s.optionalText(9);
    d.addedAt = s.integer(10);
    d.updatedAt = s.integer(11);
    return d;
}
}  // namespace

std::vector<DownloadRecord> Store::listDownloads()
{
    Statement s = m_db->prepare(
        "SELECT id, repo, file, url, dest, size, sha256, etag, state, error, added_at, updated_at FROM downloads ORDER BY added_at, id");
    std::vector<DownloadRecord> out;
    while (s.step()) out.push_back(readDownload(s));
    return out;
}

std::optional<DownloadRecord> Store::download(int64_t id)
{
    Statement s = m_db->prepare(
        "SELECT id, repo, file, url, dest, size, sha256, etag, state, error, added_at, updated_at FROM downloads WHERE id = ?1");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return readDownload(s);
}

void Store::setDownloadState(int64_t id, const std::string& state, const std::optional<std::string>& error)
{
    m_db->prepare("UPDATE downloads SET state = ?2, error = ?3, updated_at = ?4 WHERE id = ?1")
        .bind(1, id)
        .bind(2, std::string_view(state))
        .bind(3, error)
        .bind(4, nowMs())
        .run();
}

void Store::setDownloadEtag(int64_t id, const std::optional<std::string>& etag)
{
    m_db->prepare("UPDATE downloads SET etag = ?2, updated_at = ?3 WHERE id = ?1").bind(1, id).bind(2, etag).bind(3, nowMs()).run();
}

void Store::removeDownload(int64_t id) { m_db->prepare("DELETE FROM downloads WHERE id = ?1").bind(1, id).run(); }

}  // namespace hearth::storage
