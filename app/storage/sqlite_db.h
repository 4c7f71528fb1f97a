// Thin RAII wrappers over the SQLite C API: a connection with a cache of prepared statements,
// statements with bound parameters (never SQL built from strings), and transactions.
#pragma once

#include "storage/store_error.h"

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace hearth::storage {

class SqliteDb;

class Statement {
public:
    Statement(SqliteDb& db, sqlite3_stmt* stmt);
    ~Statement();  // resets the cached statement for its next use
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, int64_t value);
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view value);
    Statement& bind(int index, const std::optional<std::string>& value);
    Statement& bind(int index, const std::optional<int64_t>& value);
    Statement& bindNull(int index);

    // Advances; true while a row is available.
    bool step();
    // Runs to completion (for statements without results).
    void run();

    int64_t integer(int column) const { return sqlite3_column_int64(m_stmt, column); }
    double real(int column) const { return sqlite3_column_double(m_stmt, column); }
    bool isNull(int column) const { return sqlite3_column_type(m_stmt, column) == SQLITE_NULL; }
    std::string text(int column) const;
    std::optional<std::string> optionalText(int column) const;
    std::optional<int64_t> optionalInteger(int column) const;

private:
    SqliteDb& m_db;
    sqlite3_stmt* m_stmt;
};

class SqliteDb {
public:
    // Opens (creating when asked) with the connection settings every Hearth connection uses;
    // through the named VFS when one is given (an encrypted database's, sealed_vfs.h).
    SqliteDb(const std::string& path, bool create, const std::string& vfs = {});
    ~SqliteDb();
    SqliteDb(const SqliteDb&) = delete;
    SqliteDb& operator=(const SqliteDb&) = delete;

    // A cached prepared statement for this SQL text.
    Statement prepare(const char* sql);
    // Runs SQL without parameters (schema changes, pragmas).
    void exec(const std::string& sql);
    int64_t lastInsertId() const { return sqlite3_last_insert_rowid(m_db); }
    int changes() const { return sqlite3_changes(m_db); }
    sqlite3* handle() const { return m_db; }
    const std::string& path() const { return m_path; }

    // Throws StoreError for a failed result code, mapping SQLite's codes to ours.
    [[noreturn]] void fail(int rc, const std::string& what) const;

private:
    sqlite3* m_db = nullptr;
    std::string m_path;
    std::map<std::string, sqlite3_stmt*, std::less<>> m_statements;
};

// BEGIN IMMEDIATE ... COMMIT (a savepoint when nested), rolled back if not committed.
class Transaction {
public:
    explicit Transaction(SqliteDb& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    SqliteDb& m_db;
    bool m_nested;
    bool m_done = false;
};

}  // namespace hearth::storage
