// Streams token bytes out as text that is always complete UTF-8: a multi-byte character split
// across tokens is held back until its last byte arrives.
#pragma once

#include <string>
#include <string_view>

namespace hearth {

class Utf8Stream {
public:
    // Appends bytes; returns the longest prefix of everything pending that ends on a
    // character boundary (invalid bytes are passed through as U+FFFD).
    std::string push(std::string_view bytes);
    // Whatever is still held back (an incomplete character at the end), as U+FFFD.
    std::string flush();

private:
    std::string m_pending;
};

}  // namespace hearth
