#include "storage/sqlite_db.h"

namespace hearth::storage {

const char* storeErrorCodeName(StoreErrorCode code)
{
    switch (code) {
    case StoreErrorCode::ReadOnly: return "read-only";
    case StoreErrorCode::DiskFull: return "disk-full";
    case StoreErrorCode::Busy: return "busy";
    case StoreErrorCode::Corrupt: return "corrupt";
    case StoreErrorCode::NotFound: return "not-found";
    case StoreErrorCode::InvalidInput: return "invalid-input";
    case StoreErrorCode::Io: return "io";
    case StoreErrorCode::Locked: return "locked";
    case StoreErrorCode::WrongPassphrase: return "wrong-passphrase";
    }
    return "?";
}

static StoreErrorCode codeFor(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
    case SQLITE_AUTH: return StoreErrorCode::ReadOnly;
    case SQLITE_FULL: return StoreErrorCode::DiskFull;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return StoreErrorCode::Busy;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return StoreErrorCode::Corrupt;
    case SQLITE_IOERR: return rc == SQLITE_IOERR_DATA ? StoreErrorCode::Corrupt : StoreErrorCode::Io;
    default: return StoreErrorCode::Io;
    }
}

void SqliteDb::fail(int rc, const std::string& what) const
{
    std::string detail = m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
    StoreErrorCode code = codeFor(rc);
    std::string hint;
    if (code == StoreErrorCode::DiskFull) hint = " (the disk is full: free some space; nothing already saved was lost)";
    else if (code == StoreErrorCode::ReadOnly) hint = " (the folder or file is read-only)";
    else if (code == StoreErrorCode::Busy) hint = " (another program is using the database)";
    else if (rc == SQLITE_IOERR_DATA)
        hint = " (a page of the encrypted history failed its authentication check: the file was changed outside Hearth or damaged)";
    throw StoreError(code, m_path + ": " + what + ": " + detail + hint);
}

SqliteDb::SqliteDb(const std::string& path, bool create, const std::string& vfs) : m_path(path)
{
    const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path.c_str(), &m_db, flags, vfs.empty() ? nullptr : vfs.c_str());
    if (rc != SQLITE_OK) {
        std::string detail = m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
        sqlite3_close(m_db);
        m_db = nullptr;
        throw StoreError(codeFor(rc), path + ": cannot open the database: " + detail);
    }
    sqlite3_extended_result_codes(m_db, 1);
    // Writers wait for each other instead of failing; readers never block writers (WAL).
    sqlite3_busy_timeout(m_db, 10000);
}

SqliteDb::~SqliteDb()
{
    for (auto& [sql, stmt] : m_statements) sqlite3_finalize(stmt);
    sqlite3_close(m_db);
}

Statement SqliteDb::prepare(const char* sql)
{
    auto it = m_statements.find(std::string_view(sql));
    if (it == m_statements.end()) {
        sqlite3_stmt* stmt = nullptr;
        int rc = sqlite3_prepare_v3(m_db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
        if (rc != SQLITE_OK) fail(rc, std::string("prepare '") + sql + "'");
        it = m_statements.emplace(sql, stmt).first;
    }
    return Statement(*this, it->second);
}

void SqliteDb::exec(const std::string& sql)
{
    char* error = nullptr;
    int rc = sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &error);
    if (rc != SQLITE_OK) {
        std::string message = error ? error : "";
        sqlite3_free(error);
        fail(rc, "exec: " + message);
    }
}

Statement::Statement(SqliteDb& db, sqlite3_stmt* stmt) : m_db(db), m_stmt(stmt) { }

Statement::~Statement()
{
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

Statement& Statement::bind(int index, int64_t value)
{
    sqlite3_bind_int64(m_stmt, index, value);
    return *this;
}

Statement& Statement::bind(int index, double value)
{
    sqlite3_bind_double(m_stmt, index, value);
    return *this;
}

Statement& Statement::bind(int index, std::string_view value)
{
    sqlite3_bind_text(m_stmt, index, value.data(), int(value.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bind(int index, const std::optional<std::string>& value)
{
    return value ? bind(index, std::string_view(*value)) : bindNull(index);
}

Statement& Statement::bind(int index, const std::optional<int64_t>& value) { return value ? bind(index, *value) : bindNull(index); }

Statement& Statement::bindNull(int index)
{
    sqlite3_bind_null(m_stmt, index);
    return *this;
}

bool Statement::step()
{
    int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    m_db.fail(rc, std::string("run '") + sqlite3_sql(m_stmt) + "'");
}

void Statement::run()
{
    while (step()) {
    }
}

std::string Statement::text(int column) const
{
    const auto* p = sqlite3_column_text(m_stmt, column);
    return p ? std::string(reinterpret_cast<const char*>(p), size_t(sqlite3_column_bytes(m_stmt, column))) : std::string();
}

std::optional<std::string> Statement::optionalText(int column) const
{
    if (isNull(column)) return std::nullopt;
    return text(column);
}

std::optional<int64_t> Statement::optionalInteger(int column) const
{
    if (isNull(column)) return std::nullopt;
    return integer(column);
}

Transaction::Transaction(SqliteDb& db) : m_db(db), m_nested(sqlite3_get_autocommit(db.handle()) == 0)
{
    // Inside another transaction this becomes a savepoint, so store calls compose.
    m_db.exec(m_nested ? "SAVEPOINT nested" : "BEGIN IMMEDIATE");
}

Transaction::~Transaction()
{
    if (m_done) return;
    if (m_nested) {
        sqlite3_exec(m_db.handle(), "ROLLBACK TO nested", nullptr, nullptr, nullptr);
        sqlite3_exec(m_db.handle(), "RELEASE nested", nullptr, nullptr, nullptr);
    } else {
        sqlite3_exec(m_db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
}

void Transaction::commit()
{
    m_db.exec(m_nested ? "RELEASE nested" : "COMMIT");
    m_done = true;
}

}  // namespace hearth::storage
