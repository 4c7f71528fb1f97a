// The weight types that have integer-dot kernels (matmul_dot.comp), read from the Vulkan
// backend's layout (quant_blocks.glsl, vk_weight_layout.cpp) 32 values at a time:
// unpackUnit(base, sub) gives unit `sub` of the block at word `base` as 8 words of signed bytes
// q, and how the unit's dot product with a Q8_1 block (d, s = d * sum) becomes its sum:
//   sum = d * (scale.x * dot(q[0..3], x) + scale.y * dot(q[4..7], x)) + min * s
// (scale.y differs from scale.x only where 16-value sub-blocks have their own scales; Q2_K's
// minimums are per 16 values too: MINS_PER_16, and min16 takes the place of min).
// The includer declares `uint W[]` and defines one TYPE_*.

struct DotUnit {
    int q[8];
    vec2 scale;
    float min;  // per 32 values (times x's s)
    vec2 min16;  // per 16 values, where MINS_PER_16 (times x's d and the sums of x's halves)
};

#include "weight_words.glsl"

// Four unsigned bytes (each below 128) minus k each, as signed bytes: the top bit of every byte
// is set first so that no borrow crosses into the next byte.
int minusEach(uint bytes, uint k) { return int(((bytes | 0x80808080u) - k * 0x01010101u) ^ 0x80808080u); }
// Bits 0-3 of `bits` to bit 4 of bytes 0-3 (the fifth bit of Q5 values).
uint fifthBits(uint bits) { return ((bits & 1u) | ((bits & 2u) << 7) | ((bits & 4u) << 14) | ((bits & 8u) << 21)) << 4; }

#if defined(TYPE_Q4_0) || defined(TYPE_Q4_1) || defined(TYPE_Q5_0) || defined(TYPE_Q5_1) || defined(TYPE_Q8_0) || defined(TYPE_IQ4_NL) || \
    defined(TYPE_MXFP4)
#define UNITS_PER_BLOCK 1u
#else
#define UNITS_PER_BLOCK 8u
#endif

#if defined(TYPE_IQ4_NL) || defined(TYPE_IQ4_XS) || defined(TYPE_MXFP4)
// Four nibbles (one per byte) through the type's 16 levels, as four signed bytes.
uint levelBytes(uint nibbles)
{
#if defined(TYPE_MXFP4)
    const int levels[16] = int[](0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12);  // E2M1, doubled
#else
    const int levels[16] = int[](-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113);  // IQ4_NL's
#endif
    uint packed = 0u;
    for (uint k = 0; k < 4u; ++k) packed |= (uint(levels[(nibbles >> (8u * k)) & 15u]) & 0xFFu) << (8u * k);
    return packed;
}
// q from 16 bytes of nibble pairs (low nibbles: values 0-15, high: 16-31), given as a function
// of the word index so that unaligned blocks can assemble their words.
#define LEVELS_FROM_WORDS(u, wordAt)                                                                                                       \
    for (uint w = 0; w < 4u; ++w) {                                                                                                        \
        const uint qs = wordAt(w);                                                                                                         \
        u.q[w] = int(levelBytes(qs & 0x0F0F0F0Fu));                                                                                        \
        u.q[w + 4u] = int(levelBytes((qs >> 4) & 0x0F0F0F0Fu));                                                                            \
    }
#endif

