// The parts of the row-interleaved path shared by every instruction set: the activations'
// preparation, and reading one row back out of a packed group (embedding lookups of a tied table).
#include "backend/cpu/kernels/cpu_kernels.h"
#include "quant/block_layouts.h"
#include "quant/fp16.h"

#include <cstring>

namespace hearth::cpu_kernels {

void prepareQ8_0(const uint8_t* q8_0, int64_t blocks, int32_t offset, float* scales, int32_t* offsets)
{
    const auto* y = reinterpret_cast<const blocks::Q8_0*>(q8_0);
    for (int64_t i = 0; i < blocks; ++i) {
        scales[i] = fp16ToFloat(y[i].d);
        int sum = 0;
        for (int8_t v : y[i].qs) sum += v;
        offsets[i] = -offset * sum;
    }
}

void unpackPackedRow(GgmlType type, const uint8_t* group, int rowInGroup, int64_t cols, uint8_t* row)
{
    const size_t blockBytes = ggmlTypeTraits(type).blockBytes, quantBytes = blockBytes - 2;
    const int64_t blocks = cols / int64_t(ggmlTypeTraits(type).blockElements);
    for (int64_t i = 0; i < blocks; ++i, group += kPackRows * blockBytes, row += blockBytes) {
        std::memcpy(row, group + 2 * rowInGroup, 2);
        for (size_t piece = 0; piece < quantBytes / 4; ++piece)
            std::memcpy(row + 2 + 4 * piece, group + 2 * kPackRows + (piece * kPackRows + size_t(rowInGroup)) * 4, 4);
    }
}

}  // namespace hearth::cpu_kernels
