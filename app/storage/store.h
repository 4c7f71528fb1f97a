// Hearth's chat store: conversations, messages (a tree, so regenerate and edit keep every
// version), settings and the model registry, in one SQLite file. The rest of the app talks
// to this class and never writes SQL. One Store is one connection: use one per thread.
#pragma once

#include "storage/salvage.h"
#include "storage/sqlite_db.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hearth::storage {

struct Conversation {
    int64_t id = 0;
    std::string title;
    bool titleIsAuto = true;
    int64_t createdAt = 0;  // ms since the epoch
    int64_t updatedAt = 0;
    bool pinned = false;
    std::optional<std::string> model;
    std::optional<std::string> systemPrompt;
    std::optional<std::string> settingsJson;
    std::optional<int64_t> selectedRootId;
    int64_t messageCount = 0;
};

// A file given with a message: its name and the text extracted from it.
struct Attachment {
    std::string name;
    std::string kind;  // "text", "markdown", "code", "csv", "pdf"
    std::string content;
    int64_t bytes = 0;
};

struct Message {
    int64_t id = 0;
    int64_t conversationId = 0;
    std::optional<int64_t> parentId;
    std::string role;  // "system", "user", "assistant"
    std::string content;
    std::optional<std::string> reasoning;
    std::optional<std::string> model;
    int64_t createdAt = 0;
    int64_t updatedAt = 0;
    std::optional<int64_t> promptTokens;
    std::optional<int64_t> completionTokens;
    std::optional<double> tokensPerSecond;
    std::optional<std::string> finishReason;  // "stop", "length", "cancelled", "error"
    bool streaming = false;  // a reply still being generated (or cut off by a crash)
    std::optional<int64_t> selectedChildId;
    std::vector<Attachment> attachments;  // filled by message() and activeThread()
};

struct NewMessage {
    std::string role;
    std::string content;
    std::optional<std::string> reasoning;
    std::optional<std::string> model;
    bool streaming = false;
    std::vector<Attachment> attachments;
};

struct MessageStats {
    std::optional<int64_t> promptTokens;
    std::optional<int64_t> completionTokens;
    std::optional<double> tokensPerSecond;
    std::string finishReason = "stop";
};

struct SearchHit {
    int64_t conversationId = 0;
    std::optional<int64_t> messageId;  // empty when the title matched
    std::string title;
    std::string snippet;  // matches wrapped in kMatchStart / kMatchEnd
    double rank = 0;  // lower is better (bm25)
};
inline constexpr const char* kMatchStart = "\x02";
inline constexpr const char* kMatchEnd = "\x03";

struct ModelRecord {
    int64_t id = 0;
    std::string path;
    int64_t size = 0;
    int64_t mtime = 0;
    std::optional<std::string> sha256;
    std::optional<std::string> summaryJson;
    int64_t addedAt = 0;
    std::optional<int64_t> lastUsedAt;
};

// A named preset of a chat's settings (the JSON a conversation keeps in settings_json).
struct Assistant {
    int64_t id = 0;
    std::string name;
    std::string settingsJson;
    int64_t createdAt = 0;
};

// One file in the download queue (models/ downloads it; the store only remembers it).
struct DownloadRecord {
    int64_t id = 0;
    std::string repo, file, url, dest;
    std::optional<int64_t> size;
    std::optional<std::string> sha256, etag;
    std::string state = "queued";  // queued | paused | failed | done
    std::optional<std::string> error;
    int64_t addedAt = 0, updatedAt = 0;
};

class Store {
public:
    // Opens or creates the database (owner-only permissions, parent folders created). A file
    // that fails its integrity check is moved aside (see recoveredCorruptFile) and a fresh
    // database is started. Throws StoreError (ReadOnly, DiskFull, Busy, Io...) with a clear message.
    // onDamage: Recover (the app, `chats recover`) moves a damaged file aside and salvages it;
    // Refuse (read-only commands) throws StoreError(Corrupt) and leaves every file as it is.
    enum class OnDamage { Recover, Refuse };
    static std::unique_ptr<Store> open(const std::string& path, OnDamage onDamage = OnDamage::Recover);
    // A database in memory only (incognito chats): nothing of it is ever written to a file,
    // temporary tables and sorts included; it is gone when the Store is destroyed.
    static std::unique_ptr<Store> openInMemory();
    // For migration tests: open without migrating past `version`.
    static std::unique_ptr<Store> openAtVersion(const std::string& path, int version);

    const std::string& path() const { return m_db->path(); }
    // Where a corrupt file found at open time was moved, if that happened.
    const std::optional<std::string>& recoveredCorruptFile() const { return m_recovered; }
    // What was copied from that file into the new database.
    const SalvageReport& salvaged() const { return m_salvaged; }
    // Changes whenever another connection (another process) commits: cheap to poll.
    int64_t dataVersion();
    bool conversationExists(int64_t id);
    int schemaVersion();
    // PRAGMA integrity_check == "ok".
    bool integrityOk();

