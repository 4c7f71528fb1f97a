// Turning encryption of the chat history on and off, all or nothing: the database is copied
// into a new file (encrypted or plain) beside it, the copy is checked row for row against the
// original, and only then renamed over it. A crash at any point leaves the original as it was.
#pragma once

#include "storage/sqlite_db.h"

#include <cstdint>
#include <string>

namespace hearth::storage {

struct EncryptionStatus {
    bool encrypted = false;
    bool unlocked = false;  // this process holds its key
    uint32_t kdfOpsLimit = 0;  // Argon2id passes
    uint32_t kdfMemLimitKiB = 0;
};

EncryptionStatus encryptionStatus(const std::string& dbPath);

struct MigrationReport {
    int64_t conversations = 0;
    int64_t messages = 0;
    std::string digest;  // of every row of every table, equal before and after
};

// Encrypts a plain database with a key derived from the passphrase (and remembers the key, so
// Store::open works on it afterwards). Every connection to it must be closed: another one still
// open is reported as Busy. Throws StoreError (InvalidInput when it is encrypted already or the
// passphrase is empty).
MigrationReport encryptStore(const std::string& dbPath, const std::string& passphrase);

// Decrypts an encrypted database back to plain SQLite (WrongPassphrase when it does not open it).
MigrationReport decryptStore(const std::string& dbPath, const std::string& passphrase);

// Re-encrypts with a key from a new passphrase (a fresh salt too), the same way.
MigrationReport changeStorePassphrase(const std::string& dbPath, const std::string& oldPassphrase, const std::string& newPassphrase);

// A BLAKE2b digest of every row of every table (order-independent), for checking copies.
std::string contentDigest(SqliteDb& db);

}  // namespace hearth::storage
