#include "storage/store_encryption.h"
#include "storage/sealed_vfs.h"
#include "storage/store_keyring.h"

#include <sodium.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <vector>

#ifndef _WIN32
#include <fcntl.h>
#include <unistd.h>
#endif

namespace hearth::storage {

namespace fs = std::filesystem;

namespace {

// Test hook: HEARTH_TEST_CRASH_AT=<step> kills the process (SIGKILL, as a power cut or the
// OOM killer would) at that step of a migration, so tests can check the original survives.
void crashPointForTests(const char* step)
{
    const char* at = std::getenv("HEARTH_TEST_CRASH_AT");
    if (at && std::string(at) == step) std::raise(SIGKILL);
}

void removeWithCompanions(const std::string& path)
{
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(path + suffix, ec);
}

void syncPath(const std::string& path)
{
#ifndef _WIN32
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
#else
    (void)path;
#endif
}

int64_t countRows(SqliteDb& db, const char* table)
{
    Statement s = db.prepare(table == std::string("messages") ? "SELECT count(*) FROM messages" : "SELECT count(*) FROM conversations");
    return s.step() ? s.integer(0) : 0;
}

std::string hex(const uint8_t* p, size_t n)
{
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < n; ++i) {
        out += digits[p[i] >> 4];
        out += digits[p[i] & 15];
    }
    return out;
}

// Copies the database at `path` (opened through sourceVfs) into a new file through targetVfs
// and replaces the original with it.
MigrationReport migrate(const std::string& path, const std::string& sourceVfs, const std::string& targetVfs)
{
    const std::string temp = path + ".migrating";
    removeWithCompanions(temp);  // a copy left by a crash: never complete, never used

    SqliteDb source(path, false, sourceVfs);
    // Exclusive for the whole copy: another connection (the app, the server, another command)
    // still open would write into the old file after the copy, or read the new one as garbage.
    sqlite3_busy_timeout(source.handle(), 2000);
    source.exec("PRAGMA locking_mode = EXCLUSIVE");
    try {
        source.exec("BEGIN EXCLUSIVE");
        source.exec("COMMIT");
    } catch (const StoreError& e) {
        if (e.code() != StoreErrorCode::Busy) throw;
        throw StoreError(StoreErrorCode::Busy,
                         path + " is open in another program (Hearth, its server or another hearth-cli): close it first");
    }
    // Everything in the database file itself, so no WAL of the old file outlives the rename.
    source.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    MigrationReport report;
    report.conversations = countRows(source, "conversations");
    report.messages = countRows(source, "messages");
    report.digest = contentDigest(source);

    {
#ifndef _WIN32
        int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) throw StoreError(StoreErrorCode::ReadOnly, temp + ": cannot create the new database file");
        ::close(fd);
#endif
        SqliteDb target(temp, true, targetVfs);
        sqlite3_backup* backup = sqlite3_backup_init(target.handle(), "main", source.handle(), "main");
        if (!backup) target.fail(sqlite3_errcode(target.handle()), "copy the history");
        const int rc = sqlite3_backup_step(backup, -1);
        sqlite3_backup_finish(backup);
        if (rc != SQLITE_DONE) {
            removeWithCompanions(temp);
            target.fail(rc, "copy the history");
        }
        crashPointForTests("migration-copied");
        target.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    {
        SqliteDb check(temp, false, targetVfs);
        Statement s = check.prepare("PRAGMA integrity_check");
        const bool intact = s.step() && s.text(0) == "ok";
        const bool same = intact && countRows(check, "messages") == report.messages && contentDigest(check) == report.digest;
        if (!same) {
            removeWithCompanions(temp);
            throw StoreError(StoreErrorCode::Io, path + ": the new copy did not read back the same (nothing was changed)");
        }
    }
    syncPath(temp);
    crashPointForTests("migration-before-rename");
    std::error_code ec;
    fs::remove(path + "-wal", ec);  // empty after the checkpoint; the new file must not inherit it
    fs::rename(temp, path, ec);
    if (ec) {
        removeWithCompanions(temp);
        throw StoreError(StoreErrorCode::Io, path + ": cannot replace the database with its new copy: " + ec.message());
    }
    syncPath(fs::path(path).parent_path().string());
    return report;
}

}  // namespace

