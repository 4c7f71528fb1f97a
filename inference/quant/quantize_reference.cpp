#include "quant/quantize_reference.h"

#include "core/error.h"
#include "quant/block_layouts.h"
#include "quant/fp16.h"
#include "quant/vec_dot.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace hearth {

using namespace blocks;

namespace {

template <typename Block>
Block* resizeFor(std::vector<uint8_t>& out, int64_t n, int qk)
{
    out.assign(size_t(n / qk) * sizeof(Block), 0);
    return reinterpret_cast<Block*>(out.data());
}

int nearest(float v) { return int(std::lround(v)); }

// The value of largest magnitude, with its sign (ggml's symmetric types scale by it).
float signedMax(const float* x, int n)
{
    float amax = 0, max = 0;
    for (int j = 0; j < n; ++j)
        if (std::fabs(x[j]) > amax) {
            amax = std::fabs(x[j]);
            max = x[j];
        }
    return max;
}

// Packs 32 values in 0..31 (or 0..15) into qs nibbles and, for 5-bit types, qh bits.
void packNibbles(const int* q, uint8_t* qs, uint8_t* qh)
{
    uint32_t high = 0;
    for (int j = 0; j < 16; ++j) {
        qs[j] = uint8_t((q[j] & 0xF) | ((q[j + 16] & 0xF) << 4));
        high |= uint32_t((q[j] >> 4) & 1) << j;
        high |= uint32_t((q[j + 16] >> 4) & 1) << (j + 16);
    }
    if (qh) std::memcpy(qh, &high, 4);
}

template <typename Block>
void quantizeSymmetric32(const float* x, int64_t n, Block* y, int levels)
{
    // levels = 16 (Q4_0) or 32 (Q5_0): q = x / d + levels/2 with d = max / -(levels/2).
    for (int64_t i = 0; i < n / kQK32; ++i, x += kQK32) {
        const float max = signedMax(x, kQK32);
        const float d = max / float(-levels / 2), id = d != 0 ? 1.0f / d : 0.0f;
        y[i].d = floatToFp16(d);
        int q[kQK32];
        for (int j = 0; j < kQK32; ++j) q[j] = std::min(levels - 1, int(x[j] * id + float(levels / 2) + 0.5f));
        if constexpr (requires { y[i].qh; }) packNibbles(q, y[i].qs, y[i].qh);
        else packNibbles(q, y[i].qs, nullptr);
    }
}

template <typename Block>
void quantizeWithMin32(const float* x, int64_t n, Block* y, int levels)
{
    for (int64_t i = 0; i < n / kQK32; ++i, x += kQK32) {
        float min = x[0], max = x[0];
        for (int j = 1; j < kQK32; ++j) {
            min = std::min(min, x[j]);
            max = std::max(max, x[j]);
        }
        const float d = (max - min) / float(levels - 1), id = d != 0 ? 1.0f / d : 0.0f;
        y[i].d = floatToFp16(d);
        y[i].m = floatToFp16(min);
        int q[kQK32];
        for (int j = 0; j < kQK32; ++j) q[j] = std::min(levels - 1, int((x[j] - min) * id + 0.5f));
        if constexpr (requires { y[i].qh; }) packNibbles(q, y[i].qs, y[i].qh);
        else packNibbles(q, y[i].qs, nullptr);
    }
}

// For the K-quants with mins: per-subblock scale and min, then both quantized to `scaleBits`
// against the super-block's d and dmin; q in 0..levels-1.
struct SubblockFit {
    float scale, min;  // x ~ scale * q - min  (min >= 0)
};

SubblockFit fitWithMin(const float* x, int count, int levels)
{
    float lo = 0, hi = 0;  // include 0 so min is never negative, as ggml requires
    for (int j = 0; j < count; ++j) {
        lo = std::min(lo, x[j]);
        hi = std::max(hi, x[j]);
    }
    return {(hi - lo) / float(levels - 1), -lo};
}

// Quantizes values with already-quantized scale dl and min ml to 0..levels-1.
int quantizeValue(float x, float dl, float ml, int levels)
{
    if (dl == 0) return 0;
    return std::clamp(nearest((x + ml) / dl), 0, levels - 1);
}

void quantizeQ2_K(const float* x, int64_t n, Q2_K* y)
{
    for (int64_t i = 0; i < n / kQKK; ++i, x += kQKK) {
        SubblockFit fit[16];
        float maxScale = 0, maxMin = 0;
        for (int g = 0; g < 16; ++g) {
            fit[g] = fitWithMin(x + 16 * g, 16, 4);
            maxScale = std::max(maxScale, fit[g].scale);
            maxMin = std::max(maxMin, fit[g].min);
        }
        const float d = maxScale / 15, dmin = maxMin / 15;
        y[i].d = floatToFp16(d);
        y[i].dmin = floatToFp16(dmin);
        const float dq = fp16ToFloat(y[i].d), mq = fp16ToFloat(y[i].dmin);
        std::memset(y[i].qs, 0, sizeof y[i].qs);
        for (int g = 0; g < 16; ++g) {
            const int ls = d > 0 ? std::clamp(nearest(fit[g].scale / d), 0, 15) : 0;
            const int lm = dmin > 0 ? std::clamp(nearest(fit[g].min / dmin), 0, 15) : 0;
            y[i].scales[g] = uint8_t(ls | (lm << 4));
            for (int l = 0; l < 16; ++l) {
                const int e = g * 16 + l;  // value index: half*128 + shift*32 + byte
                const int q = quantizeValue(x[e], dq * float(ls), mq * float(lm), 4);
                y[i].qs[(e / 128) * 32 + e % 32] |= uint8_t(q << (2 * ((e % 128) / 32)));
            }
        }
    }
}

void quantizeQ3_K(const float* x, int64_t n, Q3_K* y)
{
    for (int64_t i = 0; i < n / kQKK; ++i, x += kQKK) {
        float scales[16], maxAbs = 0, maxScale = 0;
        for (int g = 0; g < 16; ++g) {
            scales[g] = signedMax(x + 16 * g, 16) / -4.0f;  // q in -4..3
            if (std::fabs(scales[g]) > maxAbs) {
                maxAbs = std::fabs(scales[g]);
                maxScale = scales[g];
            }
        }
        const float d = maxScale / -32.0f;  // 6-bit signed scales in -32..31
        y[i].d = floatToFp16(d);
        const float dq = fp16ToFloat(y[i].d);
        std::memset(y[i].scales, 0, sizeof y[i].scales);
        std::memset(y[i].qs, 0, sizeof y[i].qs);
        std::memset(y[i].hmask, 0, sizeof y[i].hmask);
        for (int g = 0; g < 16; ++g) {
            const int sc = d != 0 ? std::clamp(nearest(scales[g] / d), -32, 31) : 0;
            const int stored = sc + 32;
            y[i].scales[g % 8] |= uint8_t((stored & 0xF) << (g < 8 ? 0 : 4));
            y[i].scales[8 + g % 4] |= uint8_t((stored >> 4) << (2 * (g / 4)));
            const float dl = dq * float(sc);
            for (int l = 0; l < 16; ++l) {
                const int e = g * 16 + l;
                const int q = dl != 0 ? std::clamp(nearest(x[e] / dl), -4, 3) + 4 : 4;
                const int half = e / 128, shift = (e % 128) / 32, byte = e % 32;
                y[i].qs[half * 32 + byte] |= uint8_t((q & 3) << (2 * shift));
                if (q & 4) y[i].hmask[byte] |= uint8_t(1u << (half * 4 + shift));
            }
        }
    }
}

// Q4_K and Q5_K: eight 32-value subblocks, 6-bit scales and mins packed as kScaleMin reads them.
template <typename Block>
void quantizeQ45_K(const float* x, int64_t n, Block* y, int levels)
{
    for (int64_t i = 0; i < n / kQKK; ++i, x += kQKK) {
        SubblockFit fit[8];
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 8; ++j) {
            fit[j] = fitWithMin(x + 32 * j, 32, levels);
            maxScale = std::max(maxScale, fit[j].scale);
            maxMin = std::max(maxMin, fit[j].min);
        }
        const float d = maxScale / 63, dmin = maxMin / 63;
        y[i].d = floatToFp16(d);
        y[i].dmin = floatToFp16(dmin);
        const float dq = fp16ToFloat(y[i].d), mq = fp16ToFloat(y[i].dmin);
        uint8_t ls[8], lm[8];
        for (int j = 0; j < 8; ++j) {
            ls[j] = uint8_t(d > 0 ? std::clamp(nearest(fit[j].scale / d), 0, 63) : 0);
            lm[j] = uint8_t(dmin > 0 ? std::clamp(nearest(fit[j].min / dmin), 0, 63) : 0);
        }
        std::memset(y[i].scales, 0, sizeof y[i].scales);
        for (int j = 0; j < 8; ++j) {
            if (j < 4) {
                y[i].scales[j] = ls[j];
                y[i].scales[j + 4] = lm[j];
            } else {
                y[i].scales[j + 4] = uint8_t((ls[j] & 0xF) | ((lm[j] & 0xF) << 4));
                y[i].scales[j - 4] |= uint8_t((ls[j] >> 4) << 6);
                y[i].scales[j] |= uint8_t((lm[j] >> 4) << 6);
            }
        }
        std::memset(y[i].qs, 0, sizeof y[i].qs);
        if constexpr (requires { y[i].qh; }) std::memset(y[i].qh, 0, sizeof y[i].qh);
        for (int e = 0; e < kQKK; ++e) {
            const int j = e / 32, chunk = e / 64, l = e % 32;
            const int q = quantizeValue(x[e], dq * float(ls[j]), mq * float(lm[j]), levels);
            const bool highNibble = (e % 64) >= 32;
            y[i].qs[chunk * 32 + l] |= uint8_t((q & 0xF) << (highNibble ? 4 : 0));
            if constexpr (requires { y[i].qh; })
                if (q & 16) y[i].qh[l] |= uint8_t(1u << (2 * chunk + (highNibble ? 1 : 0)));
        }
    }
}