#if defined(TYPE_Q4_0)
#define BLOCK_WORDS 5
DotUnit unpackUnit(uint base, uint sub)  // words 0-3: qs (low nibbles: values 0-15), word 4: d
{
    DotUnit u;
    for (uint w = 0; w < 4u; ++w) {
        const uint qs = W[base + w];
        u.q[w] = minusEach(qs & 0x0F0F0F0Fu, 8u);
        u.q[w + 4u] = minusEach((qs >> 4) & 0x0F0F0F0Fu, 8u);
    }
    u.scale = vec2(unpackHalf2x16(W[base + 4u]).x);
    u.min = 0.0;
    return u;
}
#elif defined(TYPE_Q4_1)
#define BLOCK_WORDS 5
DotUnit unpackUnit(uint base, uint sub)  // word 0: d, m; words 1-4: qs
{
    DotUnit u;
    for (uint w = 0; w < 4u; ++w) {
        const uint qs = W[base + 1u + w];
        u.q[w] = int(qs & 0x0F0F0F0Fu);
        u.q[w + 4u] = int((qs >> 4) & 0x0F0F0F0Fu);
    }
    const vec2 dm = unpackHalf2x16(W[base]);
    u.scale = vec2(dm.x);
    u.min = dm.y;
    return u;
}
#elif defined(TYPE_Q5_0)
#define BLOCK_WORDS 6
DotUnit unpackUnit(uint base, uint sub)  // words 0-3: qs, word 4: qh, word 5: d
{
    DotUnit u;
    const uint qh = W[base + 4u];
    for (uint w = 0; w < 4u; ++w) {
        const uint qs = W[base + w];
        u.q[w] = minusEach((qs & 0x0F0F0F0Fu) | fifthBits(qh >> (4u * w)), 16u);
        u.q[w + 4u] = minusEach(((qs >> 4) & 0x0F0F0F0Fu) | fifthBits(qh >> (16u + 4u * w)), 16u);
    }
    u.scale = vec2(unpackHalf2x16(W[base + 5u]).x);
    u.min = 0.0;
    return u;
}
#elif defined(TYPE_Q5_1)
#define BLOCK_WORDS 6
DotUnit unpackUnit(uint base, uint sub)  // word 0: d, m; word 1: qh; words 2-5: qs
{
    DotUnit u;
    const uint qh = W[base + 1u];
    for (uint w = 0; w < 4u; ++w) {
        const uint qs = W[base + 2u + w];
        u.q[w] = int((qs & 0x0F0F0F0Fu) | fifthBits(qh >> (4u * w)));
        u.q[w + 4u] = int(((qs >> 4) & 0x0F0F0F0Fu) | fifthBits(qh >> (16u + 4u * w)));
    }
    const vec2 dm = unpackHalf2x16(W[base]);
    u.scale = vec2(dm.x);
    u.min = dm.y;
    return u;
}
#elif defined(TYPE_Q8_0)
#define BLOCK_WORDS 9
DotUnit unpackUnit(uint base, uint sub)  // words 0-7: qs, word 8: d
{
    DotUnit u;
    for (uint w = 0; w < 8u; ++w) u.q[w] = int(W[base + w]);
    u.scale = vec2(unpackHalf2x16(W[base + 8u]).x);
    u.min = 0.0;
    return u;
}
#elif defined(TYPE_Q4_K) || defined(TYPE_Q5_K)
#if defined(TYPE_Q4_K)
#define BLOCK_WORDS 36
#define QS_BYTE 16u
#else
#define BLOCK_WORDS 44
#define QS_BYTE 48u
#endif
DotUnit unpackUnit(uint base, uint j)  // d, dmin, scales[12], (qh[32],) qs[128]; unit j has scale and min j
{
    const vec2 dm = unpackHalf2x16(W[base]);
    const uvec2 scaleMin = kScaleMin(base, j);
    DotUnit u;
    const uint first = base + (QS_BYTE + (j / 2u) * 32u) / 4u, shift = 4u * (j % 2u);
    for (uint w = 0; w < 8u; ++w) {
        uint value = (W[first + w] >> shift) & 0x0F0F0F0Fu;
#if defined(TYPE_Q5_K)
        value |= ((W[base + 4u + w] >> j) & 0x01010101u) << 4;
#endif
        u.q[w] = int(value);
    }
    u.scale = vec2(dm.x * float(scaleMin.x));
    u.min = -dm.y * float(scaleMin.y);
    return u;
}
#elif defined(TYPE_Q6_K)
#define BLOCK_WORDS 53
DotUnit unpackUnit(uint base, uint j)  // ql[128], qh[64], scales[16] (int8, one per 16 values), d
{
    const uint half_ = j / 4u, quarter = j % 4u;
    const uint low = base + (half_ * 64u + (quarter & 1u) * 32u) / 4u, lowShift = (quarter >> 1) * 4u;
    const uint high = base + (128u + half_ * 32u) / 4u, highShift = 2u * quarter;
    DotUnit u;
    for (uint w = 0; w < 8u; ++w) {
        const uint value = ((W[low + w] >> lowShift) & 0x0F0F0F0Fu) | (((W[high + w] >> highShift) & 0x03030303u) << 4);
        u.q[w] = minusEach(value, 32u);
    }
    const float d = unpackHalf2x16(W[base + 52u]).x;
    u.scale = d * vec2(float(wsbyte(base, 192u + 2u * j)), float(wsbyte(base, 193u + 2u * j)));
    u.min = 0.0;
    return u;
}
#elif defined(TYPE_Q2_K)
#define BLOCK_WORDS 21
#define MINS_PER_16  // the minimums are per 16 values: the kernel sums x's halves for them
DotUnit unpackUnit(uint base, uint j)  // scales[16] (4-bit scale, 4-bit min), qs[64], d, dmin
{
    const vec2 dm = unpackHalf2x16(W[base + 20u]);
    const uint first = base + (16u + (j / 4u) * 32u) / 4u, shift = 2u * (j % 4u);
    DotUnit u;
    for (uint w = 0; w < 8u; ++w) u.q[w] = int((W[first + w] >> shift) & 0x03030303u);
    const uint lo = wbyte(base, 2u * j), hi = wbyte(base, 2u * j + 1u);
    u.scale = dm.x * vec2(float(lo & 15u), float(hi & 15u));
    u.min16 = dm.y * vec2(float(lo >> 4), float(hi >> 4));
    return u;
}
#elif defined(TYPE_Q3_K)
#define BLOCK_WORDS 28
uint q3Scale(uint base, uint s)  // the 6-bit scale of 16-value sub-block s, unsigned (32 = 0)
{
    const uint low = s < 8u ? (wbyte(base, 96u + s) & 15u) : (wbyte(base, 96u + s - 8u) >> 4);
    return low | (((wbyte(base, 104u + s % 4u) >> (2u * (s / 4u))) & 3u) << 4);
}
DotUnit unpackUnit(uint base, uint j)  // hmask[32], qs[64], scales[12], d
{
    const uint half_ = j / 4u, jj = j % 4u;
    const uint first = base + (32u + half_ * 32u) / 4u, bit = half_ * 4u + jj;
    DotUnit u;
    for (uint w = 0; w < 8u; ++w) {
        // value = 2 low bits - 4 where the hmask bit is clear: (low | hbit << 2) - 4
        const uint low = (W[first + w] >> (2u * jj)) & 0x03030303u, high = (W[base + w] >> bit) & 0x01010101u;
        u.q[w] = minusEach(low | (high << 2), 4u);
    }
    const float d = unpackHalf2x16(W[base + 27u]).x;
    u.scale = d * vec2(float(int(q3Scale(base, 2u * j)) - 32), float(int(q3Scale(base, 2u * j + 1u)) - 32));
    u.min = 0.0;
    return u;
}
#elif defined(TYPE_IQ4_NL) || defined(TYPE_MXFP4)
#define BLOCK_WORDS 5
// IQ4_NL: d (F16) then qs[16]; MXFP4: e (E8M0) then qs[16]. The quants start at byte 2 or 1.
#if defined(TYPE_IQ4_NL)
#define QS_SHIFT 16u
#else
#define QS_SHIFT 8u
#endif
uint quantWord(uint base, uint w) { return (W[base + w] >> QS_SHIFT) | (W[base + w + 1u] << (32u - QS_SHIFT)); }
DotUnit unpackUnit(uint base, uint sub)
{
    DotUnit u;
#define WORD_AT(w) quantWord(base, w)
    LEVELS_FROM_WORDS(u, WORD_AT)
#undef WORD_AT
#if defined(TYPE_IQ4_NL)
    u.scale = vec2(unpackHalf2x16(W[base]).x);
#else
    const uint e = W[base] & 0xFFu;
    u.scale = vec2(uintBitsToFloat(e < 2u ? 0x00200000u << e : (e - 1u) << 23));  // E8M0 halved, as quant_blocks.glsl
#endif
    u.min = 0.0;
    return u;
}
#elif defined(TYPE_IQ4_XS)
#define BLOCK_WORDS 34
DotUnit unpackUnit(uint base, uint ib)  // d, scales_h (u16), scales_l[4], qs[128]
{
    DotUnit u;
#define WORD_AT(w) W[base + 2u + 4u * ib + w]
    LEVELS_FROM_WORDS(u, WORD_AT)
#undef WORD_AT
    const uint scalesHigh = W[base] >> 16;
    const int ls = int(((wbyte(base, 4u + ib / 2u) >> (4u * (ib % 2u))) & 15u) | (((scalesHigh >> (2u * ib)) & 3u) << 4));
    u.scale = vec2(unpackHalf2x16(W[base]).x * float(ls - 32));
    u.min = 0.0;
    return u;
}
#elif defined(TYPE_IQ2_XXS) || defined(TYPE_IQ2_XS) || defined(TYPE_IQ2_S) || defined(TYPE_IQ3_XXS) || defined(TYPE_IQ3_S) || \
    defined(TYPE_IQ1_S) || defined(TYPE_IQ1_M)
