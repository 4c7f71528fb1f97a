#include "platform/paths.h"

#include <cstdlib>

#ifdef _WIN32
#define WIN32_LEAN_AND_MEAN
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#endif

namespace hearth {

std::string environmentVariable(const char* name)
{
#ifdef _WIN32
    char buffer[32768];
    DWORD n = GetEnvironmentVariableA(name, buffer, sizeof buffer);
    return (n > 0 && n < sizeof buffer) ? std::string(buffer, n) : std::string();
#else
    const char* value = std::getenv(name);
    return value ? std::string(value) : std::string();
#endif
}

std::string userCacheDir()
{
#if defined(_WIN32)
    std::string base = environmentVariable("LOCALAPPDATA");
    return base.empty() ? std::string() : base + "\\Hearth\\cache";
#elif defined(__APPLE__)
    std::string home = environmentVariable("HOME");
    return home.empty() ? std::string() : home + "/Library/Caches/Hearth";
#else
    std::string xdg = environmentVariable("XDG_CACHE_HOME");
    if (!xdg.empty() && xdg.front() == '/') return xdg + "/hearth";
    std::string home = environmentVariable("HOME");
    return home.empty() ? std::string() : home + "/.cache/hearth";
#endif
}

}  // namespace hearth
