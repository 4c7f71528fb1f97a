#include "quant/iq_dequantize.h"

#include "core/error.h"
#include "quant/fp16.h"
#include "quant/iq_grid_unpack.h"
#include "quant/iq_grids.h"

#include <cstring>
#include <string>

namespace hearth {

namespace iq {

float e8m0Half(uint8_t e)
{
    const uint32_t bits = e < 2 ? 0x00200000u << e : uint32_t(e - 1) << 23;  // subnormal below 2^-126
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

std::vector<uint32_t> packedGridWords()
{
    std::vector<uint32_t> words;
    words.reserve(kGridWords);
    auto add64 = [&](const uint64_t* table, size_t n) {
        for (size_t i = 0; i < n; ++i) {
            words.push_back(uint32_t(table[i]));
            words.push_back(uint32_t(table[i] >> 32));
        }
    };
    add64(iq2xxs_grid, 256);
    add64(iq2xs_grid, 512);
    add64(iq2s_grid, 1024);
    words.insert(words.end(), iq3xxs_grid, iq3xxs_grid + 256);
    words.insert(words.end(), iq3s_grid, iq3s_grid + 512);
    add64(iq1s_grid, 2048);
    return words;
}

}  // namespace iq

namespace {

using namespace iq;

constexpr int kQK = 256;

float half(const uint8_t* p)
{
    uint16_t h;
    std::memcpy(&h, p, 2);
    return fp16ToFloat(h);
}
uint16_t u16(const uint8_t* p) { return uint16_t(p[0] | (p[1] << 8)); }
// The grid types through the integers their dots use (quant/iq_grid_decode.inc), so the two
// cannot disagree on a layout: d * odd scale * q is ggml's dequantized value to the bit.
template <GgmlType Type>
void gridType(const uint8_t* b, float* y)
{
    KBlockInts ints;
    unpackIqGridInts(Type, b, ints);
    for (int i = 0; i < 256; ++i) y[i] = ints.d * float(ints.scale[i / 16]) * float(ints.q[i]);
}

void iq4nl(const uint8_t* b, float* y)  // d, qs[16]: low nibbles first half, high nibbles second
{
    const float d = half(b);
    for (int j = 0; j < 16; ++j) {
        y[j] = d * float(kIq4nlValues[b[2 + j] & 15]);
        y[j + 16] = d * float(kIq4nlValues[b[2 + j] >> 4]);
    }
}

void iq4xs(const uint8_t* b, float* y)  // d, scales_h (u16), scales_l[4], qs[128]
{
    const float d = half(b);
    const uint16_t scalesHigh = u16(b + 2);
    for (int ib = 0; ib < kQK / 32; ++ib, y += 32) {
        const int ls = ((b[4 + ib / 2] >> (4 * (ib % 2))) & 15) | (((scalesHigh >> (2 * ib)) & 3) << 4);
        const float dl = d * float(ls - 32);
        const uint8_t* qs = b + 8 + 16 * ib;
        for (int j = 0; j < 16; ++j) {
            y[j] = dl * float(kIq4nlValues[qs[j] & 15]);
            y[j + 16] = dl * float(kIq4nlValues[qs[j] >> 4]);
        }
    }
}

void mxfp4(const uint8_t* b, float* y)  // e (E8M0), qs[16]
{
    const float d = e8m0Half(b[0]);
    for (int j = 0; j < 16; ++j) {
        y[j] = float(kMxfp4Values[b[1 + j] & 15]) * d;
        y[j + 16] = float(kMxfp4Values[b[1 + j] >> 4]) * d;
    }
}

}  // namespace

bool isIqType(GgmlType type)
{
    switch (type) {
    case GgmlType::IQ2_XXS:
    case GgmlType::IQ2_XS:
    case GgmlType::IQ2_S:
    case GgmlType::IQ3_XXS:
    case GgmlType::IQ3_S:
    case GgmlType::IQ1_S:
    case GgmlType::IQ1_M:
    case GgmlType::IQ4_NL:
    case GgmlType::IQ4_XS:
    case GgmlType::MXFP4: return true;
    default: return false;
    }
}

bool iqTypeUsesGrids(GgmlType type)
{
    return isIqType(type) && type != GgmlType::IQ4_NL && type != GgmlType::IQ4_XS && type != GgmlType::MXFP4;
}

void dequantizeIq(GgmlType type, const uint8_t* src, float* dst, int64_t blocks)
{
    const GgmlTypeTraits& t = ggmlTypeTraits(type);
    void (*one)(const uint8_t*, float*) = nullptr;
    switch (type) {
    case GgmlType::IQ2_XXS: one = gridType<GgmlType::IQ2_XXS>; break;
    case GgmlType::IQ2_XS: one = gridType<GgmlType::IQ2_XS>; break;
    case GgmlType::IQ2_S: one = gridType<GgmlType::IQ2_S>; break;
    case GgmlType::IQ3_XXS: one = gridType<GgmlType::IQ3_XXS>; break;
    case GgmlType::IQ3_S: one = gridType<GgmlType::IQ3_S>; break;
    case GgmlType::IQ1_S: one = gridType<GgmlType::IQ1_S>; break;
    case GgmlType::IQ1_M: one = gridType<GgmlType::IQ1_M>; break;
    case GgmlType::IQ4_NL: one = iq4nl; break;
    case GgmlType::IQ4_XS: one = iq4xs; break;
    case GgmlType::MXFP4: one = mxfp4; break;
    default: throw Error(ErrorCode::UnsupportedType, "not an IQ type: " + std::string(t.name));
    }
    for (int64_t i = 0; i < blocks; ++i) one(src + size_t(i) * t.blockBytes, dst + i * int64_t(t.blockElements));
}

}  // namespace hearth
