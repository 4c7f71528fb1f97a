#include "quant/vec_dot.h"

#include "core/error.h"
#include "quant/block_layouts.h"
#include "quant/dequantize.h"
#include "quant/fp16.h"
#include "quant/iq_dequantize.h"
#include "quant/iq_grid_unpack.h"
#include "quant/iq_grids.h"
#include "quant/kquant_unpack.h"

#include <cmath>
#include <cstring>
#include <string>

namespace hearth {

using namespace blocks;

GgmlType activationTypeFor(GgmlType weightType)
{
    switch (weightType) {
    case GgmlType::F32: return GgmlType::F32;
    case GgmlType::F16: return GgmlType::F16;
    case GgmlType::BF16: return GgmlType::BF16;
    case GgmlType::Q4_0:
    case GgmlType::Q5_0:
    case GgmlType::Q8_0: return GgmlType::Q8_0;
    case GgmlType::Q4_1:
    case GgmlType::Q5_1: return GgmlType::Q8_1;
    case GgmlType::Q2_K:
    case GgmlType::Q3_K:
    case GgmlType::Q4_K:
    case GgmlType::Q5_K:
    case GgmlType::Q6_K: return GgmlType::Q8_K;
    default:
        // The IQ types and MXFP4 pair with the 8-bit type of their block size, as in ggml.
        if (isIqType(weightType)) return ggmlTypeTraits(weightType).blockElements == 32 ? GgmlType::Q8_0 : GgmlType::Q8_K;
        break;
    }
    throw Error(ErrorCode::UnsupportedType,
                "weight type " + std::string(ggmlTypeName(weightType)) + " is not supported by Hearth's kernels");
}

namespace {

template <typename T>
T* appendBlocks(std::vector<uint8_t>& out, int64_t count)
{
    size_t at = out.size();
    out.resize(at + size_t(count) * sizeof(T));
    return reinterpret_cast<T*>(out.data() + at);
}

// As ggml's x86 path (the one llama.cpp's published numbers come from): scale by 127 / amax and
// round half to even.
int8_t roundQ8(float v) { return int8_t(std::nearbyint(v)); }

void quantizeQ8_0or1(const float* x, int64_t n, std::vector<uint8_t>& out, bool withSum)
{
    const int64_t nb = n / kQK32;
    if (!withSum) {
        Q8_0* y = appendBlocks<Q8_0>(out, nb);
        for (int64_t i = 0; i < nb; ++i, x += kQK32) {
            float amax = 0;
            for (int j = 0; j < kQK32; ++j) amax = std::max(amax, std::fabs(x[j]));
            const float d = amax / 127.0f, id = amax != 0 ? 127.0f / amax : 0.0f;
            y[i].d = floatToFp16(d);
            for (int j = 0; j < kQK32; ++j) y[i].qs[j] = roundQ8(x[j] * id);
        }
        return;
    }
    Q8_1* y = appendBlocks<Q8_1>(out, nb);
    for (int64_t i = 0; i < nb; ++i, x += kQK32) {
        float amax = 0;
        for (int j = 0; j < kQK32; ++j) amax = std::max(amax, std::fabs(x[j]));
        const float d = amax / 127.0f, id = amax != 0 ? 127.0f / amax : 0.0f;
        int sum = 0;
        for (int j = 0; j < kQK32; ++j) {
            y[i].qs[j] = roundQ8(x[j] * id);
            sum += y[i].qs[j];
        }
        y[i].d = floatToFp16(d);
        y[i].s = floatToFp16(float(sum) * d);
    }
}

void quantizeQ8_K(const float* x, int64_t n, std::vector<uint8_t>& out)
{
    const int64_t nb = n / kQKK;
    Q8_K* y = appendBlocks<Q8_K>(out, nb);
    for (int64_t i = 0; i < nb; ++i, x += kQKK) {
        float max = 0, amax = 0;
        for (int j = 0; j < kQKK; ++j) {
            const float ax = std::fabs(x[j]);
            if (ax > amax) {
                amax = ax;
                max = x[j];
            }
        }
        if (amax == 0) {
            std::memset(&y[i], 0, sizeof(Q8_K));
            continue;
        }
        // The signed extreme maps to -127, as ggml does; nearest-int with ties away from zero.
        const float iscale = -127.0f / max;
        for (int j = 0; j < kQKK; ++j) {
            const int v = int(std::nearbyint(iscale * x[j]));
            y[i].qs[j] = int8_t(std::min(127, v));
        }
        for (int g = 0; g < kQKK / 16; ++g) {
            int sum = 0;
            for (int l = 0; l < 16; ++l) sum += y[i].qs[g * 16 + l];
            y[i].bsums[g] = int16_t(sum);
        }
        y[i].d = 1.0f / iscale;
    }
}

// The orders below are every Hearth CPU kernel's, so that the SIMD kernels reproduce the
// reference bit for bit (8-bit activations turn any difference into flipped roundings downstream).
// Float dots: eight lanes, each a chain of fused multiply-adds, reduced as ggml's AVX2 dots do.
struct EightLanes {
    float v[8] = {};
    void fma(int lane, float a, float b) { v[lane] = std::fma(a, b, v[lane]); }
    float sum() const
    {
        float r[4];
        for (int i = 0; i < 4; ++i) r[i] = v[i] + v[i + 4];
        return (r[0] + r[2]) + (r[1] + r[3]);
    }
    float sumByHorizontalAdds() const  // ggml's GGML_F32x8_REDUCE lane tree (F32 and F16 dots)
    {
        float r[4];
        for (int i = 0; i < 4; ++i) r[i] = v[i] + v[i + 4];
        return (r[0] + r[1]) + (r[2] + r[3]);
    }
};

float load16AsFloat(const uint8_t* p, bool bf16)
{
    uint16_t v;
    std::memcpy(&v, p, 2);
    return bf16 ? bf16ToFloat(v) : fp16ToFloat(v);
}

// Weight nibbles/5-bit values of one 32-block, in value order, with the type's offset applied.
template <typename Block>
void blockInts(const Block& b, int* q)
{
    constexpr bool hasHigh = requires { b.qh; };
    uint32_t qh = 0;
    if constexpr (hasHigh) std::memcpy(&qh, b.qh, 4);
    for (int j = 0; j < kQK32 / 2; ++j) {
        int lo = b.qs[j] & 0x0F, hi = b.qs[j] >> 4;
        if constexpr (hasHigh) {
            lo |= int(((qh >> j) << 4) & 0x10);
            hi |= int((qh >> (j + 12)) & 0x10);
        }
        q[j] = lo;
        q[j + kQK32 / 2] = hi;
    }
}

// The 32-blocks: each block's integer dot exact, then one fused multiply-add chain per row,
// acc = fma(dx * dy, float(isum), acc), block after block (ggml's order in its repacked Q4_0
// kernels; the fast backend's kernels keep it for every row they compute).
int blockDot(const int* q, const int8_t* y)
{
    int sum = 0;
    for (int k = 0; k < kQK32; ++k) sum += q[k] * y[k];
    return sum;
}

template <typename Block>
float dotSymmetric(const Block* x, const Q8_0* y, int64_t nb, int offset)
{
    float acc = 0;
    int q[kQK32];
    for (int64_t i = 0; i < nb; ++i) {
        blockInts(x[i], q);
        for (int& v : q) v -= offset;
        acc = std::fma(fp16ToFloat(x[i].d) * fp16ToFloat(y[i].d), float(blockDot(q, y[i].qs)), acc);
    }
    return acc;
}

template <typename Block>
float dotWithMin(const Block* x, const Q8_1* y, int64_t nb)
{
    float acc = 0, mins = 0;
    int q[kQK32];
    for (int64_t i = 0; i < nb; ++i) {
        blockInts(x[i], q);
        acc = std::fma(fp16ToFloat(x[i].d) * fp16ToFloat(y[i].d), float(blockDot(q, y[i].qs)), acc);
        mins += fp16ToFloat(x[i].m) * fp16ToFloat(y[i].s);
    }
    return acc + mins;
}

float dotQ8_0(const Q8_0* x, const Q8_0* y, int64_t nb)
{
    float acc = 0;
    int q[kQK32];
    for (int64_t i = 0; i < nb; ++i) {
        for (int j = 0; j < kQK32; ++j) q[j] = x[i].qs[j];
        acc = std::fma(fp16ToFloat(x[i].d) * fp16ToFloat(y[i].d), float(blockDot(q, y[i].qs)), acc);
    }
    return acc;
}

// F32 / F16 / BF16: four eight-lane accumulators over 32-value steps, then 8-value steps into the
// first, the zero-padded tail into the second; summed as (a0 + a2) + (a1 + a3), lane by lane, then
// the lanes as ggml's AVX2 dots reduce them (for n a multiple of 32 these are ggml's sums).
template <typename Load>
float dotFloats(int64_t n, bool horizontalAdds, Load value)
{
    EightLanes acc[4];
    int64_t i = 0;
    for (; i + 32 <= n; i += 32)
        for (int k = 0; k < 4; ++k)
            for (int lane = 0; lane < 8; ++lane) acc[k].fma(lane, value(true, i + 8 * k + lane), value(false, i + 8 * k + lane));
    for (; i + 8 <= n; i += 8)
        for (int lane = 0; lane < 8; ++lane) acc[0].fma(lane, value(true, i + lane), value(false, i + lane));
    if (i < n)
        for (int lane = 0; lane < 8; ++lane) {
            const bool inside = i + lane < n;
            acc[1].fma(lane, inside ? value(true, i + lane) : 0.0f, inside ? value(false, i + lane) : 0.0f);
        }
    EightLanes total;
    for (int lane = 0; lane < 8; ++lane) total.v[lane] = (acc[0].v[lane] + acc[2].v[lane]) + (acc[1].v[lane] + acc[3].v[lane]);
    return horizontalAdds ? total.sumByHorizontalAdds() : total.sum();
}

float dotK(GgmlType type, const uint8_t* x, const Q8_K* y, int64_t nb)
{
    const size_t blockBytes = ggmlTypeTraits(type).blockBytes;
    KBlockInts b;
    float sum = 0;
    for (int64_t i = 0; i < nb; ++i, x += blockBytes) {
        if (iqTypeUsesGrids(type)) unpackIqGridInts(type, x, b);
        else unpackKBlock(type, x, b);
        int isum = 0, mins = 0;
        for (int g = 0; g < 16; ++g) {
            int gsum = 0;
            for (int l = 0; l < 16; ++l) gsum += b.q[g * 16 + l] * y[i].qs[g * 16 + l];
            isum += b.scale[g] * gsum;
            mins += b.min[g] * y[i].bsums[g];
        }
        sum += b.d * y[i].d * float(isum) - b.dmin * y[i].d * float(mins);
    }
    return sum;
}

// IQ4_NL, IQ4_XS and MXFP4: each value one of 16 levels, so integer dots as for the 32-blocks
// (IQ4_NL, MXFP4: the same fma chain) and the K-quants (IQ4_XS: the scaled sub-block sums of a
// super-block in integers, then one float), as ggml's kernels compute them.
int levelsDot(const int8_t* levels, const uint8_t* qs, const int8_t* y)
{
    int sum = 0;
    for (int j = 0; j < 16; ++j) sum += levels[qs[j] & 15] * y[j] + levels[qs[j] >> 4] * y[j + 16];
    return sum;
}

float dotIq4nl(const IQ4_NL* x, const Q8_0* y, int64_t nb)
{
    float acc = 0;
    for (int64_t i = 0; i < nb; ++i)
        acc = std::fma(fp16ToFloat(x[i].d) * fp16ToFloat(y[i].d), float(levelsDot(iq::kIq4nlValues, x[i].qs, y[i].qs)), acc);
    return acc;
}

float dotMxfp4(const MXFP4* x, const Q8_0* y, int64_t nb)
{
    float acc = 0;
    for (int64_t i = 0; i < nb; ++i)
        acc = std::fma(iq::e8m0Half(x[i].e) * fp16ToFloat(y[i].d), float(levelsDot(iq::kMxfp4Values, x[i].qs, y[i].qs)), acc);
    return acc;
}

float dotIq4xs(const IQ4_XS* x, const Q8_K* y, int64_t nb)
{
    float sum = 0;
    for (int64_t i = 0; i < nb; ++i) {
        int isum = 0;
        for (int ib = 0; ib < kQKK / 32; ++ib)
            isum += iq4xsScale(x[i], ib) * levelsDot(iq::kIq4nlValues, x[i].qs + 16 * ib, y[i].qs + 32 * ib);
        sum += fp16ToFloat(x[i].d) * y[i].d * float(isum);
    }
    return sum;
}

}  // namespace

void quantizeActivations(GgmlType type, const float* x, int64_t n, std::vector<uint8_t>& out)
{
    switch (type) {
    case GgmlType::F32: {
        size_t at = out.size();
        out.resize(at + size_t(n) * 4);
        std::memcpy(out.data() + at, x, size_t(n) * 4);
        return;
    }
    case GgmlType::F16:
    case GgmlType::BF16: {
        size_t at = out.size();
        out.resize(at + size_t(n) * 2);
        for (int64_t i = 0; i < n; ++i) {
            uint16_t h = type == GgmlType::F16 ? floatToFp16(x[i]) : floatToBf16(x[i]);
            std::memcpy(out.data() + at + 2 * i, &h, 2);
        }
        return;
    }
    case GgmlType::Q8_0: quantizeQ8_0or1(x, n, out, false); return;
    case GgmlType::Q8_1: quantizeQ8_0or1(x, n, out, true); return;
    case GgmlType::Q8_K: quantizeQ8_K(x, n, out); return;
    default: break;
    }
    throw Error(ErrorCode::UnsupportedType, "cannot convert activations to " + std::string(ggmlTypeName(type)));
}

float vecDot(GgmlType weightType, const void* weights, const void* activations, int64_t n)
{
    const int64_t nb = n / ggmlTypeTraits(weightType).blockElements;
    const auto* w = static_cast<const uint8_t*>(weights);
    const auto* a = static_cast<const uint8_t*>(activations);
    switch (weightType) {
    case GgmlType::F32:
        return dotFloats(n, true, [&](bool weight, int64_t i) {
            float v;
            std::memcpy(&v, (weight ? w : a) + 4 * i, 4);
            return v;
        });
    case GgmlType::F16:
    case GgmlType::BF16: {
        const bool bf16 = weightType == GgmlType::BF16;
        return dotFloats(n, !bf16, [&](bool weight, int64_t i) { return load16AsFloat((weight ? w : a) + 2 * i, bf16); });
    }
    case GgmlType::Q4_0: return dotSymmetric(reinterpret_cast<const Q4_0*>(w), reinterpret_cast<const Q8_0*>(a), nb, 8);
    case GgmlType::Q5_0: return dotSymmetric(reinterpret_cast<const Q5_0*>(w), reinterpret_cast<const Q8_0*>(a), nb, 16);
    case GgmlType::Q8_0: return dotQ8_0(reinterpret_cast<const Q8_0*>(w), reinterpret_cast<const Q8_0*>(a), nb);
    case GgmlType::Q4_1: return dotWithMin(reinterpret_cast<const Q4_1*>(w), reinterpret_cast<const Q8_1*>(a), nb);
    case GgmlType::Q5_1: return dotWithMin(reinterpret_cast<const Q5_1*>(w), reinterpret_cast<const Q8_1*>(a), nb);
    case GgmlType::Q2_K:
    case GgmlType::Q3_K:
    case GgmlType::Q4_K:
    case GgmlType::Q5_K:
    case GgmlType::Q6_K: return dotK(weightType, w, reinterpret_cast<const Q8_K*>(a), nb);
    case GgmlType::IQ4_NL: return dotIq4nl(reinterpret_cast<const IQ4_NL*>(w), reinterpret_cast<const Q8_0*>(a), nb);
    case GgmlType::IQ4_XS: return dotIq4xs(reinterpret_cast<const IQ4_XS*>(w), reinterpret_cast<const Q8_K*>(a), nb);
    case GgmlType::MXFP4: return dotMxfp4(reinterpret_cast<const MXFP4*>(w), reinterpret_cast<const Q8_0*>(a), nb);
    default:
        // The grid IQ types as ggml's integer dots sum them: the K-quants' sums without mins.
        if (iqTypeUsesGrids(weightType)) return dotK(weightType, w, reinterpret_cast<const Q8_K*>(a), nb);
        break;
    }
    throw Error(ErrorCode::UnsupportedType,
                "weight type " + std::string(ggmlTypeName(weightType)) + " is not supported by Hearth's kernels");
}

}  // namespace hearth
