// The activation side of the row-interleaved kernels, shared by every instruction set.
#include "backend/cpu/kernels/cpu_kernels.h"
#include "quant/block_layouts.h"
#include "quant/fp16.h"

namespace hearth::cpu_kernels {

void prepareQ8_0(const uint8_t* q8_0, int64_t blocks, int32_t offset, float* scales, int32_t* laneOffsets)
{
    const auto* y = reinterpret_cast<const blocks::Q8_0*>(q8_0);
    for (int64_t i = 0; i < blocks; ++i) {
        scales[i] = fp16ToFloat(y[i].d);
        for (int lane = 0; lane < 8; ++lane) {
            int sum = 0;
            for (int k = 4 * lane; k < 4 * lane + 4; ++k) sum += y[i].qs[k];
            laneOffsets[8 * i + lane] = -offset * sum;
        }
    }
}

}  // namespace hearth::cpu_kernels