    // Conversations, pinned first, then most recently updated.
    int64_t createConversation(const std::string& title = {}, const std::optional<std::string>& model = {},
                               const std::optional<std::string>& systemPrompt = {}, const std::optional<std::string>& settingsJson = {});
    std::vector<Conversation> listConversations(int64_t limit = -1);
    Conversation conversation(int64_t id);
    void renameConversation(int64_t id, const std::string& title);
    void setPinned(int64_t id, bool pinned);
    void setConversationModel(int64_t id, const std::optional<std::string>& model);
    void setSystemPrompt(int64_t id, const std::optional<std::string>& prompt);
    void setConversationSettings(int64_t id, const std::optional<std::string>& settingsJson);
    // Deleting leaves nothing recoverable in the files: the rows' pages are zeroed
    // (secure_delete), the full-text index is rewritten without their terms and the WAL is
    // checkpointed and truncated.
    void deleteConversation(int64_t id);
    void deleteAllConversations();

    // Messages. A new message becomes the selected child of its parent (or the selected root),
    // so the active thread always shows the newest version. The first user message titles
    // a conversation whose title was never set by hand.
    int64_t addMessage(int64_t conversationId, std::optional<int64_t> parentId, const NewMessage& message);
    // Streaming saves of a reply in progress.
    void updateMessageText(int64_t id, const std::string& content, const std::optional<std::string>& reasoning);
    void finishMessage(int64_t id, const MessageStats& stats);
    Message message(int64_t id);
    // The siblings among which a branch is chosen: children of parentId (roots when empty).
    std::vector<Message> children(int64_t conversationId, std::optional<int64_t> parentId);
    void selectBranch(int64_t messageId);
    // Root to leaf, following the selected child at every step.
    std::vector<Message> activeThread(int64_t conversationId);
    // Deletes the message and everything below it (their attachments too).
    void deleteMessage(int64_t id);
    std::vector<Attachment> attachments(int64_t messageId);

    // Full-text search over titles and message text, best first.
    std::vector<SearchHit> search(const std::string& query, int64_t limit = 50);

    // Settings: stored as text, read with typed accessors and defaults.
    std::optional<std::string> setting(const std::string& key);
    std::string stringSetting(const std::string& key, const std::string& fallback);
    int64_t intSetting(const std::string& key, int64_t fallback);
    double doubleSetting(const std::string& key, double fallback);
    bool boolSetting(const std::string& key, bool fallback);
    void setSetting(const std::string& key, const std::string& value);
    void setSetting(const std::string& key, int64_t value) { setSetting(key, std::to_string(value)); }
    void setSetting(const std::string& key, double value);
    void setSetting(const std::string& key, bool value) { setSetting(key, std::string(value ? "true" : "false")); }
    void removeSetting(const std::string& key);

    // Assistants, by name. Names are unique (InvalidInput names the clash) and 1 to 80 characters.
    int64_t addAssistant(const std::string& name, const std::string& settingsJson);
    std::vector<Assistant> listAssistants();
    Assistant assistant(int64_t id);  // NotFound when it is gone
    void deleteAssistant(int64_t id);

    // The model registry.
    int64_t upsertModel(const std::string& path, int64_t size, int64_t mtime, const std::optional<std::string>& summaryJson);
    void setModelHash(int64_t id, const std::string& sha256);
    void markModelUsed(int64_t id);
    std::vector<ModelRecord> listModels();
    void removeModel(int64_t id);

    // The download queue. Adding a destination that is already queued returns its id and
    // refreshes what the Hub said about it (url, size, checksum).
    int64_t addDownload(const DownloadRecord& download);
    std::vector<DownloadRecord> listDownloads();
    std::optional<DownloadRecord> download(int64_t id);
    void setDownloadState(int64_t id, const std::string& state, const std::optional<std::string>& error = {});
    void setDownloadEtag(int64_t id, const std::optional<std::string>& etag);
    void removeDownload(int64_t id);

    // Runs fn inside one transaction (all or nothing).
    template <typename Fn>
    auto inTransaction(Fn&& fn)
    {
        Transaction t(*m_db);
        if constexpr (std::is_void_v<decltype(fn())>) {
            fn();
            t.commit();
        } else {
            auto result = fn();
            t.commit();
            return result;
        }
    }

    // Limits the file size (tests of the full-disk path): the next write past it fails with DiskFull.
    void setMaxPages(int64_t pages);
    // How long a write waits for another process's lock before failing with Busy (default 10 s).
    void setBusyTimeout(int milliseconds);

private:
    Store() = default;
    void eraseDeletedText();
    static std::unique_ptr<Store> openImpl(const std::string& path, int version, OnDamage onDamage);
    Message readMessage(Statement& s);
    void touchConversation(int64_t id, int64_t now);
    void requireConversation(int64_t id);

    std::unique_ptr<SqliteDb> m_db;
    bool m_hasAttachments = true;  // false only for tests' databases held at an older schema
    std::optional<std::string> m_recovered;
    SalvageReport m_salvaged;
};

// Milliseconds since the epoch, the store's timestamp unit.
int64_t nowMs();

}  // namespace hearth::storage
