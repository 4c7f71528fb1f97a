#include "storage/schema.h"

#include <string>
#include <vector>

namespace hearth::storage {

namespace {

// Migration N (1-based) takes a database from version N-1 to N.
const std::vector<std::string> kMigrations = {
    // 1: conversations, messages as a tree, settings.
    R"sql(
    CREATE TABLE conversations (
        id               INTEGER PRIMARY KEY,
        title            TEXT    NOT NULL DEFAULT '',
        title_is_auto    INTEGER NOT NULL DEFAULT 1,
        created_at       INTEGER NOT NULL,          -- ms since the epoch
        updated_at       INTEGER NOT NULL,
        pinned           INTEGER NOT NULL DEFAULT 0,
        model            TEXT,
        system_prompt    TEXT,
        settings_json    TEXT,                      -- generation settings for this conversation
        selected_root_id INTEGER REFERENCES messages(id) ON DELETE SET NULL
    );
    CREATE TABLE messages (
        id                INTEGER PRIMARY KEY,
        conversation_id   INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        parent_id         INTEGER REFERENCES messages(id) ON DELETE CASCADE,
        role              TEXT    NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
        content           TEXT    NOT NULL DEFAULT '',
        reasoning         TEXT,
        model             TEXT,
        created_at        INTEGER NOT NULL,
        updated_at        INTEGER NOT NULL,
        prompt_tokens     INTEGER,
        completion_tokens INTEGER,
        tokens_per_second REAL,
        finish_reason     TEXT CHECK (finish_reason IN ('stop', 'length', 'cancelled', 'error')),
        streaming         INTEGER NOT NULL DEFAULT 0,
        selected_child_id INTEGER REFERENCES messages(id) ON DELETE SET NULL
    );
    CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
    CREATE INDEX messages_by_parent ON messages(parent_id);
    CREATE INDEX conversations_by_recency ON conversations(pinned DESC, updated_at DESC);
    CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    )sql",
    // 2: full-text search over message content and conversation titles, kept in sync by triggers.
    R"sql(
    CREATE VIRTUAL TABLE messages_fts USING fts5(content, reasoning, content='messages', content_rowid='id', prefix='2 3',
                                                 tokenize='unicode61 remove_diacritics 2');
    CREATE VIRTUAL TABLE titles_fts USING fts5(title, content='conversations', content_rowid='id', prefix='2 3',
                                               tokenize='unicode61 remove_diacritics 2');
    CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts(rowid, content, reasoning) VALUES (new.id, new.content, coalesce(new.reasoning, ''));
    END;
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, content, reasoning)
            VALUES ('delete', old.id, old.content, coalesce(old.reasoning, ''));
    END;
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, reasoning ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, content, reasoning)
            VALUES ('delete', old.id, old.content, coalesce(old.reasoning, ''));
        INSERT INTO messages_fts(rowid, content, reasoning) VALUES (new.id, new.content, coalesce(new.reasoning, ''));
    END;
    CREATE TRIGGER titles_fts_insert AFTER INSERT ON conversations BEGIN
        INSERT INTO titles_fts(rowid, title) VALUES (new.id, new.title);
    END;
    CREATE TRIGGER titles_fts_delete AFTER DELETE ON conversations BEGIN
        INSERT INTO titles_fts(titles_fts, rowid, title) VALUES ('delete', old.id, old.title);
    END;
    CREATE TRIGGER titles_fts_update AFTER UPDATE OF title ON conversations BEGIN
        INSERT INTO titles_fts(titles_fts, rowid, title) VALUES ('delete', old.id, old.title);
        INSERT INTO titles_fts(rowid, title) VALUES (new.id, new.title);
    END;
    INSERT INTO messages_fts(rowid, content, reasoning) SELECT id, content, coalesce(reasoning, '') FROM messages;
    INSERT INTO titles_fts(rowid, title) SELECT id, title FROM conversations;
    )sql",
    // 3: the model registry.
    R"sql(
    CREATE TABLE models (
        id           INTEGER PRIMARY KEY,
        path         TEXT    NOT NULL UNIQUE,
        size         INTEGER NOT NULL,
        mtime        INTEGER NOT NULL,
        sha256       TEXT,                  -- filled in by a background job
        summary_json TEXT,                  -- the GGUF reader's model summary
        added_at     INTEGER NOT NULL,
        last_used_at INTEGER
    );
    )sql",
    // 4: the download queue: it outlives a crash, a restart and an update. The bytes themselves
    // are in `dest`.partial; the ETag lets a resumed request ask for the same file (If-Range).
    R"sql(
    CREATE TABLE downloads (
        id         INTEGER PRIMARY KEY,
        repo       TEXT    NOT NULL,
        file       TEXT    NOT NULL,          -- path inside the repository
        url        TEXT    NOT NULL,
        dest       TEXT    NOT NULL UNIQUE,   -- the final path; bytes go to dest || '.partial'
        size       INTEGER,                   -- from the Hub's file metadata, when known
        sha256     TEXT,                      -- the LFS object id, when known
        etag       TEXT,
        state      TEXT    NOT NULL CHECK (state IN ('queued', 'paused', 'failed', 'done')),
        error      TEXT,
        added_at   INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    )sql",
    // 5: assistants: a name for a chat's settings (system prompt, sampling, thinking, model), to
    // start new chats from.
    R"sql(
    CREATE TABLE assistants (
        id            INTEGER PRIMARY KEY,
        name          TEXT    NOT NULL UNIQUE,
        settings_json TEXT    NOT NULL,
        created_at    INTEGER NOT NULL
    );
    )sql",
    // 6: attachments: files given with a message (their extracted text goes into the prompt).
    // Deleted with their message; secure_delete zeroes their pages like the message's.
    R"sql(
    CREATE TABLE attachments (
        id         INTEGER PRIMARY KEY,
        message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        name       TEXT    NOT NULL,          -- the file's name, without its folder
        kind       TEXT    NOT NULL,          -- text, markdown, code, csv, pdf
        content    TEXT    NOT NULL,          -- the text the model reads
        bytes      INTEGER NOT NULL,          -- the file's size
        created_at INTEGER NOT NULL
    );
    CREATE INDEX attachments_by_message ON attachments(message_id, id);
    )sql",
};

}  // namespace

int latestSchemaVersion() { return int(kMigrations.size()); }

int schemaVersion(SqliteDb& db)
{
    Statement s = db.prepare("PRAGMA user_version");
    return s.step() ? int(s.integer(0)) : 0;
}

void migrate(SqliteDb& db, int target)
{
    if (target < 0) target = latestSchemaVersion();
    const int current = schemaVersion(db);
    if (current > latestSchemaVersion())
        throw StoreError(StoreErrorCode::InvalidInput,
                         db.path() + ": the database was written by a newer Hearth (schema " + std::to_string(current) +
                             ", this build knows " + std::to_string(latestSchemaVersion()) + "); update Hearth to open it");
    for (int version = current + 1; version <= target; ++version) {
        Transaction t(db);
        db.exec(kMigrations[size_t(version - 1)]);
        db.exec("PRAGMA user_version = " + std::to_string(version));  // a number we made, not input
        t.commit();
    }
}

}  // namespace hearth::storage
