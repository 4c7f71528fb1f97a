// Where the app keeps its database: the platform's app-data folder, overridable.
#pragma once

#include <string>

namespace hearth::storage {

// Precedence: `overrideDir` (e.g. --data-dir) > HEARTH_DATA_DIR > the folder chosen in the app
// (rememberDataDirectory) > QStandardPaths::AppDataLocation.
std::string dataDirectory(const std::string& overrideDir = {});
// Remembers a folder the user chose when the default one could not be used (QSettings: the
// platform's settings store, outside the data folder by necessity).
void rememberDataDirectory(const std::string& folder);
std::string databasePath(const std::string& dataDir);

}  // namespace hearth::storage
