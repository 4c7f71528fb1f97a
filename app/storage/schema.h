// The chat database schema as forward-only migrations; PRAGMA user_version records how many
// have been applied. Never edit a released migration: add a new one.
#pragma once

#include "storage/sqlite_db.h"

namespace hearth::storage {

int latestSchemaVersion();

// Applies migrations user_version+1 .. target (default: all), each in its own transaction.
// Throws StoreError when the file is newer than this build understands.
void migrate(SqliteDb& db, int target = -1);

int schemaVersion(SqliteDb& db);

}  // namespace hearth::storage
