// The ARM64 kernels: NEON with the 8-bit dot-product instructions (ARMv8.2 dotprod: Apple M1,
// Graviton 2, Cortex-A76 and later). The 32-blocks, the K-quants and the IQ types get a quantized
// dot (one and four tokens, each block unpacked once for all four), the activations
// their conversion, and the float and attention steps their vector form (neon_float_steps.inc),
// each giving the reference's bits: integer sums are exact in any order, and every float is
// formed in the reference's order (this file is built with -ffp-contract=off). The 32-blocks also
// have row-interleaved kernels; the K-quants' interleaved layouts are x86's only (the K-quants use
// the one- and four-token dots here, as the grid IQ types do).
#include "backend/cpu/kernels/cpu_kernels.h"
#include "backend/cpu/kernels/packed_layout.h"

#if defined(__aarch64__) && defined(__ARM_FEATURE_DOTPROD)
#include "backend/cpu/portable_exp.h"
#include "quant/block_layouts.h"
#include "quant/fp16.h"
#include "quant/iq_grids.h"

#include <arm_neon.h>

#include <cmath>
#include <cstring>
#include <type_traits>

namespace hearth::cpu_kernels {

namespace {

using namespace blocks;

#define HEARTH_INLINE inline __attribute__((always_inline))

// ---- the 32-blocks --------------------------------------------------------------------------
// A block's 32 values as signed bytes (values 0..15, then 16..31) and its scale.
struct Values32 {
    int8x16_t low, high;
    float scale;
};

HEARTH_INLINE int8x16_t lowNibbles(uint8x16_t q) { return vreinterpretq_s8_u8(vandq_u8(q, vdupq_n_u8(0x0F))); }
HEARTH_INLINE int8x16_t highNibbles(uint8x16_t q) { return vreinterpretq_s8_u8(vshrq_n_u8(q, 4)); }

// Bit 4 set in byte j where bit j of `bits` (16 of them) is set: Q5's fifth bits.
HEARTH_INLINE uint8x16_t fifthBits(uint32_t bits)
{
    static const uint8_t kBit[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
    const uint8x16_t spread = vcombine_u8(vdup_n_u8(uint8_t(bits)), vdup_n_u8(uint8_t(bits >> 8)));
    return vandq_u8(vtstq_u8(spread, vld1q_u8(kBit)), vdupq_n_u8(0x10));
}

HEARTH_INLINE Values32 unpackQ4_0(const Q4_0& b)
{
    const uint8x16_t q = vld1q_u8(b.qs);
    return {vsubq_s8(lowNibbles(q), vdupq_n_s8(8)), vsubq_s8(highNibbles(q), vdupq_n_s8(8)), fp16ToFloat(b.d)};
}

HEARTH_INLINE uint8x16_t fifthBitsOf(const uint8_t* qh, bool high)
{
    uint32_t bits;
    std::memcpy(&bits, qh, 4);
    return fifthBits(high ? bits >> 16 : bits);
}

HEARTH_INLINE Values32 unpackQ5_0(const Q5_0& b)
{
    const uint8x16_t q = vld1q_u8(b.qs);
    const int8x16_t low = vreinterpretq_s8_u8(vorrq_u8(vandq_u8(q, vdupq_n_u8(0x0F)), fifthBitsOf(b.qh, false)));
    const int8x16_t high = vreinterpretq_s8_u8(vorrq_u8(vshrq_n_u8(q, 4), fifthBitsOf(b.qh, true)));
    return {vsubq_s8(low, vdupq_n_s8(16)), vsubq_s8(high, vdupq_n_s8(16)), fp16ToFloat(b.d)};
}

HEARTH_INLINE Values32 unpackQ8_0(const Q8_0& b) { return {vld1q_s8(b.qs), vld1q_s8(b.qs + 16), fp16ToFloat(b.d)}; }

HEARTH_INLINE Values32 unpackQ4_1(const Q4_1& b)
{
    const uint8x16_t q = vld1q_u8(b.qs);
    return {lowNibbles(q), highNibbles(q), fp16ToFloat(b.d)};
}

HEARTH_INLINE Values32 unpackQ5_1(const Q5_1& b)
{
    const uint8x16_t q = vld1q_u8(b.qs);
    return {vreinterpretq_s8_u8(vorrq_u8(vandq_u8(q, vdupq_n_u8(0x0F)), fifthBitsOf(b.qh, false))),
            vreinterpretq_s8_u8(vorrq_u8(vshrq_n_u8(q, 4), fifthBitsOf(b.qh, true))), fp16ToFloat(b.d)};
}

// The 16 levels of IQ4_NL / MXFP4 looked up by each value's nibble.
HEARTH_INLINE Values32 levels(const int8_t* table, const uint8_t* qs, float scale)
{
    const int8x16_t values = vld1q_s8(table);
    const uint8x16_t q = vld1q_u8(qs);
    return {vqtbl1q_s8(values, vandq_u8(q, vdupq_n_u8(0x0F))), vqtbl1q_s8(values, vshrq_n_u8(q, 4)), scale};
}
HEARTH_INLINE Values32 unpackIQ4_NL(const IQ4_NL& b) { return levels(iq::kIq4nlValues, b.qs, fp16ToFloat(b.d)); }
HEARTH_INLINE Values32 unpackMXFP4(const MXFP4& b) { return levels(iq::kMxfp4Values, b.qs, iq::e8m0Half(b.e)); }

// The integer dot of a block's values with 32 activations.
HEARTH_INLINE int32_t blockDot(const Values32& v, const int8_t* y)
{
    return vaddvq_s32(vdotq_s32(vdotq_s32(vdupq_n_s32(0), v.low, vld1q_s8(y)), v.high, vld1q_s8(y + 16)));
}

// Q4_0, Q5_0, Q8_0, IQ4_NL, MXFP4 against Q8_0: acc = fma(dx * dy, isum, acc) block after block.
template <typename Block, Values32 (*Unpack)(const Block&), int T>
void tokensSigned(const uint8_t* w, const uint8_t* a, size_t stride, int64_t n, float* out)
{
    const auto* x = reinterpret_cast<const Block*>(w);
    float acc[T] = {};
    for (int64_t i = 0; i < n / kQK32; ++i) {
        const Values32 v = Unpack(x[i]);
        for (int t = 0; t < T; ++t) {
            const auto& y = reinterpret_cast<const Q8_0*>(a + size_t(t) * stride)[i];
            acc[t] = std::fma(v.scale * fp16ToFloat(y.d), float(blockDot(v, y.qs)), acc[t]);
        }
    }
    for (int t = 0; t < T; ++t) out[t] = acc[t];
}

// Q4_1, Q5_1 against Q8_1: the same chain, and the mins m * s summed beside it.
template <typename Block, Values32 (*Unpack)(const Block&), int T>
void tokensWithMin(const uint8_t* w, const uint8_t* a, size_t stride, int64_t n, float* out)
{
    const auto* x = reinterpret_cast<const Block*>(w);
    float acc[T] = {}, mins[T] = {};
    for (int64_t i = 0; i < n / kQK32; ++i) {
        const Values32 v = Unpack(x[i]);
        const float m = fp16ToFloat(x[i].m);
        for (int t = 0; t < T; ++t) {
            const auto& y = reinterpret_cast<const Q8_1*>(a + size_t(t) * stride)[i];
            acc[t] = std::fma(v.scale * fp16ToFloat(y.d), float(blockDot(v, y.qs)), acc[t]);
            mins[t] += m * fp16ToFloat(y.s);
        }
    }
    for (int t = 0; t < T; ++t) out[t] = acc[t] + mins[t];
}

// ---- the 32-blocks' rows repacked in groups of eight (packed_rows.cpp's layout) --------------
// A 32-bit lane per row, four rows per vector: piece p (values 4p..4p+3 for p < 4, 16 + 4(p - 4)..
// after) of rows 0..3 in w[p][0], of rows 4..7 in w[p][1]; one 8-bit dot against the token's
// four values of that piece advances four rows. Then each row's chain acc = fma(dx * dy, isum, acc).
struct Packed32 {
    int8x16_t w[8][2];
    float32x4_t dx[2];
    float32x4_t mx[2];  // Q4_1, Q5_1: the rows' mins
};

HEARTH_INLINE void halfScales(const uint8_t* packed, Packed32& b)
{
    const auto* h = reinterpret_cast<const float16_t*>(packed);
    b.dx[0] = vcvt_f32_f16(vld1_f16(h));
    b.dx[1] = vcvt_f32_f16(vld1_f16(h + 4));
}

// Four nibble pieces at `pieces`, each value looked up in `table` (null: the nibble minus `offset`).
HEARTH_INLINE void nibblePieces(const uint8_t* pieces, const int8_t* table, int8_t offset, Packed32& b)
{
    for (int k = 0; k < 4; ++k)
        for (int h = 0; h < 2; ++h) {
            const uint8x16_t q = vld1q_u8(pieces + 32 * k + 16 * h);
            if (table) {
                const int8x16_t values = vld1q_s8(table);
                b.w[k][h] = vqtbl1q_s8(values, vandq_u8(q, vdupq_n_u8(0x0F)));
                b.w[4 + k][h] = vqtbl1q_s8(values, vshrq_n_u8(q, 4));
            } else {
                b.w[k][h] = vsubq_s8(lowNibbles(q), vdupq_n_s8(offset));
                b.w[4 + k][h] = vsubq_s8(highNibbles(q), vdupq_n_s8(offset));
            }
        }
}

HEARTH_INLINE void packedBlockQ4_0(const uint8_t* packed, Packed32& b)
{
    halfScales(packed, b);
    nibblePieces(packed + 2 * kPackRows, nullptr, 8, b);
}

// Q4_1 and Q5_1: the eight F16 mins after the scales; the weights are the unsigned q themselves.
HEARTH_INLINE void halfScalesAndMins(const uint8_t* packed, Packed32& b)
{
    halfScales(packed, b);
    const auto* h = reinterpret_cast<const float16_t*>(packed + 2 * kPackRows);
    b.mx[0] = vcvt_f32_f16(vld1_f16(h));
    b.mx[1] = vcvt_f32_f16(vld1_f16(h + 4));
}

HEARTH_INLINE void packedBlockQ4_1(const uint8_t* packed, Packed32& b)
{
    halfScalesAndMins(packed, b);
    nibblePieces(packed + kPackedHeadBytes<Q4_1>, nullptr, 0, b);
}

HEARTH_INLINE void packedBlockIQ4_NL(const uint8_t* packed, Packed32& b)
{
    halfScales(packed, b);
    nibblePieces(packed + 2 * kPackRows, iq::kIq4nlValues, 0, b);
}

HEARTH_INLINE void packedBlockMXFP4(const uint8_t* packed, Packed32& b)
{
    float scales[kPackRows];
    for (int r = 0; r < kPackRows; ++r) scales[r] = iq::e8m0Half(packed[r]);
    b.dx[0] = vld1q_f32(scales);
    b.dx[1] = vld1q_f32(scales + 4);
    nibblePieces(packed + kPackRows, iq::kMxfp4Values, 0, b);
}

HEARTH_INLINE void packedBlockQ8_0(const uint8_t* packed, Packed32& b)
{
    halfScales(packed, b);
    for (int p = 0; p < 8; ++p)
        for (int h = 0; h < 2; ++h) b.w[p][h] = vld1q_s8(reinterpret_cast<const int8_t*>(packed + 2 * kPackRows + 32 * p + 16 * h));
}

// Q5_0: piece 0 holds each row's 32 fifth bits; bits 4k..4k+3 of a lane spread to bit 4 of its
// four bytes (x + x<<7 + x<<14 + x<<21 never carries), then the nibbles' four pieces.
HEARTH_INLINE uint8x16_t spreadFifthBits(uint32x4_t bits, int shift)
{
    const uint32x4_t four = vandq_u32(vshlq_u32(bits, vdupq_n_s32(-shift)), vdupq_n_u32(0xF));
    return vreinterpretq_u8_u32(vshlq_n_u32(vandq_u32(vmulq_n_u32(four, 0x00204081), vdupq_n_u32(0x01010101)), 4));
}

// The fifth bits' piece and the nibbles' four at `pieces`, each value q minus `offset`.
HEARTH_INLINE void fiveBitPieces(const uint8_t* pieces, int8_t offset, Packed32& b)
{
    for (int h = 0; h < 2; ++h) {
        const uint32x4_t fifth = vld1q_u32(reinterpret_cast<const uint32_t*>(pieces + 16 * h));
        for (int k = 0; k < 4; ++k) {
            const uint8x16_t q = vld1q_u8(pieces + 32 * (k + 1) + 16 * h);
            b.w[k][h] =
                vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(vandq_u8(q, vdupq_n_u8(0x0F)), spreadFifthBits(fifth, 4 * k))), vdupq_n_s8(offset));
            b.w[4 + k][h] =
                vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(vshrq_n_u8(q, 4), spreadFifthBits(fifth, 16 + 4 * k))), vdupq_n_s8(offset));
        }
    }
}

