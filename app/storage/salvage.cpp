#include "storage/salvage.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <vector>

namespace hearth::storage {

namespace {

using Connection = std::unique_ptr<sqlite3, decltype(&sqlite3_close)>;
using Query = std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)>;

Query prepare(sqlite3* db, const std::string& sql)
{
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
        sqlite3_finalize(stmt);
        stmt = nullptr;
    }
    return Query(stmt, sqlite3_finalize);
}

// One row as owned values (sqlite3_value_dup), so it outlives the statement that read it.
struct Row {
    std::vector<std::shared_ptr<sqlite3_value>> values;
    int64_t id() const { return sqlite3_value_int64(values[0].get()); }
    bool isNull(size_t column) const { return sqlite3_value_type(values[column].get()) == SQLITE_NULL; }
    int64_t integer(size_t column) const { return sqlite3_value_int64(values[column].get()); }
};

Row readRow(sqlite3_stmt* stmt)
{
    Row row;
    for (int i = 0; i < sqlite3_column_count(stmt); ++i)
        row.values.emplace_back(sqlite3_value_dup(sqlite3_column_value(stmt, i)), sqlite3_value_free);
    return row;
}

// Every row of `table` that can be read: a scan until the first error, then lookups by id for
// the ids up to the largest one seen that the scan did not reach.
std::map<int64_t, Row> readableRows(sqlite3* db, const std::string& table, const std::string& columns)
{
    std::map<int64_t, Row> rows;
    if (auto scan = prepare(db, "SELECT " + columns + " FROM " + table + " ORDER BY id")) {
        while (sqlite3_step(scan.get()) == SQLITE_ROW) {
            Row row = readRow(scan.get());
            rows.emplace(row.id(), std::move(row));
        }
    }
    int64_t maxId = rows.empty() ? 0 : rows.rbegin()->first;
    if (auto max = prepare(db, "SELECT max(id) FROM " + table); max && sqlite3_step(max.get()) == SQLITE_ROW)
        maxId = std::max<int64_t>(maxId, sqlite3_column_int64(max.get(), 0));
    if (auto last = prepare(db, "SELECT id FROM " + table + " ORDER BY id DESC LIMIT 1"); last && sqlite3_step(last.get()) == SQLITE_ROW)
        maxId = std::max<int64_t>(maxId, sqlite3_column_int64(last.get(), 0));
    maxId = std::min<int64_t>(maxId, 50'000'000);  // a damaged max(id) must not make us probe forever
    auto byId = prepare(db, "SELECT " + columns + " FROM " + table + " WHERE id = ?1");
    if (!byId) return rows;
    for (int64_t id = 1; id <= maxId; ++id) {
        if (rows.count(id)) continue;
        sqlite3_reset(byId.get());
        sqlite3_bind_int64(byId.get(), 1, id);
        if (sqlite3_step(byId.get()) == SQLITE_ROW) rows.emplace(id, readRow(byId.get()));
    }
    return rows;
}

// Inserts `row` into `table` with the given value overrides (column index -> replacement, a
// null pointer meaning SQL NULL). False when the row is refused (a CHECK, a broken value).
bool insertRow(sqlite3* db, const std::string& table, const std::string& columns, size_t columnCount, const Row& row,
               const std::map<size_t, sqlite3_value*>& overrides = {})
{
    std::string placeholders;
    for (size_t i = 0; i < columnCount; ++i) placeholders += (i ? ", ?" : "?") + std::to_string(i + 1);
    auto insert = prepare(db, "INSERT INTO " + table + " (" + columns + ") VALUES (" + placeholders + ")");
    if (!insert) return false;
    for (size_t i = 0; i < columnCount; ++i) {
        auto o = overrides.find(i);
        sqlite3_value* v = o != overrides.end() ? o->second : row.values[i].get();
        if (v) sqlite3_bind_value(insert.get(), int(i + 1), v);
        else sqlite3_bind_null(insert.get(), int(i + 1));
    }
    return sqlite3_step(insert.get()) == SQLITE_DONE;
}

