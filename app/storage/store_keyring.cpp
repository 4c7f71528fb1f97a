#include "storage/store_keyring.h"
#include "storage/sealed_vfs.h"
#include "storage/store_error.h"

#include <filesystem>
#include <map>
#include <mutex>

namespace hearth::storage {

namespace {

std::mutex g_mutex;
struct Unlocked {
    std::string vfs;
    std::shared_ptr<const StoreKey> key;
};
std::map<std::string, Unlocked> g_unlocked;

// One entry per file, however the path was spelled.
std::string keyFor(const std::string& dbPath)
{
    std::error_code ec;
    auto canonical = std::filesystem::weakly_canonical(dbPath, ec);
    return ec ? std::filesystem::absolute(dbPath).lexically_normal().string() : canonical.string();
}

}  // namespace

bool isSealedStore(const std::string& dbPath) { return readSealedHeader(dbPath).has_value(); }

void unlockStore(const std::string& dbPath, const std::string& passphrase)
{
    auto header = readSealedHeader(dbPath);
    if (!header) throw StoreError(StoreErrorCode::InvalidInput, dbPath + " is not encrypted: there is nothing to unlock");
    auto params = parseSealedHeader(*header);
    auto key = StoreKey::derive(passphrase, *params);
    if (!key->matches(*header)) throw StoreError(StoreErrorCode::WrongPassphrase, "wrong passphrase for the encrypted history " + dbPath);
    rememberStoreKey(dbPath, std::move(key));
}

bool unlockStoreWithKey(const std::string& dbPath, const uint8_t* keyBytes)
{
    auto header = readSealedHeader(dbPath);
    if (!header) return false;
    auto key = StoreKey::fromBytes(keyBytes, *parseSealedHeader(*header));
    if (!key->matches(*header)) return false;
    rememberStoreKey(dbPath, std::move(key));
    return true;
}

std::shared_ptr<const StoreKey> storeKeyFor(const std::string& dbPath)
{
    std::lock_guard lock(g_mutex);
    auto it = g_unlocked.find(keyFor(dbPath));
    return it == g_unlocked.end() ? nullptr : it->second.key;
}

void rememberStoreKey(const std::string& dbPath, std::shared_ptr<const StoreKey> key)
{
    std::string vfs = registerSealedVfs(key);
    std::lock_guard lock(g_mutex);
    // An earlier key for the same file may still serve open connections: its VFS stays.
    g_unlocked[keyFor(dbPath)] = Unlocked {vfs, std::move(key)};
}

std::optional<std::string> sealedVfsFor(const std::string& dbPath)
{
    Unlocked unlocked;
    {
        std::lock_guard lock(g_mutex);
        auto it = g_unlocked.find(keyFor(dbPath));
        if (it == g_unlocked.end()) return std::nullopt;
        unlocked = it->second;
    }
    // The file may have been re-encrypted by another process since: say so, rather than let
    // SQLite call it damaged.
    auto header = readSealedHeader(dbPath);
    if (header && !unlocked.key->matches(*header))
        throw StoreError(StoreErrorCode::WrongPassphrase, dbPath + " was encrypted again with another passphrase: unlock it again");
    return unlocked.vfs;
}

void lockStore(const std::string& dbPath)
{
    std::string vfs;
    {
        std::lock_guard lock(g_mutex);
        auto it = g_unlocked.find(keyFor(dbPath));
        if (it == g_unlocked.end()) return;
        vfs = it->second.vfs;
        g_unlocked.erase(it);
    }
    unregisterSealedVfs(vfs);
}

}  // namespace hearth::storage