HEARTH_INLINE void packedBlockQ5_0(const uint8_t* packed, Packed32& b)
{
    halfScales(packed, b);
    fiveBitPieces(packed + 2 * kPackRows, 16, b);
}

HEARTH_INLINE void packedBlockQ5_1(const uint8_t* packed, Packed32& b)
{
    halfScalesAndMins(packed, b);
    fiveBitPieces(packed + kPackedHeadBytes<Q5_1>, 0, b);
}

// One packed group against T tokens; Q4_1 and Q5_1 against Q8_1, each token's sum of min x s in
// its own chain, added at the end, as the reference's.
template <typename Block, void (*Unpack)(const uint8_t*, Packed32&), int T>
void packed32(const uint8_t* packed, int64_t cols, const PreparedTokens* tokens, float* out)
{
    constexpr size_t groupBytes = kPackRows * sizeof(Block);
    float32x4_t acc[T][2], mins[T][2];
    for (int t = 0; t < T; ++t) acc[t][0] = acc[t][1] = mins[t][0] = mins[t][1] = vdupq_n_f32(0);
    Packed32 b;
    for (int64_t i = 0; i < cols / kQK32; ++i, packed += groupBytes) {
        Unpack(packed, b);
        for (int t = 0; t < T; ++t) {
            const auto& y = reinterpret_cast<const PackedActivations<Block>*>(tokens[t].blocks)[i];
            const int8x16_t y0 = vld1q_s8(y.qs), y1 = vld1q_s8(y.qs + 16);
            for (int h = 0; h < 2; ++h) {
                int32x4_t sum = vdotq_laneq_s32(vdupq_n_s32(0), b.w[0][h], y0, 0);
                sum = vdotq_laneq_s32(sum, b.w[1][h], y0, 1);
                sum = vdotq_laneq_s32(sum, b.w[2][h], y0, 2);
                sum = vdotq_laneq_s32(sum, b.w[3][h], y0, 3);
                sum = vdotq_laneq_s32(sum, b.w[4][h], y1, 0);
                sum = vdotq_laneq_s32(sum, b.w[5][h], y1, 1);
                sum = vdotq_laneq_s32(sum, b.w[6][h], y1, 2);
                sum = vdotq_laneq_s32(sum, b.w[7][h], y1, 3);
                acc[t][h] = vfmaq_f32(acc[t][h], vmulq_n_f32(b.dx[h], tokens[t].scales[i]), vcvtq_f32_s32(sum));
                if constexpr (kPackedWithMin<Block>) mins[t][h] = vaddq_f32(mins[t][h], vmulq_n_f32(b.mx[h], tokens[t].sums[i]));
            }
        }
    }
    for (int t = 0; t < T; ++t)
        for (int h = 0; h < 2; ++h)
            vst1q_f32(out + t * kPackRows + 4 * h, kPackedWithMin<Block> ? vaddq_f32(acc[t][h], mins[t][h]) : acc[t][h]);
}