size_t countColumns(const std::string& columns) { return size_t(std::count(columns.begin(), columns.end(), ',')) + 1; }

}  // namespace

SalvageReport salvageInto(SqliteDb& fresh, const std::string& damagedPath, const std::string& vfs)
{
    SalvageReport report;
    sqlite3* raw = nullptr;
    // Read-only: the damaged file is the user's; we never write to it.
    if (sqlite3_open_v2(damagedPath.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, vfs.empty() ? nullptr : vfs.c_str()) !=
        SQLITE_OK) {
        sqlite3_close(raw);
        return report;
    }
    Connection damaged(raw, sqlite3_close);
    sqlite3* db = fresh.handle();

    const std::string conversationColumns =
        "id, title, title_is_auto, created_at, updated_at, pinned, model, system_prompt, settings_json, selected_root_id";
    const std::string messageColumns =
        "id, conversation_id, parent_id, role, content, reasoning, model, created_at, updated_at, prompt_tokens, "
        "completion_tokens, tokens_per_second, finish_reason, streaming, selected_child_id";
    const auto conversations = readableRows(damaged.get(), "conversations", conversationColumns);
    const auto messages = readableRows(damaged.get(), "messages", messageColumns);

    Transaction t(fresh);
    std::set<int64_t> conversationIds, messageIds;
    for (const auto& [id, row] : conversations)
        if (insertRow(db, "conversations", conversationColumns, countColumns(conversationColumns), row, {{9, nullptr}})) {
            conversationIds.insert(id);
            ++report.conversations;
        }
    for (const auto& [id, row] : messages) {  // ids grow with time: a parent comes before its children
        if (!conversationIds.count(row.integer(1))) continue;
        std::map<size_t, sqlite3_value*> overrides = {{14, nullptr}};
        if (!row.isNull(2) && !messageIds.count(row.integer(2))) overrides[2] = nullptr;  // lost parent: a root
        if (insertRow(db, "messages", messageColumns, countColumns(messageColumns), row, overrides)) {
            messageIds.insert(id);
            ++report.messages;
        }
    }
    // The branch choices, where the chosen message survived.
    for (const auto& [id, row] : messages)
        if (messageIds.count(id) && !row.isNull(14) && messageIds.count(row.integer(14)))
            fresh.prepare("UPDATE messages SET selected_child_id = ?2 WHERE id = ?1").bind(1, id).bind(2, row.integer(14)).run();
    for (const auto& [id, row] : conversations)
        if (conversationIds.count(id) && !row.isNull(9) && messageIds.count(row.integer(9)))
            fresh.prepare("UPDATE conversations SET selected_root_id = ?2 WHERE id = ?1").bind(1, id).bind(2, row.integer(9)).run();

    if (auto settings = prepare(damaged.get(), "SELECT key, value FROM settings")) {
        while (sqlite3_step(settings.get()) == SQLITE_ROW) {
            Row row = readRow(settings.get());
            report.settings += insertRow(db, "settings", "key, value", 2, row);
        }
    }
    const std::string modelColumns = "id, path, size, mtime, sha256, summary_json, added_at, last_used_at";
    for (const auto& [id, row] : readableRows(damaged.get(), "models", modelColumns))
        report.models += insertRow(db, "models", modelColumns, countColumns(modelColumns), row);
    const std::string assistantColumns = "id, name, settings_json, created_at";  // absent before schema 5: nothing read
    for (const auto& [id, row] : readableRows(damaged.get(), "assistants", assistantColumns))
        report.assistants += insertRow(db, "assistants", assistantColumns, countColumns(assistantColumns), row);
    const std::string attachmentColumns = "id, message_id, name, kind, content, bytes, created_at";  // absent before schema 6
    for (const auto& [id, row] : readableRows(damaged.get(), "attachments", attachmentColumns))
        if (messageIds.count(row.integer(1))) insertRow(db, "attachments", attachmentColumns, countColumns(attachmentColumns), row);
    t.commit();
    return report;
}

}  // namespace hearth::storage
