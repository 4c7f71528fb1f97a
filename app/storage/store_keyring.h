// The encrypted databases this process has unlocked: database path → the VFS (and so the key)
// that opens it. Store::open looks here, so once the app or a CLI command has unlocked the
// history every connection it opens afterwards (the server's, the workers') just works.
#pragma once

#include "storage/store_key.h"

#include <memory>
#include <optional>
#include <string>

namespace hearth::storage {

// True when the file at dbPath starts with the sealed header.
bool isSealedStore(const std::string& dbPath);

// Derives the key from the passphrase and checks it against the file's header, then remembers
// it for dbPath. Throws StoreError: WrongPassphrase, Corrupt (a damaged header), InvalidInput
// (the file is not encrypted).
void unlockStore(const std::string& dbPath, const std::string& passphrase);

// Remembers a key for dbPath (a database about to be created encrypted, or just migrated).
void rememberStoreKey(const std::string& dbPath, std::shared_ptr<const StoreKey> key);

// Unlocks with a key kept elsewhere (the system keychain): false when it does not open the file.
bool unlockStoreWithKey(const std::string& dbPath, const uint8_t* keyBytes);

// The key this process holds for dbPath (to put it in the keychain), or null.
std::shared_ptr<const StoreKey> storeKeyFor(const std::string& dbPath);

// The VFS that opens dbPath, when its key is known.
std::optional<std::string> sealedVfsFor(const std::string& dbPath);

// Forgets dbPath's key and wipes it. Every connection to it must be closed first.
void lockStore(const std::string& dbPath);

}  // namespace hearth::storage