// ---- the K-quants and IQ4_XS ----------------------------------------------------------------
// A super-block's 256 values as sixteen vectors of 16 (group g: values 16g..16g+15), with the
// reference's per-group scales and mins (KBlockInts's): isum = sum_g scale_g * (q_g . y_g),
// mins = sum_g min_g * bsums_g, then the reference's float.
struct KValues {
    int8x16_t q[16];
    int16_t scale[16];
    int16_t min[16];
    float d, dmin;
};

HEARTH_INLINE void scalesAndMins(const uint8_t* packed, KValues& b)
{
    for (int j = 0; j < 8; ++j) {
        uint8_t scale, min;
        kScaleMin(j, packed, scale, min);
        b.scale[2 * j] = b.scale[2 * j + 1] = scale;
        b.min[2 * j] = b.min[2 * j + 1] = min;
    }
}

HEARTH_INLINE void unpackQ2_K(const Q2_K& x, KValues& b)
{
    b.d = fp16ToFloat(x.d);
    b.dmin = fp16ToFloat(x.dmin);
    for (int g = 0; g < 16; ++g) {
        b.scale[g] = int16_t(x.scales[g] & 0xF);
        b.min[g] = int16_t(x.scales[g] >> 4);
    }
    const uint8x16_t three = vdupq_n_u8(3);
    for (int half = 0; half < 2; ++half) {  // group 8 half + 2j + l/16: bits 2j of byte 32 half + l
        const uint8x16_t q0 = vld1q_u8(x.qs + 32 * half), q1 = vld1q_u8(x.qs + 32 * half + 16);
        b.q[8 * half + 0] = vreinterpretq_s8_u8(vandq_u8(q0, three));
        b.q[8 * half + 1] = vreinterpretq_s8_u8(vandq_u8(q1, three));
        b.q[8 * half + 2] = vreinterpretq_s8_u8(vandq_u8(vshrq_n_u8(q0, 2), three));
        b.q[8 * half + 3] = vreinterpretq_s8_u8(vandq_u8(vshrq_n_u8(q1, 2), three));
        b.q[8 * half + 4] = vreinterpretq_s8_u8(vandq_u8(vshrq_n_u8(q0, 4), three));
        b.q[8 * half + 5] = vreinterpretq_s8_u8(vandq_u8(vshrq_n_u8(q1, 4), three));
        b.q[8 * half + 6] = vreinterpretq_s8_u8(vshrq_n_u8(q0, 6));
        b.q[8 * half + 7] = vreinterpretq_s8_u8(vshrq_n_u8(q1, 6));
    }
}

