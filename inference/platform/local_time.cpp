#include "platform/local_time.h"

#include <ctime>

namespace hearth {

std::string formatLocalTimeNow(const std::string& format)
{
    std::time_t t = std::time(nullptr);
    std::tm local {};
#ifdef _WIN32
    localtime_s(&local, &t);
#else
    localtime_r(&t, &local);
#endif
    char buf[256];
    const size_t n = std::strftime(buf, sizeof buf, format.c_str(), &local);
    return std::string(buf, n);
}

}  // namespace hearth
