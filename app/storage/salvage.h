// Recovering what can still be read from a damaged database into a fresh one. A damaged file
// usually has a few bad pages among many good ones: a full scan stops at the first bad page,
// so rows are read by scan and then by id (each lookup walks only its own path), and every row
// that reads back whole is copied with its id, parents and branch choices where those survived.
#pragma once

#include "storage/sqlite_db.h"

#include <cstdint>
#include <string>

namespace hearth::storage {

struct SalvageReport {
    int64_t conversations = 0;
    int64_t messages = 0;
    int64_t settings = 0;
    int64_t models = 0;
    int64_t assistants = 0;
};

// Copies readable rows of `damagedPath` (opened read-only, never changed) into `fresh`, which
// has the current schema and no rows. Never throws for damage: what cannot be read is skipped.
// `vfs` reads an encrypted file (sealed_vfs.h).
SalvageReport salvageInto(SqliteDb& fresh, const std::string& damagedPath, const std::string& vfs = {});

}  // namespace hearth::storage
