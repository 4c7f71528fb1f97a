// Per-user folders the inference core writes to (e.g. the Vulkan pipeline cache).
// The app uses QStandardPaths; the Qt-free core needs its own small equivalent.
#pragma once

#include <string>

namespace hearth {

// The per-user cache folder for Hearth ("$XDG_CACHE_HOME/hearth", "%LOCALAPPDATA%\Hearth\cache",
// "~/Library/Caches/Hearth"); empty when the environment gives no home. Not created here.
std::string userCacheDir();

// Reads an environment variable; empty when unset.
std::string environmentVariable(const char* name);

}  // namespace hearth