HEARTH_INLINE void unpackQ3_K(const Q3_K& x, KValues& b)
{
    b.d = fp16ToFloat(x.d);
    b.dmin = 0;
    for (int g = 0; g < 16; ++g) {
        b.scale[g] = int16_t(q3kScale(x.scales, g));
        b.min[g] = 0;
    }
    const uint8x16_t three = vdupq_n_u8(3), h0 = vld1q_u8(x.hmask), h1 = vld1q_u8(x.hmask + 16);
    for (int half = 0; half < 2; ++half) {
        const uint8x16_t q0 = vld1q_u8(x.qs + 32 * half), q1 = vld1q_u8(x.qs + 32 * half + 16);
        for (int j = 0; j < 4; ++j) {  // low - 4 where the high bit is clear
            const uint8x16_t bit = vdupq_n_u8(uint8_t(1u << (4 * half + j)));
            const int8x16_t shift = vdupq_n_s8(int8_t(-2 * j));
            const int8x16_t low0 = vreinterpretq_s8_u8(vandq_u8(vshlq_u8(q0, shift), three));
            const int8x16_t low1 = vreinterpretq_s8_u8(vandq_u8(vshlq_u8(q1, shift), three));
            b.q[8 * half + 2 * j] = vsubq_s8(low0, vreinterpretq_s8_u8(vbicq_u8(vdupq_n_u8(4), vtstq_u8(h0, bit))));
            b.q[8 * half + 2 * j + 1] = vsubq_s8(low1, vreinterpretq_s8_u8(vbicq_u8(vdupq_n_u8(4), vtstq_u8(h1, bit))));
        }
    }
}

HEARTH_INLINE void unpackQ4_K(const Q4_K& x, KValues& b)
{
    b.d = fp16ToFloat(x.d);
    b.dmin = fp16ToFloat(x.dmin);
    scalesAndMins(x.scales, b);
    for (int chunk = 0; chunk < 4; ++chunk) {  // 64 values: low nibbles, then high nibbles of 32 bytes
        const uint8x16_t q0 = vld1q_u8(x.qs + 32 * chunk), q1 = vld1q_u8(x.qs + 32 * chunk + 16);
        b.q[4 * chunk + 0] = lowNibbles(q0);
        b.q[4 * chunk + 1] = lowNibbles(q1);
        b.q[4 * chunk + 2] = highNibbles(q0);
        b.q[4 * chunk + 3] = highNibbles(q1);
    }
}

