// A SQLite VFS that encrypts every file of a database (the database, its WAL, journals and
// temporary files) with XChaCha20-Poly1305 from libsodium. The shared-memory WAL index passes
// through: it holds page numbers and frame counts, never content.
//
// Layout of a sealed file: the 64-byte plain header (store_key.h), then blocks of 4,140 bytes,
// each sealing 4,096 logical bytes: a random 24-byte nonce, the ciphertext of (4-byte count of
// the block's bytes in use, 4,096 data bytes) and the 16-byte tag. The file kind (database,
// WAL, journal, temporary) and the block's index are authenticated with it, so a block cannot
// be moved to another place or file unnoticed. A block that fails authentication reads as
// SQLITE_IOERR_DATA, except the last block of a WAL, which a crash may have torn mid-write and
// which SQLite then discards as an incomplete frame.
#pragma once

#include "storage/store_key.h"

#include <memory>
#include <string>

namespace hearth::storage {

// Registers a VFS for this key and returns its name for sqlite3_open_v2. It stays registered
// until unregisterSealedVfs (call that only once every connection using it is closed).
std::string registerSealedVfs(std::shared_ptr<const StoreKey> key);
void unregisterSealedVfs(const std::string& name);

}  // namespace hearth::storage
