// The parts of the row-interleaved path shared by every instruction set: the activations'
// preparation, and reading one row back out of a packed group (embedding lookups of a tied table).
#include "backend/cpu/kernels/cpu_kernels.h"
#include "quant/block_layouts.h"
#include "quant/fp16.h"

#include <cstring>

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

void unpackPackedRow(GgmlType type, const uint8_t* group, int rowInGroup, int64_t cols, uint8_t* row)
{
    // Block i of the group: kPackRows F16 scales, then kPackRows rows' quants (Q4_0x4, Q8_0x4).
    const size_t blockBytes = ggmlTypeTraits(type).blockBytes, quantBytes = blockBytes - 2;
    const int64_t blocks = cols / int64_t(ggmlTypeTraits(type).blockElements);
    for (int64_t i = 0; i < blocks; ++i, group += kPackRows * blockBytes, row += blockBytes) {
        std::memcpy(row, group + 2 * rowInGroup, 2);
        std::memcpy(row + 2, group + 2 * kPackRows + size_t(rowInGroup) * quantBytes, quantBytes);
    }
}

}  // namespace hearth::cpu_kernels
