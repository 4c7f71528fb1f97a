#include "quant/dequantize.h"

#include "core/error.h"
#include "quant/block_layouts.h"
#include "quant/fp16.h"
#include "quant/iq_dequantize.h"
#include "quant/kquant_unpack.h"

#include <string>

namespace hearth {

using namespace blocks;

size_t rowBytes(GgmlType type, int64_t n)
{
    const auto& t = ggmlTypeTraits(type);
    return size_t(n / t.blockElements) * t.blockBytes;
}

namespace {

template <typename Block>
const Block* blocksOf(const void* src)
{
    return static_cast<const Block*>(src);
}

uint32_t load32(const uint8_t* p)
{
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

void dequantizeQ4_0(const Q4_0* x, float* y, int64_t nb)
{
    for (int64_t i = 0; i < nb; ++i, y += kQK32) {
        const float d = fp16ToFloat(x[i].d);
        for (int j = 0; j < kQK32 / 2; ++j) {
            y[j] = float((x[i].qs[j] & 0x0F) - 8) * d;
            y[j + kQK32 / 2] = float((x[i].qs[j] >> 4) - 8) * d;
        }
    }
}

void dequantizeQ4_1(const Q4_1* x, float* y, int64_t nb)
{
    for (int64_t i = 0; i < nb; ++i, y += kQK32) {
        const float d = fp16ToFloat(x[i].d), m = fp16ToFloat(x[i].m);
        for (int j = 0; j < kQK32 / 2; ++j) {
            y[j] = float(x[i].qs[j] & 0x0F) * d + m;
            y[j + kQK32 / 2] = float(x[i].qs[j] >> 4) * d + m;
        }
    }
}

void dequantizeQ5_0(const Q5_0* x, float* y, int64_t nb)
{
    for (int64_t i = 0; i < nb; ++i, y += kQK32) {
        const float d = fp16ToFloat(x[i].d);
        const uint32_t qh = load32(x[i].qh);
        for (int j = 0; j < kQK32 / 2; ++j) {
            const int xh0 = int(((qh >> j) << 4) & 0x10);
            const int xh1 = int((qh >> (j + 12)) & 0x10);
            y[j] = float(((x[i].qs[j] & 0x0F) | xh0) - 16) * d;
            y[j + kQK32 / 2] = float(((x[i].qs[j] >> 4) | xh1) - 16) * d;
        }
    }
}

void dequantizeQ5_1(const Q5_1* x, float* y, int64_t nb)
{
    for (int64_t i = 0; i < nb; ++i, y += kQK32) {
        const float d = fp16ToFloat(x[i].d), m = fp16ToFloat(x[i].m);
        const uint32_t qh = load32(x[i].qh);
        for (int j = 0; j < kQK32 / 2; ++j) {
            const int xh0 = int(((qh >> j) << 4) & 0x10);
            const int xh1 = int((qh >> (j + 12)) & 0x10);
            y[j] = float((x[i].qs[j] & 0x0F) | xh0) * d + m;
            y[j + kQK32 / 2] = float((x[i].qs[j] >> 4) | xh1) * d + m;
        }
    }
}

void dequantizeQ8_0(const Q8_0* x, float* y, int64_t nb)
{
    for (int64_t i = 0; i < nb; ++i, y += kQK32) {
        const float d = fp16ToFloat(x[i].d);
        for (int j = 0; j < kQK32; ++j) y[j] = float(x[i].qs[j]) * d;
    }
}

// K-quants: y = (d * scale) * q - (dmin * min), the same float operations as ggml.
void dequantizeK(GgmlType type, const uint8_t* x, float* y, int64_t nb)
{
    const size_t blockBytes = ggmlTypeTraits(type).blockBytes;
    KBlockInts b;
    for (int64_t i = 0; i < nb; ++i, x += blockBytes) {
        unpackKBlock(type, x, b);
        for (int g = 0; g < 16; ++g) {
            const float dl = b.d * float(b.scale[g]), ml = b.dmin * float(b.min[g]);
            for (int l = 0; l < 16; ++l) *y++ = dl * float(b.q[g * 16 + l]) - ml;
        }
    }
}

void dequantizeQ8_K(const Q8_K* x, float* y, int64_t nb)
{
    for (int64_t i = 0; i < nb; ++i)
        for (int j = 0; j < kQKK; ++j) *y++ = x[i].d * float(x[i].qs[j]);
}

}  // namespace

void dequantizeRow(GgmlType type, const void* src, float* dst, int64_t n)
{
    const int64_t nb = n / ggmlTypeTraits(type).blockElements;
    switch (type) {
    case GgmlType::F32: std::memcpy(dst, src, size_t(n) * 4); return;
    case GgmlType::F16: {
        const auto* h = static_cast<const uint8_t*>(src);
        for (int64_t i = 0; i < n; ++i) {
            uint16_t v;
            std::memcpy(&v, h + 2 * i, 2);
            dst[i] = fp16ToFloat(v);
        }
        return;
    }
    case GgmlType::BF16: {
        const auto* h = static_cast<const uint8_t*>(src);
        for (int64_t i = 0; i < n; ++i) {
            uint16_t v;
            std::memcpy(&v, h + 2 * i, 2);
            dst[i] = bf16ToFloat(v);
        }
        return;
    }
    case GgmlType::Q4_0: dequantizeQ4_0(blocksOf<Q4_0>(src), dst, nb); return;
    case GgmlType::Q4_1: dequantizeQ4_1(blocksOf<Q4_1>(src), dst, nb); return;
    case GgmlType::Q5_0: dequantizeQ5_0(blocksOf<Q5_0>(src), dst, nb); return;
    case GgmlType::Q5_1: dequantizeQ5_1(blocksOf<Q5_1>(src), dst, nb); return;
    case GgmlType::Q8_0: dequantizeQ8_0(blocksOf<Q8_0>(src), dst, nb); return;
    case GgmlType::Q2_K:
    case GgmlType::Q3_K:
    case GgmlType::Q4_K:
    case GgmlType::Q5_K:
    case GgmlType::Q6_K: dequantizeK(type, static_cast<const uint8_t*>(src), dst, nb); return;
    case GgmlType::Q8_K: dequantizeQ8_K(blocksOf<Q8_K>(src), dst, nb); return;
    default:
        if (isIqType(type)) return dequantizeIq(type, static_cast<const uint8_t*>(src), dst, nb);
        break;
    }
    throw Error(ErrorCode::UnsupportedType, "weight type " + std::string(ggmlTypeName(type)) + " has no dequantizer in Hearth yet");
}

}  // namespace hearth
