#include "backend/cpu/cpu_tensors.h"

#include "core/error.h"

#include <string>

namespace hearth {

void requireShape(bool ok, const char* op)
{
    if (!ok) throw Error(ErrorCode::InvalidArgument, std::string("cpu backend: shape mismatch in ") + op);
}

// Half-precision to float through a table: the attention loop reads every cached value.
const float* halfTable()
{
    static const std::vector<float> table = [] {
        std::vector<float> t(65536);
        for (uint32_t h = 0; h < 65536; ++h) t[h] = fp16ToFloat(uint16_t(h));
        return t;
    }();
    return table.data();
}

}  // namespace hearth
