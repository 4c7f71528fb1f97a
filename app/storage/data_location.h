// Where the app keeps its database: the platform's app-data folder, overridable.
#pragma once

#include <string>

namespace hearth::storage {

// Precedence: `overrideDir` (e.g. --data-dir) > HEARTH_DATA_DIR > QStandardPaths::AppDataLocation.
std::string dataDirectory(const std::string& overrideDir = {});
std::string databasePath(const std::string& dataDir);

}  // namespace hearth::storage