void quantizeQ6_K(const float* x, int64_t n, Q6_K* y)
{
    for (int64_t i = 0; i < n / kQKK; ++i, x += kQKK) {
        float scales[16], maxAbs = 0, maxScale = 0;
        for (int g = 0; g < 16; ++g) {
            scales[g] = signedMax(x + 16 * g, 16) / -32.0f;  // q in -32..31
            if (std::fabs(scales[g]) > maxAbs) {
                maxAbs = std::fabs(scales[g]);
                maxScale = scales[g];
            }
        }
        const float d = maxScale / -128.0f;  // int8 scales
        y[i].d = floatToFp16(d);
        const float dq = fp16ToFloat(y[i].d);
        std::memset(y[i].ql, 0, sizeof y[i].ql);
        std::memset(y[i].qh, 0, sizeof y[i].qh);
        for (int g = 0; g < 16; ++g) {
            const int sc = d != 0 ? std::clamp(nearest(scales[g] / d), -128, 127) : 0;
            y[i].scales[g] = int8_t(sc);
            const float dl = dq * float(sc);
            for (int l = 0; l < 16; ++l) {
                const int e = g * 16 + l;
                const int q = (dl != 0 ? std::clamp(nearest(x[e] / dl), -32, 31) : 0) + 32;
                const int half = e / 128, r = e % 128, quarter = r / 32, b = r % 32;
                // quarter 0: ql[b] low, 1: ql[b+32] low, 2: ql[b] high, 3: ql[b+32] high.
                uint8_t& ql = y[i].ql[half * 64 + b + (quarter % 2) * 32];
                ql |= uint8_t((q & 0xF) << (quarter >= 2 ? 4 : 0));
                y[i].qh[half * 32 + b] |= uint8_t((q >> 4) << (2 * quarter));
            }
        }
    }
}

}  // namespace

