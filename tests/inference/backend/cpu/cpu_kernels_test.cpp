// Every SIMD kernel table this CPU can run (HEARTH_CPU_ISA forces one in the backend; here all of
// them are checked in one process) against the reference kernels of quant/vec_dot.h, on odd
// sizes and random bytes: activation conversion and every dot bit-identical (the kernels sum in
// the reference's order), the four-token kernels bit-identical to the one-token ones.
#include "backend/cpu/attention_steps.h"
#include "backend/cpu/cpu_attention.h"
#include "backend/cpu/cpu_isa.h"
#include "backend/cpu/portable_exp.h"
#include "quant/block_layouts.h"
#include "quant/dequantize.h"
#include "quant/fp16.h"
#include "quant/vec_dot.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <limits>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <random>

using namespace hearth;
using cpu_kernels::KernelTable;

namespace {

const GgmlType kBlockTypes[] = {GgmlType::Q4_0,   GgmlType::Q4_1,    GgmlType::Q5_0,  GgmlType::Q5_1,    GgmlType::Q8_0,
                                GgmlType::Q2_K,   GgmlType::Q3_K,    GgmlType::Q4_K,  GgmlType::Q5_K,    GgmlType::Q6_K,
                                GgmlType::IQ4_NL, GgmlType::IQ4_XS,  GgmlType::MXFP4, GgmlType::IQ2_XXS, GgmlType::IQ2_XS,
                                GgmlType::IQ2_S,  GgmlType::IQ3_XXS, GgmlType::IQ3_S, GgmlType::IQ1_S,   GgmlType::IQ1_M};

bool isKQuant(GgmlType t) { return activationTypeFor(t) == GgmlType::Q8_K; }

// Where a block keeps its F16 scale (and min) fields.
std::vector<size_t> scaleOffsets(GgmlType t)
{
    using namespace blocks;
    switch (t) {
    case GgmlType::Q4_0: return {offsetof(Q4_0, d)};
    case GgmlType::Q5_0: return {offsetof(Q5_0, d)};
    case GgmlType::Q8_0: return {offsetof(Q8_0, d)};
    case GgmlType::Q4_1: return {offsetof(Q4_1, d), offsetof(Q4_1, m)};
    case GgmlType::Q5_1: return {offsetof(Q5_1, d), offsetof(Q5_1, m)};
    case GgmlType::Q2_K: return {offsetof(Q2_K, d), offsetof(Q2_K, dmin)};
    case GgmlType::Q3_K: return {offsetof(Q3_K, d)};
    case GgmlType::Q4_K: return {offsetof(Q4_K, d), offsetof(Q4_K, dmin)};
    case GgmlType::Q5_K: return {offsetof(Q5_K, d), offsetof(Q5_K, dmin)};
    case GgmlType::Q6_K: return {offsetof(Q6_K, d)};
    case GgmlType::IQ4_NL: return {offsetof(IQ4_NL, d)};
    case GgmlType::IQ4_XS: return {offsetof(IQ4_XS, d)};
    case GgmlType::IQ2_XXS:
    case GgmlType::IQ2_XS:
    case GgmlType::IQ2_S:
    case GgmlType::IQ3_XXS:
    case GgmlType::IQ3_S:
    case GgmlType::IQ1_S: return {0};  // each starts with its F16 d
    default: return {};
    }
}

// Random bytes (every bit pattern of the quants), scales set to `unitScales` ? 1 (and mins 0)
// : small random values.
std::vector<uint8_t> randomBlocks(GgmlType t, int64_t n, bool unitScales, std::mt19937& rng)
{
    const auto& traits = ggmlTypeTraits(t);
    std::vector<uint8_t> bytes(rowBytes(t, n));
    for (auto& b : bytes) b = uint8_t(rng());
    std::uniform_real_distribution<float> scale(0.001f, 0.05f);
    for (size_t block = 0; block < bytes.size(); block += traits.blockBytes) {
        if (t == GgmlType::MXFP4) {  // an E8M0 exponent: 2^(e - 128), 1 for unit scales
            bytes[block] = uint8_t(unitScales ? 128 : 118 + int(rng() % 12));
            continue;
        }
        if (t == GgmlType::IQ1_M) {  // the F16 scale in the top nibbles of the last four 16-bit words
            const uint16_t h = floatToFp16(unitScales ? 1.0f : scale(rng));
            for (int i = 0; i < 4; ++i) {
                uint8_t& high = bytes[block + 48 + 2 * size_t(i) + 1];
                high = uint8_t((high & 0x0F) | (((h >> (4 * i)) & 0xF) << 4));
            }
            continue;
        }
        const auto offsets = scaleOffsets(t);
        for (size_t k = 0; k < offsets.size(); ++k) {
            const uint16_t h = floatToFp16(unitScales ? (k == 0 ? 1.0f : 0.0f) : scale(rng));
            std::memcpy(bytes.data() + block + offsets[k], &h, 2);
        }
    }
    return bytes;
}

std::vector<float> randomFloats(int64_t n, std::mt19937& rng, float spread = 1.0f)
{
    std::normal_distribution<float> normal(0.0f, spread);
    std::vector<float> x(static_cast<size_t>(n));
    for (auto& v : x) v = normal(rng);
    return x;
}

std::vector<uint8_t> referenceActivations(GgmlType type, const std::vector<float>& x)
{
    std::vector<uint8_t> out;
    quantizeActivations(type, x.data(), int64_t(x.size()), out);
    return out;
}

// Activations whose Q8_0/Q8_1 scale is exactly 1: integers in [-127, 127] with 127 in each block.
std::vector<uint8_t> unitScaleActivations(GgmlType type, int64_t n, std::mt19937& rng)
{
    std::vector<float> x(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) x[size_t(i)] = float(int(rng() % 255) - 127);
    for (int64_t i = 0; i < n; i += 32) x[size_t(i)] = 127;
    auto out = referenceActivations(type, x);
    const size_t blockBytes = ggmlTypeTraits(type).blockBytes;
    for (size_t b = 0; b < out.size(); b += blockBytes) {
        uint16_t d;  // Q8_0 and Q8_1 both start with their scale
        std::memcpy(&d, out.data() + b, 2);
        EXPECT_EQ(fp16ToFloat(d), 1.0f);
    }
    return out;
}

class Kernels : public ::testing::TestWithParam<const KernelTable*> { };

TEST_P(Kernels, ActivationConversionIsBitIdentical)
{
    const KernelTable& table = *GetParam();
    std::mt19937 rng(7);
    for (GgmlType type : {GgmlType::Q8_0, GgmlType::Q8_1, GgmlType::Q8_K, GgmlType::F16}) {
        const auto quantize = table.quantize[cpu_kernels::slot(type)];
        if (!quantize) continue;
        const int64_t block = ggmlTypeTraits(type).blockElements;
        for (int64_t blocks : {1, 3, 7, 19}) {
            const int64_t n = block == 1 ? 8 * blocks + 5 : block * blocks;
            for (float spread : {1.0f, 1e-3f, 300.0f}) {
                auto x = randomFloats(n, rng, spread);
                if (blocks == 3) std::fill(x.begin(), x.begin() + std::min<int64_t>(n, 256), 0.0f);  // an all-zero block
                if (blocks == 7) x[1] = -x[0];  // two extremes of equal size: the first sets Q8_K's sign
                const auto want = referenceActivations(type, x);
                std::vector<uint8_t> got(want.size(), 0xAB);
                quantize(x.data(), n, got.data());
                EXPECT_EQ(got, want) << table.isa << " " << ggmlTypeName(type) << " n=" << n << " spread=" << spread;
            }
        }
    }
}

TEST_P(Kernels, QuantizedDotsMatchTheReference)
{
    const KernelTable& table = *GetParam();
    std::mt19937 rng(11);
    int checked = 0;
    for (GgmlType type : kBlockTypes) {
        const auto dot = table.dot[cpu_kernels::slot(type)];
        if (!dot) continue;
        const GgmlType act = activationTypeFor(type);
        const int64_t block = ggmlTypeTraits(type).blockElements;
        for (int64_t blocks : {1, 2, 3, 5, 14}) {
            const int64_t n = block * blocks;
            for (int trial = 0; trial < 20; ++trial) {
                // Integer-valued scales make every sum an exact integer: a wrong integer cannot
                // hide in rounding there.
                const bool unit = trial % 2 == 0;
                const auto w = randomBlocks(type, n, unit, rng);
                const auto a =
                    unit && !isKQuant(type) ? unitScaleActivations(act, n, rng) : referenceActivations(act, randomFloats(n, rng));
                const float want = vecDot(type, w.data(), a.data(), n), got = dot(w.data(), a.data(), n);
                if (const auto dot4 = table.dot4[cpu_kernels::slot(type)]) {
                    // Four tokens at once: each the single-token kernel's bits (prefill = decode).
                    std::vector<uint8_t> four;
                    std::vector<float> singles;
                    for (int t = 0; t < 4; ++t) {
                        const auto row = t == 2 ? a : referenceActivations(act, randomFloats(n, rng));
                        four.insert(four.end(), row.begin(), row.end());
                        singles.push_back(dot(w.data(), row.data(), n));
                    }
                    float out[4];
                    dot4(w.data(), four.data(), a.size(), n, out);
                    for (int t = 0; t < 4; ++t)
                        EXPECT_EQ(out[t], singles[size_t(t)]) << table.isa << " " << ggmlTypeName(type) << " 4 tokens, token " << t;
                }
                if (const auto dotMany = table.dotMany[cpu_kernels::slot(type)]; dotMany && trial < 4) {
                    // A tile of tokens at once (1, an odd count, the most): each the one-token kernel's bits.
                    for (int tokens : {1, 7, cpu_kernels::kMaxManyTokens}) {
                        std::vector<uint8_t> rows;
                        std::vector<float> singles;
                        for (int t = 0; t < tokens; ++t) {
                            const auto row = t == 0 ? a : referenceActivations(act, randomFloats(n, rng));
                            rows.insert(rows.end(), row.begin(), row.end());
                            singles.push_back(dot(w.data(), row.data(), n));
                        }
                        std::vector<float> out(size_t(tokens), -1.0f);
                        dotMany(w.data(), rows.data(), a.size(), n, tokens, out.data());
                        EXPECT_EQ(out, singles) << table.isa << " " << ggmlTypeName(type) << " " << tokens << " tokens at once";
                    }
                }
                if (const auto dotManyRows = table.dotManyRows[cpu_kernels::slot(type)]; dotManyRows && trial < 2) {
                    // Eight rows and a tile of tokens at once: each pair the one-token kernel's bits.
                    std::vector<uint8_t> rows = w;
                    for (int r = 1; r < cpu_kernels::kPackRows; ++r) {
                        const auto more = randomBlocks(type, n, unit, rng);
                        rows.insert(rows.end(), more.begin(), more.end());
                    }
                    for (int tokens : {1, 9, cpu_kernels::kMaxManyRowsTokens}) {
                        std::vector<uint8_t> acts;
                        for (int t = 0; t < tokens; ++t) {
                            const auto row = t == 0 ? a : referenceActivations(act, randomFloats(n, rng));
                            acts.insert(acts.end(), row.begin(), row.end());
                        }
                        std::vector<float> out(size_t(tokens) * cpu_kernels::kPackRows, -1.0f), expected(out.size());
                        for (int t = 0; t < tokens; ++t)
                            for (int r = 0; r < cpu_kernels::kPackRows; ++r)
                                expected[size_t(t * cpu_kernels::kPackRows + r)] =
                                    dot(rows.data() + size_t(r) * w.size(), acts.data() + size_t(t) * a.size(), n);
                        dotManyRows(rows.data(), w.size(), acts.data(), a.size(), n, tokens, out.data());
                        EXPECT_EQ(out, expected)
                            << table.isa << " " << ggmlTypeName(type) << " eight rows, " << tokens << " tokens at once";
                    }
                }
                // Every kernel sums in the reference's order (vec_dot.cpp's EightLanes): the same bits.
                EXPECT_EQ(got, want) << table.isa << " " << ggmlTypeName(type) << " n=" << n << " trial " << trial
                                     << (unit ? " (unit scales)" : "");
                ++checked;
            }
        }
    }
    if (std::string(table.isa) != "generic") {
        EXPECT_GT(checked, 0) << table.isa << " has no quantized kernels";
    }
}

TEST_P(Kernels, FloatDotsAreBitIdentical)
{
    const KernelTable& table = *GetParam();
    std::mt19937 rng(13);
    for (GgmlType type : {GgmlType::F32, GgmlType::F16, GgmlType::BF16}) {
        const auto dot = table.dot[cpu_kernels::slot(type)];
        if (!dot) continue;
        for (int64_t n : {1, 7, 8, 33, 100, 1003, 4096}) {
            for (int trial = 0; trial < 10; ++trial) {
                const auto wf = randomFloats(n, rng), af = randomFloats(n, rng);
                const auto w = referenceActivations(type, wf), a = referenceActivations(type, af);
                EXPECT_EQ(dot(w.data(), a.data(), n), vecDot(type, w.data(), a.data(), n))
                    << table.isa << " " << ggmlTypeName(type) << " n=" << n;
            }
        }
    }
}

TEST_P(Kernels, RepackedRowGroupsGiveEachRowsBits)
{
    // A group of rows repacked side by side, against 1 and 4 prepared tokens: every output the
    // reference's dot of that row and token, bit for bit (several scales, odd block counts).
    const KernelTable& table = *GetParam();
    std::mt19937 rng(17);
    int checked = 0;
    for (GgmlType type : kBlockTypes) {
        const auto s = cpu_kernels::slot(type);
        if (!table.repack[s]) continue;
        ASSERT_TRUE(table.packedDot1[s] && table.packedDot4[s]) << table.isa << " " << ggmlTypeName(type);
        const bool kQuant = isKQuant(type);
        const GgmlType actType = activationTypeFor(type);
        for (int64_t blocks : {1, 3, 28}) {
            if (kQuant && blocks > 5) continue;
            const int64_t n = (kQuant ? 256 : 32) * blocks;
            for (bool unit : {true, false}) {
                std::vector<uint8_t> rows;
                for (int r = 0; r < cpu_kernels::kPackRows; ++r) {
                    const auto row = randomBlocks(type, n, unit, rng);
                    rows.insert(rows.end(), row.begin(), row.end());
                }
                const size_t rowBytesOf = rows.size() / cpu_kernels::kPackRows;
                std::vector<uint8_t> packed(rows.size());
                table.repack[s](rows.data(), rowBytesOf, n, packed.data());
                std::vector<std::vector<uint8_t>> acts;
                std::vector<std::vector<float>> scales(4, std::vector<float>(size_t(blocks))), sums = scales;
                std::vector<std::vector<int32_t>> offsets(4, std::vector<int32_t>(size_t(4 * blocks)));
                std::vector<cpu_kernels::PreparedTokens> prepared;
                for (int t = 0; t < 4; ++t) {
                    // Q8_K's scale is a float: unit-scale activations add nothing there
                    acts.push_back(unit && !kQuant ? unitScaleActivations(actType, n, rng)
                                                   : referenceActivations(actType, randomFloats(n, rng)));
                    prepared.push_back(cpu_kernels::prepareToken(actType, acts.back().data(), blocks, table.packOffset[s],
                                                                 scales[size_t(t)].data(), offsets[size_t(t)].data(),
                                                                 sums[size_t(t)].data()));
                }
                constexpr int rowsInGroup = cpu_kernels::kPackRows;
                float four[4 * rowsInGroup], one[rowsInGroup];
                table.packedDot4[s](packed.data(), n, prepared.data(), four);
                for (int t = 0; t < 4; ++t) {
                    table.packedDot1[s](packed.data(), n, prepared.data() + t, one);
                    for (int r = 0; r < rowsInGroup; ++r) {
                        const float want = vecDot(type, rows.data() + size_t(r) * rowBytesOf, acts[size_t(t)].data(), n);
                        EXPECT_EQ(four[t * rowsInGroup + r], want)
                            << table.isa << " " << ggmlTypeName(type) << " n=" << n << " token " << t << " row " << r;
                        EXPECT_EQ(one[r], want) << table.isa << " " << ggmlTypeName(type) << " one token, n=" << n << " row " << r;
                        ++checked;
                    }
                }
                if (const auto pairDot4 = table.packedPairDot4[s]) {
                    // A second group packed right after the first: sixteen rows per call, each
                    // row's bits as above.
                    std::vector<uint8_t> otherRows;
                    for (int r = 0; r < rowsInGroup; ++r) {
                        const auto row = randomBlocks(type, n, unit, rng);
                        otherRows.insert(otherRows.end(), row.begin(), row.end());
                    }
                    std::vector<uint8_t> both(2 * packed.size());
                    std::copy(packed.begin(), packed.end(), both.begin());
                    table.repack[s](otherRows.data(), rowBytesOf, n, both.data() + packed.size());
                    float pair[4 * 2 * rowsInGroup];
                    pairDot4(both.data(), packed.size(), n, prepared.data(), pair);
                    for (int t = 0; t < 4; ++t)
                        for (int r = 0; r < 2 * rowsInGroup; ++r) {
                            const uint8_t* row = r < rowsInGroup ? rows.data() + size_t(r) * rowBytesOf
                                                                 : otherRows.data() + size_t(r - rowsInGroup) * rowBytesOf;
                            EXPECT_EQ(pair[t * 2 * rowsInGroup + r], vecDot(type, row, acts[size_t(t)].data(), n))
                                << table.isa << " " << ggmlTypeName(type) << " two groups, n=" << n << " token " << t << " row " << r;
                        }
                }
            }
        }
    }
    if (std::string(table.isa) != "generic") {
        EXPECT_GT(checked, 0) << table.isa << " repacks no type";
    }
}

TEST_P(Kernels, PackedGroupsGiveBackEveryRowsBytes)
{
    // The tied-embedding lookup reads rows back out of the packed groups: every byte of every
    // row, scales and mins of all 64 values included.
    const KernelTable& table = *GetParam();
    std::mt19937 rng(23);
    for (GgmlType type : kBlockTypes) {
        const auto s = cpu_kernels::slot(type);
        if (!table.repack[s]) continue;
        const int64_t n = (isKQuant(type) ? 256 : 32) * 3;
        std::vector<uint8_t> rows(rowBytes(type, n) * cpu_kernels::kPackRows);
        for (auto& b : rows) b = uint8_t(rng());
        const size_t rowBytesOf = rows.size() / cpu_kernels::kPackRows;
        std::vector<uint8_t> packed(rows.size()), row(rowBytesOf);
        table.repack[s](rows.data(), rowBytesOf, n, packed.data());
        for (int r = 0; r < cpu_kernels::kPackRows; ++r) {
            cpu_kernels::unpackPackedRow(type, packed.data(), r, n, row.data());
            EXPECT_TRUE(std::equal(row.begin(), row.end(), rows.begin() + std::ptrdiff_t(size_t(r) * rowBytesOf)))
                << table.isa << " " << ggmlTypeName(type) << " row " << r;
        }
    }
}

TEST_P(Kernels, AttentionStepsAreBitIdentical)
{
    const KernelTable& table = *GetParam();
    if (!table.attention.dot) GTEST_SKIP() << table.isa << " uses the reference attention steps";
    const AttentionKernels& reference = referenceAttentionKernels();
    std::mt19937 rng(19);
    for (int64_t n : {1, 7, 64, 80, 128, 131, 200}) {
        const auto a = randomFloats(n, rng), b = randomFloats(n, rng, 5.0f);
        EXPECT_EQ(table.attention.dot(a.data(), b.data(), n), reference.dot(a.data(), b.data(), n)) << table.isa << " n=" << n;
        std::vector<uint16_t> halves(static_cast<size_t>(n));
        for (auto& h : halves) h = floatToFp16(std::normal_distribution<float>(0, 3)(rng));
        std::vector<float> got(static_cast<size_t>(n)), want(static_cast<size_t>(n));
        table.attention.halvesToFloats(halves.data(), got.data(), n);
        reference.halvesToFloats(halves.data(), want.data(), n);
        EXPECT_EQ(got, want) << table.isa << " n=" << n;
        if (table.attention.halvesToFloatsRows) {  // three rows of n, n + 5 halves apart (a cache row past the head's)
            const int64_t stride = n + 5, rowCount = 3;
            std::vector<uint16_t> cacheRows(size_t(stride * rowCount));
            for (auto& h : cacheRows) h = floatToFp16(std::normal_distribution<float>(0, 3)(rng));
            std::vector<float> rowsGot(size_t(n * rowCount), -1.0f), rowsWant(rowsGot.size());
            table.attention.halvesToFloatsRows(cacheRows.data(), stride, rowsGot.data(), rowCount, n);
            for (int64_t r = 0; r < rowCount; ++r) reference.halvesToFloats(cacheRows.data() + r * stride, rowsWant.data() + r * n, n);
            EXPECT_EQ(rowsGot, rowsWant) << table.isa << " n=" << n << " rows";
        }
        for (bool half : {false, true}) {
            auto accGot = randomFloats(n, rng), accWant = accGot;
            table.attention.accumulate(accGot.data(), b.data(), 0.37f, n, half);
            reference.accumulate(accWant.data(), b.data(), 0.37f, n, half);
            table.attention.rescale(accGot.data(), 0.61f, n, half);
            reference.rescale(accWant.data(), 0.61f, n, half);
            EXPECT_EQ(accGot, accWant) << table.isa << " n=" << n << (half ? " F16" : " F32");
        }
        if (table.attention.dotRows && table.attention.accumulateRows) {  // a tile of slots: each slot's single step in turn
            const int count = 11;
            std::vector<std::vector<float>> slots;
            std::vector<const float*> rows;
            std::vector<float> weights;
            for (int j = 0; j < count; ++j) {
                slots.push_back(randomFloats(n, rng, 4.0f));
                weights.push_back(std::exp(randomFloats(1, rng)[0]));
            }
            for (const auto& slot : slots) rows.push_back(slot.data());
            std::vector<float> dots(count), wantDots(count);
            table.attention.dotRows(a.data(), rows.data(), count, n, dots.data());
            for (int j = 0; j < count; ++j) wantDots[size_t(j)] = reference.dot(a.data(), rows[size_t(j)], n);
            EXPECT_EQ(dots, wantDots) << table.isa << " n=" << n << " dotRows";
            ASSERT_TRUE(table.attention.dotQueriesRows) << table.isa;
            const auto second = randomFloats(n, rng), third = randomFloats(n, rng, 3.0f);
            const float* queries[3] = {a.data(), second.data(), third.data()};  // a pair and one left over
            std::vector<float> blockDots(3 * count), wantBlock(3 * count);
            table.attention.dotQueriesRows(queries, 3, rows.data(), count, n, blockDots.data());
            for (int q = 0; q < 3; ++q)
                for (int j = 0; j < count; ++j) wantBlock[size_t(q * count + j)] = reference.dot(queries[q], rows[size_t(j)], n);
            EXPECT_EQ(blockDots, wantBlock) << table.isa << " n=" << n << " dotQueriesRows";
            auto accGot = randomFloats(n, rng), accWant = accGot;
            table.attention.accumulateRows(accGot.data(), rows.data(), weights.data(), count, n);
            for (int j = 0; j < count; ++j) reference.accumulate(accWant.data(), rows[size_t(j)], weights[size_t(j)], n, false);
            EXPECT_EQ(accGot, accWant) << table.isa << " n=" << n << " accumulateRows";
            // The one-row path's: a rescale per slot (1 where the maximum held), in F16 and F32.
            ASSERT_TRUE(table.attention.scaleAccumulateRows) << table.isa;
            std::vector<float> rescales(count, 1.0f);
            rescales[0] = 0.25f, rescales[4] = 0.8f, rescales[5] = 0.999f;
            for (bool half : {false, true}) {
                auto start = randomFloats(n, rng);
                if (half) reference.rescale(start.data(), 1.0f, n, true);  // an F16 accumulator holds F16 values
                auto slotsGot = start, slotsWant = start;
                table.attention.scaleAccumulateRows(slotsGot.data(), rows.data(), rescales.data(), weights.data(), count, n, half);
                for (int j = 0; j < count; ++j) {  // the reference's loop rescales at every new maximum, even by 1
                    reference.rescale(slotsWant.data(), rescales[size_t(j)], n, half);
                    reference.accumulate(slotsWant.data(), rows[size_t(j)], weights[size_t(j)], n, half);
                }
                EXPECT_EQ(slotsGot, slotsWant) << table.isa << " n=" << n << " scaleAccumulateRows" << (half ? " F16" : " F32");
            }
            // Several heads over the same slots (Qwen2.5-0.5B's group of seven: four, a pair and one
            // left over in 512-bit registers), each its own rescales and weights: each head the
            // single-head kernel's bits.
            if (const auto heads = table.attention.scaleAccumulateRowsHeads) {
                for (bool half : {false, true}) {
                    std::vector<std::vector<float>> headsGot, headsWant;
                    std::vector<float> headRescales, headWeights;
                    constexpr int kHeads = 7;
                    for (int h = 0; h < kHeads; ++h) {
                        headsGot.push_back(randomFloats(n, rng));
                        if (half) reference.rescale(headsGot.back().data(), 1.0f, n, true);
                        headsWant.push_back(headsGot.back());
                        for (int j = 0; j < count; ++j) {
                            headRescales.push_back((j + h) % 3 == 0 ? 0.5f + 0.1f * float(h) : 1.0f);
                            headWeights.push_back(weights[size_t(j)] * (1.0f + 0.25f * float(h)));
                        }
                    }
                    float* accumulators[kHeads];
                    for (int h = 0; h < kHeads; ++h) accumulators[h] = headsGot[size_t(h)].data();
                    heads(accumulators, kHeads, rows.data(), headRescales.data(), headWeights.data(), count, n, half);
                    for (int h = 0; h < kHeads; ++h) {
                        table.attention.scaleAccumulateRows(headsWant[size_t(h)].data(), rows.data(), headRescales.data() + h * count,
                                                            headWeights.data() + h * count, count, n, half);
                        EXPECT_EQ(headsGot[size_t(h)], headsWant[size_t(h)])
                            << table.isa << " n=" << n << " scaleAccumulateRowsHeads, head " << h << (half ? " F16" : " F32");
                    }
                }
            }
        }
    }
}

TEST_P(Kernels, SoftmaxExponentialsAreBitIdentical)
{
    const KernelTable& table = *GetParam();
    if (!table.attention.expScores) GTEST_SKIP() << table.isa << " uses the reference's loop";
    const AttentionKernels& reference = referenceAttentionKernels();
    std::mt19937 rng(23);
    const float inf = std::numeric_limits<float>::infinity();
    // The edges: masked slots (-inf), the flush to 0 either side of -87, the clamp at 88, the
    // tile's maximum itself (0), and the smallest scale 2^-126.
    std::vector<float> scores {-inf, -87.0f, -86.99f, -87.01f, 0.0f, -0.0f, 1e-30f, -1e-30f, 90.0f, 88.5f, -120.0f, -86.5f, -0.34657f};
    for (int i = 0; i < 300; ++i) scores.push_back(std::uniform_real_distribution<float>(-30.0f, 0.0f)(rng));
    for (float max : {0.0f, 2.5f, -3.0f}) {
        for (int64_t count : {int64_t(1), int64_t(7), int64_t(8), int64_t(13), int64_t(64), int64_t(scores.size())}) {
            std::vector<float> got(scores.begin(), scores.begin() + count), want = got;
            const double gotSum = table.attention.expScores(got.data(), count, max);
            const double wantSum = attention_steps::expScores(reference, want.data(), count, max);
            for (int64_t j = 0; j < count; ++j)
                EXPECT_EQ(std::bit_cast<uint32_t>(got[size_t(j)]), std::bit_cast<uint32_t>(want[size_t(j)]))
                    << table.isa << " score " << scores[size_t(j)] << " - " << max;
            EXPECT_EQ(gotSum, wantSum) << table.isa << " count " << count;
        }
    }
    // Many tiles of values whose exponentials span 2^-125 .. 1, so that the sums round: the four
    // sums combined in another order, or a fused step in the polynomial, changes some results.
    for (int trial = 0; trial < 400; ++trial) {
        const int64_t count = std::uniform_int_distribution<int64_t>(1, 300)(rng);
        std::vector<float> got(static_cast<size_t>(count));
        for (auto& v : got) v = std::uniform_real_distribution<float>(-86.0f, 1.0f)(rng);
        auto want = got;
        const double gotSum = table.attention.expScores(got.data(), count, 1.0f);
        ASSERT_EQ(gotSum, attention_steps::expScores(reference, want.data(), count, 1.0f)) << table.isa << " trial " << trial;
        ASSERT_EQ(got, want) << table.isa << " trial " << trial;
    }
    std::vector<float> nans(9, std::numeric_limits<float>::quiet_NaN());  // a vector's worth and one more
    EXPECT_TRUE(std::isnan(table.attention.expScores(nans.data(), 9, 0.0f))) << table.isa;
    for (float v : nans) EXPECT_TRUE(std::isnan(v)) << table.isa;
}

TEST_P(Kernels, SlotMaximaAreTheLoopsBits)
{
    // The one-row path's running maximum: each slot's exponent and new-maximum flag, and the
    // maximum after the tile, as the reference's slot loop gives them.
    const KernelTable& table = *GetParam();
    if (!table.attention.slotExponents) GTEST_SKIP() << table.isa << " uses the reference's loop";
    AttentionParams p {};
    p.scale = 0.125f;
    const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
    std::mt19937 rng(31);
    std::vector<std::vector<float>> tiles;
    tiles.push_back({});  // random dots, 7 vectors and a tail
    for (int j = 0; j < 61; ++j) tiles.back().push_back(std::normal_distribution<float>(0, 8)(rng));
    tiles.push_back({});  // rising: every slot a new maximum
    for (int j = 0; j < 24; ++j) tiles.back().push_back(float(j) - 10.0f);
    tiles.push_back({0.0f, -0.0f, 0.0f, -0.0f, -0.0f, 0.0f, 3.0f, 3.0f, 3.0f, -0.0f, 0.0f, 2.0f, 3.0f, 3.0f, -1.0f, 3.0f});  // ties, +-0
    tiles.push_back({-inf, -inf, 1.0f, -inf, inf, 2.0f, inf, -inf, 5.0f});  // masked slots and infinities
    tiles.push_back({1.0f, 2.0f, nan, 4.0f, 0.5f, 9.0f, nan, 1.0f, 2.0f, 10.0f, 3.0f});  // NaNs (a broken model)
    for (float runningMax : {-inf, -0.0f, 0.0f, 0.3f, 100.0f}) {
        for (size_t t = 0; t < tiles.size(); ++t) {
            const int64_t count = int64_t(tiles[t].size());
            std::vector<float> got = tiles[t], want = tiles[t], gotFlags(tiles[t].size(), -1.0f), wantFlags = gotFlags;
            const float gotMax = table.attention.slotExponents(got.data(), gotFlags.data(), count, p.scale, runningMax);
            const float wantMax =
                attention_steps::slotExponents(referenceAttentionKernels(), p, want.data(), wantFlags.data(), count, runningMax);
            EXPECT_EQ(std::bit_cast<uint32_t>(gotMax), std::bit_cast<uint32_t>(wantMax)) << table.isa << " tile " << t;
            for (int64_t j = 0; j < count; ++j) {
                EXPECT_EQ(std::bit_cast<uint32_t>(got[size_t(j)]), std::bit_cast<uint32_t>(want[size_t(j)]))
                    << table.isa << " tile " << t << " slot " << j << " from maximum " << runningMax;
                EXPECT_EQ(gotFlags[size_t(j)], wantFlags[size_t(j)]) << table.isa << " tile " << t << " slot " << j;
            }
        }
    }
}

TEST_P(Kernels, SwigluIsBitIdentical)
{
    const KernelTable& table = *GetParam();
    if (!table.swiglu) GTEST_SKIP() << table.isa << " uses the reference's loop";
    std::mt19937 rng(29);
    const float inf = std::numeric_limits<float>::infinity();
    // The edges (the exp's flush below -87 and clamp above 88 are at gate = 87 and -88), then
    // gates from -100 to 100 with their up values.
    std::vector<float> gates {0.0f, -0.0f, 87.0f, 87.01f, 86.99f, -88.0f, -88.5f, -90.0f, 90.0f, inf, -inf, 1e-30f, -1e-30f};
    for (int i = 0; i < 5000; ++i) gates.push_back(std::uniform_real_distribution<float>(-100.0f, 100.0f)(rng));
    for (int64_t n : {int64_t(1), int64_t(7), int64_t(9), int64_t(gates.size())}) {
        const auto ups = randomFloats(n, rng, 3.0f);
        std::vector<float> got(static_cast<size_t>(n));
        table.swiglu(gates.data(), ups.data(), got.data(), n);
        for (int64_t i = 0; i < n; ++i) {
            const float want = swigluValue(gates[size_t(i)], ups[size_t(i)]);
            if (std::isnan(want)) {
                EXPECT_TRUE(std::isnan(got[size_t(i)])) << table.isa << " gate " << gates[size_t(i)];
            } else {
                EXPECT_EQ(std::bit_cast<uint32_t>(got[size_t(i)]), std::bit_cast<uint32_t>(want))
                    << table.isa << " gate " << gates[size_t(i)];
            }
        }
    }
}

TEST(AttentionSteps, SoftmaxExpIsWithinOneUlpOfTheLibrarysWhereItIsNotZero)
{
    // Floats from -87 to 0, a few dozen ulp apart, against the library's e^x.
    for (float x = -86.999f; x < 0.0f; x = std::nextafter(x, 0.0f) + std::abs(x) * 3e-6f) {
        const float got = portableExp(x), want = std::exp(x);
        const int ulps = std::abs(int(std::bit_cast<uint32_t>(got)) - int(std::bit_cast<uint32_t>(want)));
        ASSERT_LE(ulps, 1) << "e^" << x << ": " << got << " against " << want;
    }
    EXPECT_EQ(portableExp(0.0f), 1.0f);
    EXPECT_EQ(portableExp(-std::numeric_limits<float>::infinity()), 0.0f);
    EXPECT_EQ(portableExp(-87.5f), 0.0f);
    EXPECT_TRUE(std::isnan(portableExp(std::numeric_limits<float>::quiet_NaN())));
    EXPECT_TRUE(std::isfinite(portableExp(1000.0f)));
}

std::string isaName(const ::testing::TestParamInfo<const KernelTable*>& info)
{
    std::string name = info.param->isa;
    std::replace(name.begin(), name.end(), '-', '_');
    return name;
}

INSTANTIATE_TEST_SUITE_P(Runnable, Kernels, ::testing::ValuesIn(runnableKernelTables()), isaName);

TEST(KernelChoice, TheEnvironmentForcesATableOrExplains)
{
    const auto tables = runnableKernelTables();
    ASSERT_FALSE(tables.empty());
    EXPECT_STREQ(tables.back()->isa, "generic");
    for (const KernelTable* table : tables) {
        setenv("HEARTH_CPU_ISA", table->isa, 1);
        EXPECT_STREQ(chosenKernelTable().isa, table->isa);
    }
    setenv("HEARTH_CPU_ISA", "no-such-isa", 1);
    try {
        chosenKernelTable();
        ADD_FAILURE() << "an unknown instruction set was accepted";
    } catch (const std::exception& e) {
        EXPECT_NE(std::string(e.what()).find("generic"), std::string::npos) << e.what();
    }
    unsetenv("HEARTH_CPU_ISA");
    EXPECT_STREQ(chosenKernelTable().isa, tables.front()->isa);
    EXPECT_GE(physicalCoreCount(), 1u);
}

}  // namespace