// The grid types: unit ib is four groups of eight, each eight grid magnitudes (below 64) with
// their signs applied, as two words of signed bytes; the scales are quant_blocks.glsl's,
// per 16 values (the 32-value ones twice). The layouts are quant_blocks.glsl's dequant16.
// IQ1's values g + delta (g in -1, 0, 1; delta +-1/8) are the bytes 8g +- 1 with the 1/8 in the scale.
#include "iq_grids.glsl"
uint signedFour(uint magnitudes, uint signs)
{
    uint packed = 0u;
    for (uint k = 0; k < 4u; ++k) {
        const int m = int((magnitudes >> (8u * k)) & 0xFFu);
        packed |= (uint(((signs >> k) & 1u) != 0u ? -m : m) & 0xFFu) << (8u * k);
    }
    return packed;
}
void setEight(inout DotUnit u, uint l, uvec2 grid, uint signs)
{
    u.q[2u * l] = int(signedFour(grid.x, signs));
    u.q[2u * l + 1u] = int(signedFour(grid.y, signs >> 4));
}
#if defined(TYPE_IQ2_XXS)
#define BLOCK_WORDS 17
DotUnit unpackUnit(uint base, uint ib)  // d, per 32 values: 4 grid indices, a word of signs + scale
{
    DotUnit u;
    const uint q = 2u + 8u * ib, meta = wword(base, q + 4u);
    for (uint l = 0; l < 4u; ++l) setEight(u, l, iq2xxs_grid(wbyte(base, q + l)), signsOf7((meta >> (7u * l)) & 127u));
    u.scale = vec2(whalf(base, 0u) * (0.5 + float(meta >> 28)) * 0.25);
    u.min = 0.0;
    return u;
}
#elif defined(TYPE_IQ2_XS)
#define BLOCK_WORDS 19
DotUnit unpackUnit(uint base, uint ib)  // d, qs[32 u16] (9-bit index, 7 signs), scales[8]
{
    DotUnit u;
    for (uint l = 0; l < 4u; ++l) {
        const uint q = wbyte(base, 2u + 2u * (4u * ib + l)) | (wbyte(base, 3u + 2u * (4u * ib + l)) << 8);
        setEight(u, l, iq2xs_grid(q & 511u), signsOf7(q >> 9));
    }
    const uint scales = wbyte(base, 66u + ib);
    const float d = whalf(base, 0u);
    u.scale = vec2(d * (0.5 + float(scales & 15u)) * 0.25, d * (0.5 + float(scales >> 4)) * 0.25);
    u.min = 0.0;
    return u;
}
#elif defined(TYPE_IQ2_S)
#define BLOCK_WORDS 21
DotUnit unpackUnit(uint base, uint ib)  // d, qs[32], signs[32], qh[8], scales[8]
{
    DotUnit u;
    const uint qh = wbyte(base, 66u + ib);
    for (uint l = 0; l < 4u; ++l) {
        const uint index = wbyte(base, 2u + 4u * ib + l) | ((qh << (8u - 2u * l)) & 0x300u);
        setEight(u, l, iq2s_grid(index), wbyte(base, 34u + 4u * ib + l));
    }
    const uint scales = wbyte(base, 74u + ib);
    const float d = whalf(base, 0u);
    u.scale = vec2(d * (0.5 + float(scales & 15u)) * 0.25, d * (0.5 + float(scales >> 4)) * 0.25);
    u.min = 0.0;
    return u;
}
#elif defined(TYPE_IQ3_XXS)
#define BLOCK_WORDS 25
DotUnit unpackUnit(uint base, uint ib)  // d, qs[64] grid indices, 8 words of signs + scale
{
    DotUnit u;
    const uint meta = wword(base, 66u + 4u * ib);
    for (uint l = 0; l < 4u; ++l) {
        const uvec2 grid = uvec2(iq3xxs_grid(wbyte(base, 2u + 8u * ib + 2u * l)), iq3xxs_grid(wbyte(base, 3u + 8u * ib + 2u * l)));
        setEight(u, l, grid, signsOf7((meta >> (7u * l)) & 127u));
    }
    u.scale = vec2(whalf(base, 0u) * (0.5 + float(meta >> 28)) * 0.5);
    u.min = 0.0;
    return u;
}
#elif defined(TYPE_IQ1_S) || defined(TYPE_IQ1_M)
// Eight signed grid bytes (-1, 0, 1) as 8g + delta (delta +-1) in two words of signed bytes.
void setIq1Eight(inout DotUnit u, uint l, uvec2 grid, int delta)
{
    for (uint w = 0; w < 2u; ++w) {
        const uint g = w == 0u ? grid.x : grid.y;
        uint packed = 0u;
        for (uint k = 0; k < 4u; ++k) packed |= (uint(8 * (int(g << (24u - 8u * k)) >> 24) + delta) & 0xFFu) << (8u * k);
        u.q[2u * l + w] = int(packed);
    }
}
#if defined(TYPE_IQ1_S)
#define BLOCK_WORDS 13
DotUnit unpackUnit(uint base, uint ib)  // d, qs[32], qh[8 u16]: high index bits, scale, delta sign
{
    DotUnit u;
    const uint qh = wbyte(base, 34u + 2u * ib) | (wbyte(base, 35u + 2u * ib) << 8);
    const int delta = (qh & 0x8000u) != 0u ? -1 : 1;
    for (uint l = 0; l < 4u; ++l) setIq1Eight(u, l, iq1s_grid(wbyte(base, 2u + 4u * ib + l) | (((qh >> (3u * l)) & 7u) << 8)), delta);
    u.scale = vec2(whalf(base, 0u) * float(2u * ((qh >> 12) & 7u) + 1u) * 0.125);
    u.min = 0.0;
    return u;
}
#else
#define BLOCK_WORDS 14
uint iq1mScales(uint base, uint i) { return wbyte(base, 48u + 2u * i) | (wbyte(base, 49u + 2u * i) << 8); }
DotUnit unpackUnit(uint base, uint ib)  // qs[32], qh[16], scales[4 u16] (the F16 scale in their top nibbles)
{
    DotUnit u;
    const uint s0 = iq1mScales(base, 0u), s1 = iq1mScales(base, 1u), s2 = iq1mScales(base, 2u), s3 = iq1mScales(base, 3u);
    const float d = unpackHalf2x16((s0 >> 12) | ((s1 >> 8) & 0x00f0u) | ((s2 >> 4) & 0x0f00u) | (s3 & 0xf000u)).x;
    for (uint l = 0; l < 4u; ++l) {
        const uint hb = wbyte(base, 32u + 2u * ib + l / 2u), h = l % 2u;
        const uint index = wbyte(base, 4u * ib + l) | ((hb << (h == 0u ? 8u : 4u)) & 0x700u);
        setIq1Eight(u, l, iq1s_grid(index), (hb & (h == 0u ? 0x08u : 0x80u)) != 0u ? -1 : 1);
    }
    const uint sc = iq1mScales(base, ib / 2u);
    u.scale = d * 0.125 * vec2(float(2u * ((sc >> (6u * (ib % 2u))) & 7u) + 1u), float(2u * ((sc >> (6u * (ib % 2u) + 3u)) & 7u) + 1u));
    u.min = 0.0;
    return u;
}
#endif
#else  // TYPE_IQ3_S
#define BLOCK_WORDS 28
DotUnit unpackUnit(uint base, uint ib)  // d, qs[64], qh[8], signs[32], scales[4]
{
    DotUnit u;
    const uint qh = wbyte(base, 66u + ib);
    for (uint l = 0; l < 4u; ++l) {
        const uint i0 = wbyte(base, 2u + 8u * ib + 2u * l) | ((qh << (8u - 2u * l)) & 256u);
        const uint i1 = wbyte(base, 3u + 8u * ib + 2u * l) | ((qh << (7u - 2u * l)) & 256u);
        setEight(u, l, uvec2(iq3s_grid(i0), iq3s_grid(i1)), wbyte(base, 74u + 4u * ib + l));
    }
    const uint scales = wbyte(base, 106u + ib / 2u);
    u.scale = vec2(whalf(base, 0u) * float(1u + 2u * (ib % 2u == 0u ? scales & 15u : scales >> 4)));
    u.min = 0.0;
    return u;
}
#endif
#else
#error "dot_blocks.glsl: no integer-dot unpacking for this weight type"
#endif