HEARTH_INLINE void unpackQ5_K(const Q5_K& x, KValues& b)
{
    b.d = fp16ToFloat(x.d);
    b.dmin = fp16ToFloat(x.dmin);
    scalesAndMins(x.scales, b);
    const uint8x16_t h0 = vld1q_u8(x.qh), h1 = vld1q_u8(x.qh + 16), sixteen = vdupq_n_u8(16);
    for (int chunk = 0; chunk < 4; ++chunk) {
        const uint8x16_t q0 = vld1q_u8(x.qs + 32 * chunk), q1 = vld1q_u8(x.qs + 32 * chunk + 16);
        const uint8x16_t lowBit = vdupq_n_u8(uint8_t(1u << (2 * chunk))), highBit = vdupq_n_u8(uint8_t(2u << (2 * chunk)));
        auto with = [&](int8x16_t nibbles, uint8x16_t h, uint8x16_t bit) {
            return vreinterpretq_s8_u8(vorrq_u8(vreinterpretq_u8_s8(nibbles), vandq_u8(vtstq_u8(h, bit), sixteen)));
        };
        b.q[4 * chunk + 0] = with(lowNibbles(q0), h0, lowBit);
        b.q[4 * chunk + 1] = with(lowNibbles(q1), h1, lowBit);
        b.q[4 * chunk + 2] = with(highNibbles(q0), h0, highBit);
        b.q[4 * chunk + 3] = with(highNibbles(q1), h1, highBit);
    }
}

HEARTH_INLINE void unpackQ6_K(const Q6_K& x, KValues& b)
{
    b.d = fp16ToFloat(x.d);
    b.dmin = 0;
    for (int g = 0; g < 16; ++g) {
        b.scale[g] = x.scales[g];
        b.min[g] = 0;
    }
    const uint8x16_t nibble = vdupq_n_u8(0x0F), two = vdupq_n_u8(0x30);
    const int8x16_t offset = vdupq_n_s8(32);
    auto value = [&](uint8x16_t low4, uint8x16_t high2) {  // (low | high << 4) - 32, high2 already at bits 4..5
        return vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(low4, vandq_u8(high2, two))), offset);
    };
    for (int half = 0; half < 2; ++half) {
        const uint8_t* ql = x.ql + 64 * half;
        const uint8_t* qh = x.qh + 32 * half;
        const uint8x16_t l0 = vld1q_u8(ql), l1 = vld1q_u8(ql + 16), l2 = vld1q_u8(ql + 32), l3 = vld1q_u8(ql + 48);
        const uint8x16_t h0 = vld1q_u8(qh), h1 = vld1q_u8(qh + 16);
        int8x16_t* q = b.q + 8 * half;
        q[0] = value(vandq_u8(l0, nibble), vshlq_n_u8(h0, 4));
        q[1] = value(vandq_u8(l1, nibble), vshlq_n_u8(h1, 4));
        q[2] = value(vandq_u8(l2, nibble), vshlq_n_u8(h0, 2));
        q[3] = value(vandq_u8(l3, nibble), vshlq_n_u8(h1, 2));
        q[4] = value(vshrq_n_u8(l0, 4), h0);
        q[5] = value(vshrq_n_u8(l1, 4), h1);
        q[6] = value(vshrq_n_u8(l2, 4), vshrq_n_u8(h0, 2));
        q[7] = value(vshrq_n_u8(l3, 4), vshrq_n_u8(h1, 2));
    }
}

// sum_g scale_g * (q_g . y_g): four groups' dots paired down to one vector, times their scales.
HEARTH_INLINE int32_t scaledGroupDots(const KValues& b, const int8_t* y)
{
    int32x4_t sum = vdupq_n_s32(0);
    for (int c = 0; c < 4; ++c) {
        int32x4_t d[4];
        for (int k = 0; k < 4; ++k) d[k] = vdotq_s32(vdupq_n_s32(0), b.q[4 * c + k], vld1q_s8(y + 16 * (4 * c + k)));
        const int32x4_t groups = vpaddq_s32(vpaddq_s32(d[0], d[1]), vpaddq_s32(d[2], d[3]));
        sum = vmlaq_s32(sum, groups, vmovl_s16(vld1_s16(b.scale + 4 * c)));
    }
    return vaddvq_s32(sum);
}

HEARTH_INLINE int32_t minsDot(const KValues& b, const int16_t* bsums)
{
    const int32x4_t low = vmull_s16(vld1_s16(b.min), vld1_s16(bsums));
    const int32x4_t sum =
        vmlal_s16(vmlal_s16(vmlal_s16(low, vld1_s16(b.min + 4), vld1_s16(bsums + 4)), vld1_s16(b.min + 8), vld1_s16(bsums + 8)),
                  vld1_s16(b.min + 12), vld1_s16(bsums + 12));
    return vaddvq_s32(sum);
}