std::vector<uint8_t> quantizeReference(GgmlType type, const float* x, int64_t n)
{
    std::vector<uint8_t> out;
    switch (type) {
    case GgmlType::F32:
    case GgmlType::F16:
    case GgmlType::BF16:
    case GgmlType::Q8_0: quantizeActivations(type, x, n, out); return out;
    case GgmlType::Q4_0: quantizeSymmetric32(x, n, resizeFor<Q4_0>(out, n, kQK32), 16); return out;
    case GgmlType::Q5_0: quantizeSymmetric32(x, n, resizeFor<Q5_0>(out, n, kQK32), 32); return out;
    case GgmlType::Q4_1: quantizeWithMin32(x, n, resizeFor<Q4_1>(out, n, kQK32), 16); return out;
    case GgmlType::Q5_1: quantizeWithMin32(x, n, resizeFor<Q5_1>(out, n, kQK32), 32); return out;
    case GgmlType::Q2_K: quantizeQ2_K(x, n, resizeFor<Q2_K>(out, n, kQKK)); return out;
    case GgmlType::Q3_K: quantizeQ3_K(x, n, resizeFor<Q3_K>(out, n, kQKK)); return out;
    case GgmlType::Q4_K: quantizeQ45_K(x, n, resizeFor<Q4_K>(out, n, kQKK), 16); return out;
    case GgmlType::Q5_K: quantizeQ45_K(x, n, resizeFor<Q5_K>(out, n, kQKK), 32); return out;
    case GgmlType::Q6_K: quantizeQ6_K(x, n, resizeFor<Q6_K>(out, n, kQKK)); return out;
    default: break;
    }
    throw Error(ErrorCode::UnsupportedType, "no reference quantizer for " + std::string(ggmlTypeName(type)));
}

}  // namespace hearth
