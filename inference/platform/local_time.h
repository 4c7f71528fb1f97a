// The current local time formatted with strftime (POSIX and Windows thread-safe variants).
#pragma once

#include <string>

namespace hearth {

// Empty when the formatted text would exceed 255 bytes.
std::string formatLocalTimeNow(const std::string& format);

}  // namespace hearth
