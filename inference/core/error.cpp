#include "core/error.h"

namespace hearth {

const char* errorCodeName(ErrorCode code)
{
    switch (code) {
    case ErrorCode::Io: return "io";
    case ErrorCode::InvalidFile: return "invalid-file";
    case ErrorCode::Truncated: return "truncated";
    case ErrorCode::UnsupportedVersion: return "unsupported-version";
    case ErrorCode::UnsupportedType: return "unsupported-type";
    case ErrorCode::InvalidArgument: return "invalid-argument";
    case ErrorCode::NotFound: return "not-found";
    case ErrorCode::OutOfMemory: return "out-of-memory";
    case ErrorCode::Device: return "device";
    case ErrorCode::DeviceLost: return "device-lost";
    case ErrorCode::Cancelled: return "cancelled";
    }
    return "unknown";
}

}  // namespace hearth