template <typename Block, void (*Unpack)(const Block&, KValues&), int T>
void tokensK(const uint8_t* w, const uint8_t* a, size_t stride, int64_t n, float* out)
{
    const auto* x = reinterpret_cast<const Block*>(w);
    float sum[T] = {};
    KValues b;
    for (int64_t i = 0; i < n / kQKK; ++i) {
        Unpack(x[i], b);
        for (int t = 0; t < T; ++t) {
            const auto& y = reinterpret_cast<const Q8_K*>(a + size_t(t) * stride)[i];
            const int32_t isum = scaledGroupDots(b, y.qs), mins = minsDot(b, y.bsums);
            sum[t] += b.d * y.d * float(isum) - b.dmin * y.d * float(mins);
        }
    }
    for (int t = 0; t < T; ++t) out[t] = sum[t];
}

// IQ4_XS: each 32 values' levels dotted, times the sub-block's scale, the super-block's integers
// summed, then fp16(d) * y.d * isum.
template <int T>
void tokensIQ4_XS(const uint8_t* w, const uint8_t* a, size_t stride, int64_t n, float* out)
{
    const auto* x = reinterpret_cast<const IQ4_XS*>(w);
    float sum[T] = {};
    for (int64_t i = 0; i < n / kQKK; ++i) {
        Values32 v[8];
        int32_t scales[8];
        for (int ib = 0; ib < 8; ++ib) {
            v[ib] = levels(iq::kIq4nlValues, x[i].qs + 16 * ib, 0);
            scales[ib] = iq4xsScale(x[i], ib);
        }
        const float d = fp16ToFloat(x[i].d);
        for (int t = 0; t < T; ++t) {
            const auto& y = reinterpret_cast<const Q8_K*>(a + size_t(t) * stride)[i];
            int32_t isum = 0;
            for (int ib = 0; ib < 8; ++ib) isum += scales[ib] * blockDot(v[ib], y.qs + 32 * ib);
            sum[t] += d * y.d * float(isum);
        }
    }
    for (int t = 0; t < T; ++t) out[t] = sum[t];
}

// The grid IQ types (IQ1_S, IQ1_M, IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S): decodeIqGrid's units
// (the layouts shared with the reference and the x86 kernels) made signed bytes, IQ2/IQ3's
// magnitudes negated where their sign bits say, IQ1's 8g + delta; each 16 values' dot times its
// odd scale, the super-block's integer summed, then d * y.d * isum (the reference's bits).
#include "quant/iq_grid_decode.inc"

template <GgmlType Type>
HEARTH_INLINE void gridUnitValues(const uint64_t* g, uint32_t signs4, int8x16_t v[2])
{
    for (int k = 0; k < 2; ++k) {  // values 16k..16k+15: groups 2k and 2k + 1
        const uint8x16_t grid = vcombine_u8(vcreate_u8(g[2 * k]), vcreate_u8(g[2 * k + 1]));
        const uint8x16_t groupByte = vcombine_u8(vdup_n_u8(uint8_t(signs4 >> (16 * k))), vdup_n_u8(uint8_t(signs4 >> (16 * k + 8))));
        if constexpr (kIsIq1Grid<Type>) {  // 8g - 1 where the group's byte is 1, else 8g + 1
            const int8x16_t delta = vreinterpretq_s8_u8(vorrq_u8(vceqq_u8(groupByte, vdupq_n_u8(1)), vdupq_n_u8(1)));
            v[k] = vaddq_s8(vshlq_n_s8(vreinterpretq_s8_u8(grid), 3), delta);
        } else {  // (m ^ n) - n negates m where n is all ones: bit j of the group's byte negates value j
            const uint8x16_t negative = vtstq_u8(groupByte, vreinterpretq_u8_u64(vdupq_n_u64(0x8040201008040201ull)));
            v[k] = vsubq_s8(vreinterpretq_s8_u8(veorq_u8(grid, negative)), vreinterpretq_s8_u8(negative));
        }
    }
}

template <GgmlType Type, int T>
void tokensIqGrid(const uint8_t* w, const uint8_t* a, size_t stride, int64_t n, float* out)
{
    constexpr size_t blockBytes = ggmlTypeTraits(Type).blockBytes;
    float sum[T] = {};
    int16_t scale[16];
    for (int64_t i = 0; i < n / kQKK; ++i, w += blockBytes) {
        const Q8_K* y[T];
        int32x4_t acc[T];
        for (int t = 0; t < T; ++t) {
            y[t] = reinterpret_cast<const Q8_K*>(a + size_t(t) * stride) + i;
            acc[t] = vdupq_n_s32(0);
        }
        const float d = decodeIqGrid<Type>(w, scale, [&](int ib, const uint64_t* g, uint32_t signs4) {
            int8x16_t v[2];
            gridUnitValues<Type>(g, signs4, v);
            for (int t = 0; t < T; ++t) {
                const int8_t* q = y[t]->qs + 32 * ib;
                acc[t] = vmlaq_n_s32(acc[t], vdotq_s32(vdupq_n_s32(0), v[0], vld1q_s8(q)), scale[2 * ib]);
                acc[t] = vmlaq_n_s32(acc[t], vdotq_s32(vdupq_n_s32(0), v[1], vld1q_s8(q + 16)), scale[2 * ib + 1]);
            }
        });
        for (int t = 0; t < T; ++t) sum[t] += d * y[t]->d * float(vaddvq_s32(acc[t]));
    }
    for (int t = 0; t < T; ++t) out[t] = sum[t];
}

