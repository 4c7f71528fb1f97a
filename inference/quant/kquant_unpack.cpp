#include "quant/kquant_unpack.h"

#include "quant/block_layouts.h"
#include "quant/fp16.h"

namespace hearth {

using namespace blocks;

namespace {

void unpackQ2_K(const Q2_K& x, KBlockInts& o)
{
    o.d = fp16ToFloat(x.d);
    o.dmin = fp16ToFloat(x.dmin);
    for (int g = 0; g < 16; ++g) {
        o.scale[g] = int16_t(x.scales[g] & 0xF);
        o.min[g] = int16_t(x.scales[g] >> 4);
    }
    // 128-value halves; within one, 4 shifts x 32 bytes; value group g = half*8 + shift*2 + l/16.
    for (int half = 0; half < 2; ++half)
        for (int j = 0; j < 4; ++j)
            for (int l = 0; l < 32; ++l) o.q[half * 128 + j * 32 + l] = int8_t((x.qs[half * 32 + l] >> (2 * j)) & 3);
}

void unpackQ3_K(const Q3_K& x, KBlockInts& o)
{
    o.d = fp16ToFloat(x.d);
    o.dmin = 0;
    for (int g = 0; g < 16; ++g) {
        o.scale[g] = int16_t(q3kScale(x.scales, g));
        o.min[g] = 0;
    }
    for (int half = 0; half < 2; ++half)
        for (int j = 0; j < 4; ++j) {
            const uint8_t bit = uint8_t(1u << (half * 4 + j));
            for (int l = 0; l < 32; ++l) {
                int low = (x.qs[half * 32 + l] >> (2 * j)) & 3;
                o.q[half * 128 + j * 32 + l] = int8_t(low - ((x.hmask[l] & bit) ? 0 : 4));
            }
        }
}

template <typename Block>
void unpackScalesMins(const Block& x, KBlockInts& o)
{
    o.d = fp16ToFloat(x.d);
    o.dmin = fp16ToFloat(x.dmin);
    for (int j = 0; j < 8; ++j) {
        uint8_t sc, m;
        kScaleMin(j, x.scales, sc, m);
        o.scale[2 * j] = o.scale[2 * j + 1] = sc;
        o.min[2 * j] = o.min[2 * j + 1] = m;
    }
}

void unpackQ4_K(const Q4_K& x, KBlockInts& o)
{
    unpackScalesMins(x, o);
    for (int chunk = 0; chunk < 4; ++chunk)  // 64 values: low nibbles, then high nibbles of 32 bytes
        for (int l = 0; l < 32; ++l) {
            o.q[chunk * 64 + l] = int8_t(x.qs[chunk * 32 + l] & 0xF);
            o.q[chunk * 64 + 32 + l] = int8_t(x.qs[chunk * 32 + l] >> 4);
        }
}

void unpackQ5_K(const Q5_K& x, KBlockInts& o)
{
    unpackScalesMins(x, o);
    for (int chunk = 0; chunk < 4; ++chunk) {
        const uint8_t u1 = uint8_t(1u << (2 * chunk)), u2 = uint8_t(2u << (2 * chunk));
        for (int l = 0; l < 32; ++l) {
            o.q[chunk * 64 + l] = int8_t((x.qs[chunk * 32 + l] & 0xF) + ((x.qh[l] & u1) ? 16 : 0));
            o.q[chunk * 64 + 32 + l] = int8_t((x.qs[chunk * 32 + l] >> 4) + ((x.qh[l] & u2) ? 16 : 0));
        }
    }
}

void unpackQ6_K(const Q6_K& x, KBlockInts& o)
{
    o.d = fp16ToFloat(x.d);
    o.dmin = 0;
    for (int g = 0; g < 16; ++g) {
        o.scale[g] = x.scales[g];
        o.min[g] = 0;
    }
    for (int half = 0; half < 2; ++half) {
        const uint8_t* ql = x.ql + half * 64;
        const uint8_t* qh = x.qh + half * 32;
        int8_t* q = o.q + half * 128;
        for (int l = 0; l < 32; ++l) {
            q[l] = int8_t(int((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32);
            q[l + 32] = int8_t(int((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
            q[l + 64] = int8_t(int((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
            q[l + 96] = int8_t(int((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
        }
    }
}

}  // namespace

void unpackKBlock(GgmlType type, const void* block, KBlockInts& out)
{
    switch (type) {
    case GgmlType::Q2_K: unpackQ2_K(*static_cast<const Q2_K*>(block), out); break;
    case GgmlType::Q3_K: unpackQ3_K(*static_cast<const Q3_K*>(block), out); break;
    case GgmlType::Q4_K: unpackQ4_K(*static_cast<const Q4_K*>(block), out); break;
    case GgmlType::Q5_K: unpackQ5_K(*static_cast<const Q5_K*>(block), out); break;
    case GgmlType::Q6_K: unpackQ6_K(*static_cast<const Q6_K*>(block), out); break;
    default: break;
    }
}

}  // namespace hearth
