#include "backend/cpu/cpu_tensors.h"

namespace hearth {

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
