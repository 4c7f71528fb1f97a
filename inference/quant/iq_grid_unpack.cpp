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

}  // namespace

bool iqTypeHasIntegerDot(GgmlType type)
{
    switch (type) {
    case GgmlType::IQ2_XXS:
    case GgmlType::IQ2_XS:
    case GgmlType::IQ2_S:
    case GgmlType::IQ3_XXS:
    case GgmlType::IQ3_S: return true;
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