// The single-token form of a T-token kernel.
template <void (*Tokens)(const uint8_t*, const uint8_t*, size_t, int64_t, float*)>
float single(const uint8_t* w, const uint8_t* a, int64_t n)
{
    float out;
    Tokens(w, a, 0, n, &out);
    return out;
}

// ---- activations, bit-identical to quantizeActivations ----------------------------------------

// Four floats times `scale`, rounded half to even (as std::nearbyint) into 32-bit integers.
HEARTH_INLINE int32x4_t roundScaled(float32x4_t v, float scale) { return vcvtnq_s32_f32(vmulq_n_f32(v, scale)); }

// Sixteen 32-bit integers (each within int8) as sixteen bytes in order.
HEARTH_INLINE int8x16_t narrowBytes(const int32x4_t q[4])
{
    const int16x8_t low = vcombine_s16(vmovn_s32(q[0]), vmovn_s32(q[1])), high = vcombine_s16(vmovn_s32(q[2]), vmovn_s32(q[3]));
    return vcombine_s8(vmovn_s16(low), vmovn_s16(high));
}

// The largest |x| of n (a multiple of 4) floats: max of magnitudes, exact in any order.
float maxAbs(const float* x, int n)
{
    float32x4_t m = vabsq_f32(vld1q_f32(x));
    for (int k = 4; k < n; k += 4) m = vmaxnmq_f32(m, vabsq_f32(vld1q_f32(x + k)));
    return vmaxnmvq_f32(m);
}

template <bool WithSum>
void quantizeQ8_32(const float* x, int64_t n, uint8_t* out)
{
    for (int64_t i = 0; i < n / kQK32; ++i, x += kQK32) {
        const float amax = maxAbs(x, kQK32);
        const float d = amax / 127.0f, id = amax != 0 ? 127.0f / amax : 0.0f;
        int32x4_t q[8];
        for (int k = 0; k < 8; ++k) q[k] = roundScaled(vld1q_f32(x + 4 * k), id);
        const int8x16_t low = narrowBytes(q), high = narrowBytes(q + 4);
        if constexpr (WithSum) {
            auto* y = reinterpret_cast<Q8_1*>(out) + i;
            int32x4_t total = q[0];
            for (int k = 1; k < 8; ++k) total = vaddq_s32(total, q[k]);
            y->d = floatToFp16(d);
            y->s = floatToFp16(float(vaddvq_s32(total)) * d);
            vst1q_s8(y->qs, low);
            vst1q_s8(y->qs + 16, high);
        } else {
            auto* y = reinterpret_cast<Q8_0*>(out) + i;
            y->d = floatToFp16(d);
            vst1q_s8(y->qs, low);
            vst1q_s8(y->qs + 16, high);
        }
    }
}

void quantizeQ8_0(const float* x, int64_t n, uint8_t* out) { quantizeQ8_32<false>(x, n, out); }
void quantizeQ8_1(const float* x, int64_t n, uint8_t* out) { quantizeQ8_32<true>(x, n, out); }

void quantizeQ8_K(const float* x, int64_t n, uint8_t* out)
{
    auto* y = reinterpret_cast<Q8_K*>(out);
    for (int64_t i = 0; i < n / kQKK; ++i, x += kQKK) {
        const float amax = maxAbs(x, kQKK);
        if (amax == 0) {
            std::memset(&y[i], 0, sizeof(Q8_K));
            continue;
        }
        int first = 0;  // the first value of largest magnitude sets the sign, as the reference's scan
        while (first + 1 < kQKK && std::fabs(x[first]) != amax) ++first;
        const float iscale = -127.0f / x[first];
        const int32x4_t top = vdupq_n_s32(127);
        for (int g = 0; g < 16; ++g) {
            int32x4_t q[4];
            for (int k = 0; k < 4; ++k) q[k] = vminq_s32(roundScaled(vld1q_f32(x + 16 * g + 4 * k), iscale), top);
            vst1q_s8(y[i].qs + 16 * g, narrowBytes(q));
            y[i].bsums[g] = int16_t(vaddvq_s32(vaddq_s32(vaddq_s32(q[0], q[1]), vaddq_s32(q[2], q[3]))));
        }
        y[i].d = 1.0f / iscale;
    }
}

#include "backend/cpu/kernels/neon_float_steps.inc"

// A type's one- and four-token kernels from its T-token template.
template <void (*One)(const uint8_t*, const uint8_t*, size_t, int64_t, float*),
          void (*Four)(const uint8_t*, const uint8_t*, size_t, int64_t, float*)>
void addDots(KernelTable& t, GgmlType type)
{
    t.dot[slot(type)] = single<One>;
    t.dot4[slot(type)] = Four;
}

// A 32-block type's row-interleaved kernels (signed weights or unsigned q with a min: packOffset stays 0).
template <typename Block, void (*Unpack)(const uint8_t*, Packed32&)>
void addPacked(KernelTable& t, GgmlType type, RepackFn repack)
{
    t.repack[slot(type)] = repack;
    t.packedDot1[slot(type)] = packed32<Block, Unpack, 1>;
    t.packedDot4[slot(type)] = packed32<Block, Unpack, 4>;
}

