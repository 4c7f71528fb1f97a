// Typed errors of the inference core. The core never exits or aborts on bad input:
// it throws hearth::Error with a code the app can act on and a message that names
// what was wrong (file, byte offset, value).
#pragma once

#include <stdexcept>
#include <string>

namespace hearth {

enum class ErrorCode {
    Io,  // the OS refused: open, stat, map, read, write
    InvalidFile,  // the file breaks its format's rules
    Truncated,  // the file ends before the data it promises
    UnsupportedVersion,
    UnsupportedType,  // a known format feature Hearth does not implement (e.g. IQ quants)
    InvalidArgument,  // a caller passed something impossible
    NotFound,  // a key or tensor that must exist is absent
    OutOfMemory,  // a model or buffer does not fit
    Device,  // a GPU/driver problem
    DeviceLost,  // the GPU stopped (driver reset, removed, timed out): everything on it is gone; load again
    Cancelled,  // the caller asked to stop (a model load cancelled)
};

const char* errorCodeName(ErrorCode code);

class Error : public std::runtime_error {
public:
    Error(ErrorCode code, const std::string& message) : std::runtime_error(message), m_code(code) { }
    ErrorCode code() const { return m_code; }

private:
    ErrorCode m_code;
};

}  // namespace hearth
