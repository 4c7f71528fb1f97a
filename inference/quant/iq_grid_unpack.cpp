#include "quant/iq_grid_unpack.h"

#include "core/error.h"
#include "quant/fp16.h"
#include "quant/iq_grids.h"

#include <cstring>
#include <string>

namespace hearth {

namespace {

using namespace iq;

float half(const uint8_t* p)
{
    uint16_t h;
    std::memcpy(&h, p, 2);
    return fp16ToFloat(h);
}
uint16_t u16(const uint8_t* p) { return uint16_t(p[0] | (p[1] << 8)); }
uint32_t u32(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }
uint64_t twoEntries(uint32_t low, uint32_t high) { return uint64_t(low) | uint64_t(high) << 32; }

// A 32-value scale for both its 16-value halves.
void setScale32(IqGridBlock& out, int ib, int scale) { out.scale[2 * ib] = out.scale[2 * ib + 1] = int16_t(scale); }

// The layouts as quant/iq_dequantize.cpp reads them; the factors there ((0.5 + s) * 0.25,
// (0.5 + s) * 0.5, 1 + 2s) as odd integers times a power of two.
void iq2xxs(const uint8_t* b, IqGridBlock& out)
{
    out.d = half(b) * 0.125f;
    for (int ib = 0; ib < 8; ++ib) {
        const uint8_t* q = b + 2 + 8 * ib;
        const uint32_t meta = u32(q + 4);
        setScale32(out, ib, int(2 * (meta >> 28) + 1));
        for (int l = 0; l < 4; ++l) {
            out.magnitudes[4 * ib + l] = iq2xxs_grid[q[l]];
            out.signs[4 * ib + l] = signsOf7((meta >> (7 * l)) & 127);
        }
    }
}

void iq2xs(const uint8_t* b, IqGridBlock& out)
{
    out.d = half(b) * 0.125f;
    for (int ib = 0; ib < 8; ++ib) {
        const uint8_t scales = b[2 + 64 + ib];
        out.scale[2 * ib] = int16_t(2 * (scales & 15) + 1);
        out.scale[2 * ib + 1] = int16_t(2 * (scales >> 4) + 1);
        for (int l = 0; l < 4; ++l) {
            const uint16_t q = u16(b + 2 + 2 * (4 * ib + l));
            out.magnitudes[4 * ib + l] = iq2xs_grid[q & 511];
            out.signs[4 * ib + l] = signsOf7(q >> 9);
        }
    }
}

void iq2s(const uint8_t* b, IqGridBlock& out)
{
    out.d = half(b) * 0.125f;
    const uint8_t *qs = b + 2, *signs = b + 2 + 32, *qh = b + 2 + 64, *scales = b + 2 + 72;
    for (int ib = 0; ib < 8; ++ib) {
        out.scale[2 * ib] = int16_t(2 * (scales[ib] & 15) + 1);
        out.scale[2 * ib + 1] = int16_t(2 * (scales[ib] >> 4) + 1);
        for (int l = 0; l < 4; ++l) {
            out.magnitudes[4 * ib + l] = iq2s_grid[qs[4 * ib + l] | ((qh[ib] << (8 - 2 * l)) & 0x300)];
            out.signs[4 * ib + l] = signs[4 * ib + l];
        }
    }
}

void iq3xxs(const uint8_t* b, IqGridBlock& out)
{
    out.d = half(b) * 0.25f;
    for (int ib = 0; ib < 8; ++ib) {
        const uint8_t* qs = b + 2 + 8 * ib;
        const uint32_t meta = u32(b + 2 + 64 + 4 * ib);
        setScale32(out, ib, int(2 * (meta >> 28) + 1));
        for (int l = 0; l < 4; ++l) {
            out.magnitudes[4 * ib + l] = twoEntries(iq3xxs_grid[qs[2 * l]], iq3xxs_grid[qs[2 * l + 1]]);
            out.signs[4 * ib + l] = signsOf7((meta >> (7 * l)) & 127);
        }
    }
}

void iq3s(const uint8_t* b, IqGridBlock& out)
{
    out.d = half(b);
    const uint8_t *qs = b + 2, *qh = b + 2 + 64, *signs = b + 2 + 72, *scales = b + 2 + 104;
    for (int ib = 0; ib < 8; ++ib) {
        setScale32(out, ib, 1 + 2 * (ib % 2 == 0 ? scales[ib / 2] & 15 : scales[ib / 2] >> 4));
        for (int l = 0; l < 4; ++l) {
            const int i0 = qs[8 * ib + 2 * l] | ((qh[ib] << (8 - 2 * l)) & 256);
            const int i1 = qs[8 * ib + 2 * l + 1] | ((qh[ib] << (7 - 2 * l)) & 256);
            out.magnitudes[4 * ib + l] = twoEntries(iq3s_grid[i0], iq3s_grid[i1]);
            out.signs[4 * ib + l] = signs[4 * ib + l];
        }
    }
}

// IQ1_S and IQ1_M: each value dl * (g + delta), g in {-1, 0, 1} and delta = +-1/8, which is
// dl / 8 * (8g +- 1): an odd integer of magnitude at most 9, the 1/8 folded into d.
void setIq1Eight(IqGridBlock& out, int group, uint64_t grid, int delta)
{
    uint64_t magnitudes = 0;
    uint8_t signs = 0;
    for (int j = 0; j < 8; ++j) {
        const int value = 8 * int(int8_t(uint8_t(grid >> (8 * j)))) + delta;
        magnitudes |= uint64_t(value < 0 ? -value : value) << (8 * j);
        signs = uint8_t(signs | (value < 0 ? 1 << j : 0));
    }
    out.magnitudes[group] = magnitudes;
    out.signs[group] = signs;
}

void iq1s(const uint8_t* b, IqGridBlock& out)  // d, qs[32], qh[8 u16]: 3 high index bits x4, scale, delta sign
{
    out.d = half(b) * 0.125f;
    for (int ib = 0; ib < 8; ++ib) {
        const uint16_t qh = u16(b + 2 + 32 + 2 * ib);
        setScale32(out, ib, 2 * ((qh >> 12) & 7) + 1);
        const int delta = qh & 0x8000 ? -1 : 1;
        for (int l = 0; l < 4; ++l) setIq1Eight(out, 4 * ib + l, iq1s_grid[b[2 + 4 * ib + l] | (((qh >> (3 * l)) & 7) << 8)], delta);
    }
}

void iq1m(const uint8_t* b, IqGridBlock& out)  // qs[32], qh[16], scales[8] (4 u16, the F16 scale spread in their top nibbles)
{
    const uint8_t *qs = b, *qh = b + 32;
    uint16_t sc[4];
    for (int i = 0; i < 4; ++i) sc[i] = u16(b + 48 + 2 * i);
    out.d = fp16ToFloat(uint16_t((sc[0] >> 12) | ((sc[1] >> 8) & 0x00f0) | ((sc[2] >> 4) & 0x0f00) | (sc[3] & 0xf000))) * 0.125f;
    for (int ib = 0; ib < 8; ++ib) {
        out.scale[2 * ib] = int16_t(2 * ((sc[ib / 2] >> (6 * (ib % 2))) & 7) + 1);
        out.scale[2 * ib + 1] = int16_t(2 * ((sc[ib / 2] >> (6 * (ib % 2) + 3)) & 7) + 1);
        const uint8_t h0 = qh[2 * ib], h1 = qh[2 * ib + 1];
        const int index[4] = {qs[4 * ib] | ((h0 << 8) & 0x700), qs[4 * ib + 1] | ((h0 << 4) & 0x700), qs[4 * ib + 2] | ((h1 << 8) & 0x700),
                              qs[4 * ib + 3] | ((h1 << 4) & 0x700)};
        const int delta[4] = {h0 & 0x08 ? -1 : 1, h0 & 0x80 ? -1 : 1, h1 & 0x08 ? -1 : 1, h1 & 0x80 ? -1 : 1};
        for (int l = 0; l < 4; ++l) setIq1Eight(out, 4 * ib + l, iq1s_grid[index[l]], delta[l]);
    }
}

}  // namespace

bool iqTypeHasIntegerDot(GgmlType type)
{
    switch (type) {
    case GgmlType::IQ2_XXS:
    case GgmlType::IQ2_XS:
    case GgmlType::IQ2_S:
    case GgmlType::IQ3_XXS:
    case GgmlType::IQ3_S:
    case GgmlType::IQ1_S:
    case GgmlType::IQ1_M: return true;
    default: return false;
    }
}

void unpackIqGridBlock(GgmlType type, const uint8_t* block, IqGridBlock& out)
{
    switch (type) {
    case GgmlType::IQ2_XXS: return iq2xxs(block, out);
    case GgmlType::IQ2_XS: return iq2xs(block, out);
    case GgmlType::IQ2_S: return iq2s(block, out);
    case GgmlType::IQ3_XXS: return iq3xxs(block, out);
    case GgmlType::IQ3_S: return iq3s(block, out);
    case GgmlType::IQ1_S: return iq1s(block, out);
    case GgmlType::IQ1_M: return iq1m(block, out);
    default: break;
    }
    throw Error(ErrorCode::UnsupportedType, "unpackIqGridBlock: " + std::string(ggmlTypeName(type)) + " has no integer grid layout");
}

void unpackIqGridInts(GgmlType type, const uint8_t* block, KBlockInts& out)
{
    IqGridBlock g;
    unpackIqGridBlock(type, block, g);
    for (int group = 0; group < 32; ++group)
        for (int j = 0; j < 8; ++j) {
            const int magnitude = int(uint8_t(g.magnitudes[group] >> (8 * j)));
            out.q[8 * group + j] = int8_t((g.signs[group] >> j) & 1 ? -magnitude : magnitude);
        }
    std::memcpy(out.scale, g.scale, sizeof out.scale);
    std::memset(out.min, 0, sizeof out.min);
    out.d = g.d;
    out.dmin = 0;
}

}  // namespace hearth