KernelTable makeTable()
{
    KernelTable t;
    t.isa = "neon-dotprod";
    addDots<tokensSigned<Q4_0, unpackQ4_0, 1>, tokensSigned<Q4_0, unpackQ4_0, 4>>(t, GgmlType::Q4_0);
    addDots<tokensSigned<Q5_0, unpackQ5_0, 1>, tokensSigned<Q5_0, unpackQ5_0, 4>>(t, GgmlType::Q5_0);
    addDots<tokensSigned<Q8_0, unpackQ8_0, 1>, tokensSigned<Q8_0, unpackQ8_0, 4>>(t, GgmlType::Q8_0);
    addDots<tokensSigned<IQ4_NL, unpackIQ4_NL, 1>, tokensSigned<IQ4_NL, unpackIQ4_NL, 4>>(t, GgmlType::IQ4_NL);
    addDots<tokensSigned<MXFP4, unpackMXFP4, 1>, tokensSigned<MXFP4, unpackMXFP4, 4>>(t, GgmlType::MXFP4);
    addDots<tokensWithMin<Q4_1, unpackQ4_1, 1>, tokensWithMin<Q4_1, unpackQ4_1, 4>>(t, GgmlType::Q4_1);
    addDots<tokensWithMin<Q5_1, unpackQ5_1, 1>, tokensWithMin<Q5_1, unpackQ5_1, 4>>(t, GgmlType::Q5_1);
    addDots<tokensK<Q2_K, unpackQ2_K, 1>, tokensK<Q2_K, unpackQ2_K, 4>>(t, GgmlType::Q2_K);
    addDots<tokensK<Q3_K, unpackQ3_K, 1>, tokensK<Q3_K, unpackQ3_K, 4>>(t, GgmlType::Q3_K);
    addDots<tokensK<Q4_K, unpackQ4_K, 1>, tokensK<Q4_K, unpackQ4_K, 4>>(t, GgmlType::Q4_K);
    addDots<tokensK<Q5_K, unpackQ5_K, 1>, tokensK<Q5_K, unpackQ5_K, 4>>(t, GgmlType::Q5_K);
    addDots<tokensK<Q6_K, unpackQ6_K, 1>, tokensK<Q6_K, unpackQ6_K, 4>>(t, GgmlType::Q6_K);
    addDots<tokensIQ4_XS<1>, tokensIQ4_XS<4>>(t, GgmlType::IQ4_XS);
    addDots<tokensIqGrid<GgmlType::IQ1_S, 1>, tokensIqGrid<GgmlType::IQ1_S, 4>>(t, GgmlType::IQ1_S);
    addDots<tokensIqGrid<GgmlType::IQ1_M, 1>, tokensIqGrid<GgmlType::IQ1_M, 4>>(t, GgmlType::IQ1_M);
    addDots<tokensIqGrid<GgmlType::IQ2_XXS, 1>, tokensIqGrid<GgmlType::IQ2_XXS, 4>>(t, GgmlType::IQ2_XXS);
    addDots<tokensIqGrid<GgmlType::IQ2_XS, 1>, tokensIqGrid<GgmlType::IQ2_XS, 4>>(t, GgmlType::IQ2_XS);
    addDots<tokensIqGrid<GgmlType::IQ2_S, 1>, tokensIqGrid<GgmlType::IQ2_S, 4>>(t, GgmlType::IQ2_S);
    addDots<tokensIqGrid<GgmlType::IQ3_XXS, 1>, tokensIqGrid<GgmlType::IQ3_XXS, 4>>(t, GgmlType::IQ3_XXS);
    addDots<tokensIqGrid<GgmlType::IQ3_S, 1>, tokensIqGrid<GgmlType::IQ3_S, 4>>(t, GgmlType::IQ3_S);
    addPacked<Q4_0, packedBlockQ4_0>(t, GgmlType::Q4_0, repackQ4_0);
    addPacked<Q5_0, packedBlockQ5_0>(t, GgmlType::Q5_0, repackQ5_0);
    addPacked<Q4_1, packedBlockQ4_1>(t, GgmlType::Q4_1, repackQ4_1);
    addPacked<Q5_1, packedBlockQ5_1>(t, GgmlType::Q5_1, repackQ5_1);
    addPacked<Q8_0, packedBlockQ8_0>(t, GgmlType::Q8_0, repackQ8_0);
    addPacked<IQ4_NL, packedBlockIQ4_NL>(t, GgmlType::IQ4_NL, repackIQ4_NL);
    addPacked<MXFP4, packedBlockMXFP4>(t, GgmlType::MXFP4, repackMXFP4);
    t.quantize[slot(GgmlType::Q8_0)] = quantizeQ8_0;
    t.quantize[slot(GgmlType::Q8_1)] = quantizeQ8_1;
    t.quantize[slot(GgmlType::Q8_K)] = quantizeQ8_K;
    addFloatSteps(t);
    return t;
}

}  // namespace

const KernelTable* neonKernels()
{
    static const KernelTable kernels = makeTable();
    return &kernels;
}

}  // namespace hearth::cpu_kernels
#else
namespace hearth::cpu_kernels {
const KernelTable* neonKernels() { return nullptr; }
}  // namespace hearth::cpu_kernels
#endif
