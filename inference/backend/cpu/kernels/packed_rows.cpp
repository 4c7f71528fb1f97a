// The parts of the row-interleaved path shared by every instruction set: the layouts (repacking
// rows into groups and reading one row back out, for embedding lookups of a tied table) and the
// activations' preparation.
#include "backend/cpu/kernels/cpu_kernels.h"
#include "backend/cpu/kernels/packed_layout.h"
#include "core/error.h"
#include "quant/block_layouts.h"
#include "quant/fp16.h"

#include <cstddef>
#include <cstring>
#include <string>
#include <type_traits>

namespace hearth::cpu_kernels {

using namespace blocks;

namespace {

// Q8_0 and Q8_1: each block's scale as a float, minus `offset` times the sum of its values and
// (Q8_1) its s as a float.
template <typename Block>
void prepare32Blocks(const uint8_t* activations, int64_t blocks, int32_t offset, float* scales, int32_t* offsets, float* sums)
{
    const auto* y = reinterpret_cast<const Block*>(activations);
    for (int64_t i = 0; i < blocks; ++i) {
        scales[i] = fp16ToFloat(y[i].d);
        if constexpr (std::is_same_v<Block, Q8_1>) sums[i] = fp16ToFloat(y[i].s);
        int sum = 0;
        for (int8_t v : y[i].qs) sum += v;
        offsets[i] = -offset * sum;
    }
}

void prepareQ8_K(const uint8_t* q8_k, int64_t superBlocks, int32_t* subBlockPairs)
{
    const auto* y = reinterpret_cast<const Q8_K*>(q8_k);
    for (int64_t i = 0; i < superBlocks; ++i)
        for (int p = 0; p < 4; ++p) {
            const int16_t* b = y[i].bsums + 4 * p;
            const auto even = uint16_t(b[0] + b[1]), odd = uint16_t(b[2] + b[3]);  // |sum| <= 32 * 127
            subBlockPairs[4 * i + p] = int32_t(uint32_t(even) | uint32_t(odd) << 16);
        }
}

}  // namespace

PreparedTokens prepareToken(GgmlType actType, const uint8_t* activations, int64_t blocks, int32_t offset, float* scales, int32_t* offsets,
                            float* sums)
{
    switch (actType) {
    case GgmlType::Q8_K: prepareQ8_K(activations, blocks, offsets); return {activations, nullptr, offsets};
    case GgmlType::Q8_1:
        prepare32Blocks<Q8_1>(activations, blocks, offset, scales, offsets, sums);
        return {activations, scales, offsets, sums};
    default: prepare32Blocks<Q8_0>(activations, blocks, offset, scales, offsets, sums); return {activations, scales, offsets};
    }
}

namespace {

// Piece k (4 bytes) of `bytes` bytes of each of the eight rows, starting `from` bytes into the
// row's block, to or from `pieces` (rows side by side).
void interleavePieces(const uint8_t* const* rows, size_t from, size_t bytes, uint8_t* pieces)
{
    for (size_t k = 0; k < bytes / 4; ++k)
        for (int r = 0; r < kPackRows; ++r) std::memcpy(pieces + (k * kPackRows + size_t(r)) * 4, rows[r] + from + 4 * k, 4);
}
void deinterleavePieces(const uint8_t* pieces, size_t bytes, int rowInGroup, uint8_t* row)
{
    for (size_t k = 0; k < bytes / 4; ++k) std::memcpy(row + 4 * k, pieces + (k * kPackRows + size_t(rowInGroup)) * 4, 4);
}

// Where packedQ4_KLayout puts scale j and min j of row r (k in 0..63).
int q4kScaleIndex(int j, int r) { return 8 * j + r; }
int q4kMinIndex(int j, int r) { return 16 * (j / 2) + 2 * r + j % 2; }

// `count` six-bit values as the packed layouts keep them (IQ4_XS: 64; Q3_K: 128; Q4_K and Q5_K: 128,
// the mins after the scales): value k's low nibble in byte k % (count/2) (the high nibble from
// k = count/2 on), its top two bits in byte count/2 + k % (count/4) at bit 2(k / (count/4)).
void putPackedSixBits(uint8_t* scales, int count, int k, int value)
{
    const int half = count / 2, quarter = count / 4;
    scales[k % half] = uint8_t(scales[k % half] | (value & 0xF) << (k < half ? 0 : 4));
    scales[half + k % quarter] = uint8_t(scales[half + k % quarter] | (value >> 4) << (2 * (k / quarter)));
}
int packedSixBits(const uint8_t* scales, int count, int k)
{
    const int half = count / 2, quarter = count / 4;
    return ((scales[k % half] >> (k < half ? 0 : 4)) & 0xF) | ((scales[half + k % quarter] >> (2 * (k / quarter))) & 3) << 4;
}

// The inverse of kScaleMin: scale and min j back into the twelve bytes.
void putScaleMin(int j, uint8_t scale, uint8_t min, uint8_t* q)
{
    if (j < 4) {
        q[j] = uint8_t((q[j] & 0xC0) | scale);
        q[j + 4] = uint8_t((q[j + 4] & 0xC0) | min);
    } else {
        q[j + 4] = uint8_t((scale & 0xF) | (min & 0xF) << 4);
        q[j - 4] = uint8_t((q[j - 4] & 0x3F) | (scale >> 4) << 6);
        q[j] = uint8_t((q[j] & 0x3F) | (min >> 4) << 6);
    }
}

// Q4_K and Q5_K: d, dmin and the transposed scales and mins; Q5_K's fifth bits, then the nibbles.
template <typename Block>
void packQ45_KBlock(const uint8_t* const* blockOfRow, uint8_t* out)
{
    std::memset(out, 0, 128);
    for (int r = 0; r < kPackRows; ++r) {
        const auto& x = *reinterpret_cast<const Block*>(blockOfRow[r]);
        std::memcpy(out + 2 * r, &x.d, 2);
        std::memcpy(out + 16 + 2 * r, &x.dmin, 2);
        for (int j = 0; j < 8; ++j) {
            uint8_t scale, min;
            kScaleMin(j, x.scales, scale, min);
            putPackedSixBits(out + 32, 128, q4kScaleIndex(j, r), scale);
            putPackedSixBits(out + 32, 128, 64 + q4kMinIndex(j, r), min);
        }
    }
    uint8_t* quants = out + 128;
    if constexpr (std::is_same_v<Block, Q5_K>) {
        interleavePieces(blockOfRow, offsetof(Q5_K, qh), sizeof(Q5_K::qh), quants);
        quants += kPackRows * sizeof(Q5_K::qh);
    }
    interleavePieces(blockOfRow, offsetof(Block, qs), sizeof(Block::qs), quants);
}

template <typename Block>
void unpackQ45_KBlock(const uint8_t* group, int r, uint8_t* block)
{
    auto& x = *reinterpret_cast<Block*>(block);
    std::memcpy(&x.d, group + 2 * r, 2);
    std::memcpy(&x.dmin, group + 16 + 2 * r, 2);
    std::memset(x.scales, 0, sizeof x.scales);
    for (int j = 0; j < 8; ++j)
        putScaleMin(j, uint8_t(packedSixBits(group + 32, 128, q4kScaleIndex(j, r))),
                    uint8_t(packedSixBits(group + 32, 128, 64 + q4kMinIndex(j, r))), x.scales);
    const uint8_t* quants = group + 128;
    if constexpr (std::is_same_v<Block, Q5_K>) {
        deinterleavePieces(quants, sizeof x.qh, r, x.qh);
        quants += kPackRows * sizeof x.qh;
    }
    deinterleavePieces(quants, sizeof x.qs, r, x.qs);
}

int q6kScaleIndex(int g, int r) { return 16 * (g / 2) + 2 * r + g % 2; }

void packQ6_KBlock(const uint8_t* const* blockOfRow, uint8_t* out)
{
    for (int r = 0; r < kPackRows; ++r) {
        const auto& x = *reinterpret_cast<const Q6_K*>(blockOfRow[r]);
        std::memcpy(out + 2 * r, &x.d, 2);
        for (int g = 0; g < 16; ++g) out[16 + q6kScaleIndex(g, r)] = uint8_t(x.scales[g]);
    }
    interleavePieces(blockOfRow, offsetof(Q6_K, ql), sizeof(Q6_K::ql), out + 144);
    interleavePieces(blockOfRow, offsetof(Q6_K, qh), sizeof(Q6_K::qh), out + 144 + kPackRows * sizeof(Q6_K::ql));
}

void unpackQ6_KBlock(const uint8_t* group, int r, uint8_t* block)
{
    auto& x = *reinterpret_cast<Q6_K*>(block);
    std::memcpy(&x.d, group + 2 * r, 2);
    for (int g = 0; g < 16; ++g) x.scales[g] = int8_t(group[16 + q6kScaleIndex(g, r)]);
    deinterleavePieces(group + 144, sizeof x.ql, r, x.ql);
    deinterleavePieces(group + 144 + kPackRows * sizeof x.ql, sizeof x.qh, r, x.qh);
}

void packIQ4_XSBlock(const uint8_t* const* blockOfRow, uint8_t* out)
{
    std::memset(out, 0, 64);
    for (int r = 0; r < kPackRows; ++r) {
        const auto& x = *reinterpret_cast<const IQ4_XS*>(blockOfRow[r]);
        std::memcpy(out + 2 * r, &x.d, 2);
        for (int j = 0; j < 8; ++j) putPackedSixBits(out + 16, 64, 8 * j + r, iq4xsScale(x, j) + 32);
    }
    interleavePieces(blockOfRow, offsetof(IQ4_XS, qs), sizeof(IQ4_XS::qs), out + 64);
}

void unpackIQ4_XSBlock(const uint8_t* group, int r, uint8_t* block)
{
    auto& x = *reinterpret_cast<IQ4_XS*>(block);
    std::memcpy(&x.d, group + 2 * r, 2);
    uint16_t high = 0;
    std::memset(x.scalesLow, 0, sizeof x.scalesLow);
    for (int j = 0; j < 8; ++j) {
        const int ls = packedSixBits(group + 16, 64, 8 * j + r);
        x.scalesLow[j / 2] = uint8_t(x.scalesLow[j / 2] | (ls & 0xF) << (4 * (j % 2)));
        high = uint16_t(high | (ls >> 4) << (2 * j));
    }
    x.scalesHigh = high;
    deinterleavePieces(group + 64, sizeof x.qs, r, x.qs);
}

// Q2_K: d, dmin, the scale-and-min bytes transposed (group g of row r at 8g + r), qs in pieces.
void packQ2_KBlock(const uint8_t* const* blockOfRow, uint8_t* out)
{
    for (int r = 0; r < kPackRows; ++r) {
        const auto& x = *reinterpret_cast<const Q2_K*>(blockOfRow[r]);
        std::memcpy(out + 2 * r, &x.d, 2);
        std::memcpy(out + 16 + 2 * r, &x.dmin, 2);
        for (int g = 0; g < 16; ++g) out[32 + 8 * g + r] = x.scales[g];
    }
    interleavePieces(blockOfRow, offsetof(Q2_K, qs), sizeof(Q2_K::qs), out + 160);
}

void unpackQ2_KBlock(const uint8_t* group, int r, uint8_t* block)
{
    auto& x = *reinterpret_cast<Q2_K*>(block);
    std::memcpy(&x.d, group + 2 * r, 2);
    std::memcpy(&x.dmin, group + 16 + 2 * r, 2);
    for (int g = 0; g < 16; ++g) x.scales[g] = group[32 + 8 * g + r];
    deinterleavePieces(group + 160, sizeof x.qs, r, x.qs);
}

void packQ3_KBlock(const uint8_t* const* blockOfRow, uint8_t* out)
{
    std::memset(out, 0, 112);
    for (int r = 0; r < kPackRows; ++r) {
        const auto& x = *reinterpret_cast<const Q3_K*>(blockOfRow[r]);
        std::memcpy(out + 2 * r, &x.d, 2);
        for (int g = 0; g < 16; ++g) putPackedSixBits(out + 16, 128, 8 * g + r, q3kScale(x.scales, g) + 32);
    }
    interleavePieces(blockOfRow, offsetof(Q3_K, hmask), sizeof(Q3_K::hmask), out + 112);
    interleavePieces(blockOfRow, offsetof(Q3_K, qs), sizeof(Q3_K::qs), out + 112 + kPackRows * sizeof(Q3_K::hmask));
}

void unpackQ3_KBlock(const uint8_t* group, int r, uint8_t* block)
{
    auto& x = *reinterpret_cast<Q3_K*>(block);
    std::memcpy(&x.d, group + 2 * r, 2);
    std::memset(x.scales, 0, sizeof x.scales);
    for (int g = 0; g < 16; ++g) {  // the inverse of q3kScale
        const int value = packedSixBits(group + 16, 128, 8 * g + r);
        x.scales[g % 8] = uint8_t(x.scales[g % 8] | (value & 0xF) << (g < 8 ? 0 : 4));
        x.scales[8 + g % 4] = uint8_t(x.scales[8 + g % 4] | (value >> 4) << (2 * (g / 4)));
    }
    deinterleavePieces(group + 112, sizeof x.hmask, r, x.hmask);
    deinterleavePieces(group + 112 + kPackRows * sizeof x.hmask, sizeof x.qs, r, x.qs);
}

// The 32-blocks: per block of the eight rows, their scales (F16; MXFP4's one E8M0 byte; Q4_1's
// and Q5_1's eight F16 mins after them), then everything after the scale (and min) in 4-byte
// pieces (Q5_0's and Q5_1's fifth bits, then the nibbles).
template <typename Block>
void repack32Blocks(const uint8_t* rows, size_t rowBytes, int64_t cols, uint8_t* out)
{
    constexpr size_t scaleBytes = kPackedScaleBytes<Block>, headBytes = kPackedHeadBytes<Block> / kPackRows;  // per row
    for (int64_t i = 0; i < cols / kQK32; ++i, out += kPackRows * sizeof(Block)) {
        const uint8_t* blockOfRow[kPackRows];
        for (int r = 0; r < kPackRows; ++r) {
            blockOfRow[r] = rows + size_t(r) * rowBytes + size_t(i) * sizeof(Block);
            std::memcpy(out + scaleBytes * size_t(r), blockOfRow[r], scaleBytes);
            if constexpr (kPackedWithMin<Block>)
                std::memcpy(out + scaleBytes * size_t(kPackRows + r), blockOfRow[r] + scaleBytes, scaleBytes);
        }
        interleavePieces(blockOfRow, headBytes, sizeof(Block) - headBytes, out + headBytes * kPackRows);
    }
}

template <typename Block>
void unpack32Block(const uint8_t* group, int r, uint8_t* block)
{
    constexpr size_t scaleBytes = kPackedScaleBytes<Block>, headBytes = kPackedHeadBytes<Block> / kPackRows;  // per row
    std::memcpy(block, group + scaleBytes * size_t(r), scaleBytes);
    if constexpr (kPackedWithMin<Block>) std::memcpy(block + scaleBytes, group + scaleBytes * size_t(kPackRows + r), scaleBytes);
    deinterleavePieces(group + headBytes * kPackRows, sizeof(Block) - headBytes, r, block + headBytes);
}

template <typename Block, void (*PackBlock)(const uint8_t* const*, uint8_t*)>
void repackSuperBlocks(const uint8_t* rows, size_t rowBytes, int64_t cols, uint8_t* out)
{
    for (int64_t i = 0; i < cols / kQKK; ++i, out += kPackRows * sizeof(Block)) {
        const uint8_t* blockOfRow[kPackRows];
        for (int r = 0; r < kPackRows; ++r) blockOfRow[r] = rows + size_t(r) * rowBytes + size_t(i) * sizeof(Block);
        PackBlock(blockOfRow, out);
    }
}

}  // namespace

void repackQ4_0(const uint8_t* rows, size_t rowBytes, int64_t cols, uint8_t* out) { repack32Blocks<Q4_0>(rows, rowBytes, cols, out); }
void repackQ4_1(const uint8_t* rows, size_t rowBytes, int64_t cols, uint8_t* out) { repack32Blocks<Q4_1>(rows, rowBytes, cols, out); }
void repackQ5_0(const uint8_t* rows, size_t rowBytes, int64_t cols, uint8_t* out) { repack32Blocks<Q5_0>(rows, rowBytes, cols, out); }
void repackQ5_1(const uint8_t* rows, size_t rowBytes, int64_t cols, uint8_t* out) { repack32Blocks<Q5_1>(rows, rowBytes, cols, out); }
void repackQ8_0(const uint8_t* rows, size_t rowBytes, int64_t cols, uint8_t* out) { repack32Blocks<Q8_0>(rows, rowBytes, cols, out); }
void repackIQ4_NL(const uint8_t* rows, size_t rowBytes, int64_t cols, uint8_t* out) { repack32Blocks<IQ4_NL>(rows, rowBytes, cols, out); }
void repackMXFP4(const uint8_t* rows, size_t rowBytes, int64_t cols, uint8_t* out) { repack32Blocks<MXFP4>(rows, rowBytes, cols, out); }

void repackQ2_K(const uint8_t* rows, size_t rowBytes, int64_t cols, uint8_t* out)
{
    repackSuperBlocks<Q2_K, packQ2_KBlock>(rows, rowBytes, cols, out);
}
void repackQ3_K(const uint8_t* rows, size_t rowBytes, int64_t cols, uint8_t* out)
{
    repackSuperBlocks<Q3_K, packQ3_KBlock>(rows, rowBytes, cols, out);
}
void repackQ4_K(const uint8_t* rows, size_t rowBytes, int64_t cols, uint8_t* out)
{
    repackSuperBlocks<Q4_K, packQ45_KBlock<Q4_K>>(rows, rowBytes, cols, out);
}
void repackQ5_K(const uint8_t* rows, size_t rowBytes, int64_t cols, uint8_t* out)
{
    repackSuperBlocks<Q5_K, packQ45_KBlock<Q5_K>>(rows, rowBytes, cols, out);
}
void repackQ6_K(const uint8_t* rows, size_t rowBytes, int64_t cols, uint8_t* out)
{
    repackSuperBlocks<Q6_K, packQ6_KBlock>(rows, rowBytes, cols, out);
}

void repackIQ4_XS(const uint8_t* rows, size_t rowBytes, int64_t cols, uint8_t* out)
{
    repackSuperBlocks<IQ4_XS, packIQ4_XSBlock>(rows, rowBytes, cols, out);
}

void unpackPackedRow(GgmlType type, const uint8_t* group, int rowInGroup, int64_t cols, uint8_t* row)
{
    const size_t blockBytes = ggmlTypeTraits(type).blockBytes;
    const int64_t blocks = cols / int64_t(ggmlTypeTraits(type).blockElements);
    for (int64_t i = 0; i < blocks; ++i, group += kPackRows * blockBytes, row += blockBytes) {
        switch (type) {
        case GgmlType::Q2_K: unpackQ2_KBlock(group, rowInGroup, row); break;
        case GgmlType::Q3_K: unpackQ3_KBlock(group, rowInGroup, row); break;
        case GgmlType::Q4_K: unpackQ45_KBlock<Q4_K>(group, rowInGroup, row); break;
        case GgmlType::Q5_K: unpackQ45_KBlock<Q5_K>(group, rowInGroup, row); break;
        case GgmlType::Q6_K: unpackQ6_KBlock(group, rowInGroup, row); break;
        case GgmlType::IQ4_XS: unpackIQ4_XSBlock(group, rowInGroup, row); break;
        case GgmlType::Q4_1: unpack32Block<Q4_1>(group, rowInGroup, row); break;
        case GgmlType::Q5_1: unpack32Block<Q5_1>(group, rowInGroup, row); break;
        case GgmlType::MXFP4: unpack32Block<MXFP4>(group, rowInGroup, row); break;
        case GgmlType::Q4_0: unpack32Block<Q4_0>(group, rowInGroup, row); break;
        case GgmlType::Q5_0: unpack32Block<Q5_0>(group, rowInGroup, row); break;
        case GgmlType::Q8_0: unpack32Block<Q8_0>(group, rowInGroup, row); break;
        case GgmlType::IQ4_NL: unpack32Block<IQ4_NL>(group, rowInGroup, row); break;
        default: throw Error(ErrorCode::UnsupportedType, "no packed row layout for " + std::string(ggmlTypeName(type)));
        }
    }
}

}  // namespace hearth::cpu_kernels