std::string contentDigest(SqliteDb& db)
{
    initSodium();
    std::vector<std::string> tables;
    {
        Statement s = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name");
        while (s.step()) tables.push_back(s.text(0));
    }
    crypto_generichash_state all;
    crypto_generichash_init(&all, nullptr, 0, 32);
    for (const auto& table : tables) {
        std::string quoted = "\"";
        for (char c : table) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
        quoted += "\"";
        sqlite3_stmt* raw = nullptr;
        if (sqlite3_prepare_v2(db.handle(), ("SELECT * FROM " + quoted).c_str(), -1, &raw, nullptr) != SQLITE_OK)
            db.fail(sqlite3_errcode(db.handle()), "read " + table);
        std::vector<std::array<uint8_t, 32>> rows;
        int rc;
        while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
            crypto_generichash_state row;
            crypto_generichash_init(&row, nullptr, 0, 32);
            for (int c = 0; c < sqlite3_column_count(raw); ++c) {
                const uint8_t type = uint8_t(sqlite3_column_type(raw, c));
                const auto* bytes = static_cast<const uint8_t*>(sqlite3_column_blob(raw, c));
                const uint64_t n = uint64_t(sqlite3_column_bytes(raw, c));
                crypto_generichash_update(&row, &type, 1);
                crypto_generichash_update(&row, reinterpret_cast<const uint8_t*>(&n), sizeof(n));
                if (bytes) crypto_generichash_update(&row, bytes, n);
            }
            std::array<uint8_t, 32> h {};
            crypto_generichash_final(&row, h.data(), h.size());
            rows.push_back(h);
        }
        sqlite3_finalize(raw);
        if (rc != SQLITE_DONE) db.fail(rc, "read " + table);
        std::sort(rows.begin(), rows.end());
        crypto_generichash_update(&all, reinterpret_cast<const uint8_t*>(table.data()), table.size() + 1);
        for (const auto& h : rows) crypto_generichash_update(&all, h.data(), h.size());
    }
    uint8_t out[32];
    crypto_generichash_final(&all, out, sizeof(out));
    return hex(out, sizeof(out));
}

EncryptionStatus encryptionStatus(const std::string& dbPath)
{
    EncryptionStatus status;
    auto header = readSealedHeader(dbPath);
    if (!header) return status;
    status.encrypted = true;
    auto params = parseSealedHeader(*header);
    status.kdfOpsLimit = params->opsLimit;
    status.kdfMemLimitKiB = params->memLimitKiB;
    try {
        status.unlocked = sealedVfsFor(dbPath).has_value();
    } catch (const StoreError&) {
        status.unlocked = false;
    }
    return status;
}

MigrationReport encryptStore(const std::string& dbPath, const std::string& passphrase)
{
    if (passphrase.empty()) throw StoreError(StoreErrorCode::InvalidInput, "the passphrase is empty");
    if (isSealedStore(dbPath)) throw StoreError(StoreErrorCode::InvalidInput, dbPath + " is encrypted already");
    if (!fs::exists(dbPath)) throw StoreError(StoreErrorCode::NotFound, dbPath + ": no history to encrypt");
    auto key = StoreKey::derive(passphrase, newKdfParams());
    const std::string vfs = registerSealedVfs(key);
    MigrationReport report;
    try {
        report = migrate(dbPath, {}, vfs);
    } catch (...) {
        unregisterSealedVfs(vfs);
        throw;
    }
    unregisterSealedVfs(vfs);
    rememberStoreKey(dbPath, key);
    return report;
}

MigrationReport changeStorePassphrase(const std::string& dbPath, const std::string& oldPassphrase, const std::string& newPassphrase)
{
    if (newPassphrase.empty()) throw StoreError(StoreErrorCode::InvalidInput, "the new passphrase is empty");
    if (!isSealedStore(dbPath)) throw StoreError(StoreErrorCode::InvalidInput, dbPath + " is not encrypted");
    unlockStore(dbPath, oldPassphrase);
    auto key = StoreKey::derive(newPassphrase, newKdfParams());
    const std::string vfs = registerSealedVfs(key);
    MigrationReport report;
    try {
        report = migrate(dbPath, *sealedVfsFor(dbPath), vfs);
    } catch (...) {
        unregisterSealedVfs(vfs);
        throw;
    }
    unregisterSealedVfs(vfs);
    lockStore(dbPath);
    rememberStoreKey(dbPath, key);
    return report;
}

MigrationReport decryptStore(const std::string& dbPath, const std::string& passphrase)
{
    if (!isSealedStore(dbPath)) throw StoreError(StoreErrorCode::InvalidInput, dbPath + " is not encrypted");
    unlockStore(dbPath, passphrase);  // WrongPassphrase before anything is touched
    MigrationReport report = migrate(dbPath, *sealedVfsFor(dbPath), {});
    lockStore(dbPath);
    return report;
}

}  // namespace hearth::storage
