// Dequantizes weights as the Vulkan backend stores them: the GGUF block layouts, each block
// padded to whole 32-bit words, with the f16 scale of Q4_0, Q5_0 and Q8_0 moved after the quants
// so that every byte array starts on a word (see inference/backend/vulkan/vk_weight_layout.cpp).
// The includer declares `uint W[]` (the weight words) and defines one TYPE_*.
//
// dequant16(base, sub, v) writes the 16 values of sub-block `sub` of the block that starts at
// word `base`. Every type is read 16 values at a time: BLOCK_ELEMS / 16 sub-blocks per block.

#include "weight_words.glsl"

#if defined(TYPE_IQ4_NL) || defined(TYPE_IQ4_XS)
float level4(uint i)  // IQ4_NL's non-uniform levels
{
    const int levels[16] = int[](-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113);
    return float(levels[i]);
}
#elif defined(TYPE_MXFP4)
float level4(uint i)  // E2M1 values, doubled
{
    const int levels[16] = int[](0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12);
    return float(levels[i]);
}
#endif

#include "iq_grids.glsl"

// Eight values into v[at..at+8): scale * the grid entry's bytes, negated where the signs say.
void signedEight(float scale, uvec2 grid, uint signs, inout float v[16], uint at)
{
    for (uint j = 0; j < 8; ++j) {
        const uint magnitude = ((j < 4u ? grid.x : grid.y) >> (8u * (j & 3u))) & 0xFFu;
        v[at + j] = scale * float(magnitude) * (((signs >> j) & 1u) != 0u ? -1.0 : 1.0);
    }
}
// IQ1: eight signed grid bytes (-1, 0, 1) shifted by delta, times the scale.
void iq1Eight(float scale, uvec2 grid, float delta, inout float v[16], uint at)
{
    for (uint j = 0; j < 8; ++j) {
        const int value = int(((j < 4u ? grid.x : grid.y) >> (8u * (j & 3u))) << 24) >> 24;
        v[at + j] = scale * (float(value) + delta);
    }
}

#if defined(TYPE_F32)
#define BLOCK_ELEMS 16
#define BLOCK_WORDS 16
void dequant16(uint base, uint sub, out float v[16])
{
    for (uint i = 0; i < 16; ++i) v[i] = uintBitsToFloat(W[base + i]);
}
#elif defined(TYPE_F16)
#define BLOCK_ELEMS 16
#define BLOCK_WORDS 8
void dequant16(uint base, uint sub, out float v[16])
{
    for (uint i = 0; i < 8; ++i) {
        vec2 p = unpackHalf2x16(W[base + i]);
        v[2 * i] = p.x;
        v[2 * i + 1] = p.y;
    }
}
#elif defined(TYPE_BF16)
#define BLOCK_ELEMS 16
#define BLOCK_WORDS 8
void dequant16(uint base, uint sub, out float v[16])
{
    for (uint i = 0; i < 8; ++i) {
        uint w = W[base + i];
        v[2 * i] = uintBitsToFloat(w << 16);
        v[2 * i + 1] = uintBitsToFloat(w & 0xFFFF0000u);
    }
}
#elif defined(TYPE_Q4_0)
#define BLOCK_ELEMS 32
#define BLOCK_WORDS 5
void dequant16(uint base, uint sub, out float v[16])  // words 0-3: qs, word 4: d
{
    float d = unpackHalf2x16(W[base + 4]).x;
    uint shift = sub * 4u;
    for (uint w = 0; w < 4; ++w) {
        uint q = W[base + w] >> shift;
        for (uint k = 0; k < 4; ++k) v[w * 4 + k] = float(int((q >> (8u * k)) & 15u) - 8) * d;
    }
}
#elif defined(TYPE_Q4_1)
#define BLOCK_ELEMS 32
#define BLOCK_WORDS 5
void dequant16(uint base, uint sub, out float v[16])  // word 0: d, m; words 1-4: qs
{
    vec2 dm = unpackHalf2x16(W[base]);
    uint shift = sub * 4u;
    for (uint w = 0; w < 4; ++w) {
        uint q = W[base + 1 + w] >> shift;
        for (uint k = 0; k < 4; ++k) v[w * 4 + k] = float((q >> (8u * k)) & 15u) * dm.x + dm.y;
    }
}
#elif defined(TYPE_Q5_0)
#define BLOCK_ELEMS 32
#define BLOCK_WORDS 6
void dequant16(uint base, uint sub, out float v[16])  // words 0-3: qs, word 4: qh, word 5: d
{
    float d = unpackHalf2x16(W[base + 5]).x;
    uint qh = W[base + 4] >> (sub * 16u);
    uint shift = sub * 4u;
    for (uint w = 0; w < 4; ++w) {
        uint q = W[base + w] >> shift;
        for (uint k = 0; k < 4; ++k) {
            uint j = w * 4 + k;
            uint value = ((q >> (8u * k)) & 15u) | (((qh >> j) & 1u) << 4);
            v[j] = float(int(value) - 16) * d;
        }
    }
}
#elif defined(TYPE_Q5_1)
#define BLOCK_ELEMS 32
#define BLOCK_WORDS 6
void dequant16(uint base, uint sub, out float v[16])  // word 0: d, m; word 1: qh; words 2-5: qs
{
    vec2 dm = unpackHalf2x16(W[base]);
    uint qh = W[base + 1] >> (sub * 16u);
    uint shift = sub * 4u;
    for (uint w = 0; w < 4; ++w) {
        uint q = W[base + 2 + w] >> shift;
        for (uint k = 0; k < 4; ++k) {
            uint j = w * 4 + k;
            uint value = ((q >> (8u * k)) & 15u) | (((qh >> j) & 1u) << 4);
            v[j] = float(value) * dm.x + dm.y;
        }
    }
}
#elif defined(TYPE_Q8_0)
#define BLOCK_ELEMS 32
#define BLOCK_WORDS 9
void dequant16(uint base, uint sub, out float v[16])  // words 0-7: qs, word 8: d
{
    float d = unpackHalf2x16(W[base + 8]).x;
    for (uint w = 0; w < 4; ++w) {
        uint q = W[base + sub * 4 + w];
        for (uint k = 0; k < 4; ++k) v[w * 4 + k] = float(int(q << (24u - 8u * k)) >> 24) * d;
    }
}
#elif defined(TYPE_Q2_K)
#define BLOCK_ELEMS 256
#define BLOCK_WORDS 21
void dequant16(uint base, uint sub, out float v[16])  // scales[16], qs[64], d, dmin
{
    vec2 dm = unpackHalf2x16(W[base + 20]);
    uint sc = wbyte(base, sub);
    float dl = dm.x * float(sc & 15u), ml = dm.y * float(sc >> 4);
    uint half_ = sub / 8u, shift = 2u * ((sub % 8u) / 2u), first = 16u + half_ * 32u + (sub % 2u) * 16u;
    for (uint w = 0; w < 4; ++w) {
        uint q = W[base + first / 4u + w] >> shift;
        for (uint k = 0; k < 4; ++k) v[w * 4 + k] = dl * float((q >> (8u * k)) & 3u) - ml;
    }
}
#elif defined(TYPE_Q3_K)
#define BLOCK_ELEMS 256
#define BLOCK_WORDS 28
void dequant16(uint base, uint sub, out float v[16])  // hmask[32], qs[64], scales[12], d
{
    float d = unpackHalf2x16(W[base + 27]).x;
    uint low = sub < 8u ? (wbyte(base, 96u + sub) & 15u) : (wbyte(base, 96u + sub - 8u) >> 4);
    uint high = (wbyte(base, 104u + sub % 4u) >> (2u * (sub / 4u))) & 3u;
    float dl = d * float(int(low | (high << 4)) - 32);
    uint half_ = sub / 8u, j = (sub % 8u) / 2u, l0 = (sub % 2u) * 16u;
    uint bit = half_ * 4u + j;
    for (uint w = 0; w < 4; ++w) {
        uint q = W[base + (32u + half_ * 32u + l0) / 4u + w] >> (2u * j);
        uint h = W[base + l0 / 4u + w] >> bit;
        for (uint k = 0; k < 4; ++k) {
            int value = int((q >> (8u * k)) & 3u) - (((h >> (8u * k)) & 1u) != 0u ? 0 : 4);
            v[w * 4 + k] = dl * float(value);
        }
    }
}
#elif defined(TYPE_Q4_K) || defined(TYPE_Q5_K)
#define BLOCK_ELEMS 256
#if defined(TYPE_Q4_K)
#define BLOCK_WORDS 36
#define QS_BYTE 16u
#else
#define BLOCK_WORDS 44
#define QS_BYTE 48u
#endif
void dequant16(uint base, uint sub, out float v[16])  // d, dmin, scales[12], (qh[32],) qs[128]
{
    vec2 dm = unpackHalf2x16(W[base]);
    const uvec2 scaleMin = kScaleMin(base, sub / 2u);
    float dl = dm.x * float(scaleMin.x), ml = dm.y * float(scaleMin.y);
    uint chunk = sub / 4u, upper = (sub % 4u) / 2u, l0 = (sub % 2u) * 16u;
    for (uint w = 0; w < 4; ++w) {
        uint q = W[base + (QS_BYTE + chunk * 32u + l0) / 4u + w] >> (4u * upper);
#if defined(TYPE_Q5_K)
        uint h = W[base + (16u + l0) / 4u + w] >> (2u * chunk + upper);
#endif
        for (uint k = 0; k < 4; ++k) {
            uint value = (q >> (8u * k)) & 15u;
#if defined(TYPE_Q5_K)
            value |= ((h >> (8u * k)) & 1u) << 4;
#endif
            v[w * 4 + k] = dl * float(value) - ml;
        }
    }
}
#elif defined(TYPE_Q6_K)
#define BLOCK_ELEMS 256
#define BLOCK_WORDS 53
void dequant16(uint base, uint sub, out float v[16])  // ql[128], qh[64], scales[16], d
{
    float d = unpackHalf2x16(W[base + 52]).x;
    float dl = d * float(wsbyte(base, 192u + sub));
    uint half_ = sub / 8u, quarter = (sub % 8u) / 2u, l0 = (sub % 2u) * 16u;
    uint lowFirst = half_ * 64u + l0 + (quarter & 1u) * 32u, lowShift = (quarter >> 1) * 4u;
    uint highFirst = 128u + half_ * 32u + l0, highShift = 2u * quarter;
    for (uint w = 0; w < 4; ++w) {
        uint ql = W[base + lowFirst / 4u + w] >> lowShift;
        uint qh = W[base + highFirst / 4u + w] >> highShift;
        for (uint k = 0; k < 4; ++k) {
            uint value = ((ql >> (8u * k)) & 15u) | (((qh >> (8u * k)) & 3u) << 4);
            v[w * 4 + k] = dl * float(int(value) - 32);
        }
    }
}
#elif defined(TYPE_IQ4_NL) || defined(TYPE_MXFP4)
// 32 values: IQ4_NL d (F16) then qs[16]; MXFP4 e (E8M0) then qs[16]. Sub-block 0: low nibbles,
// 1: high nibbles, mapped through the type's 16 levels.
#define BLOCK_ELEMS 32
#if defined(TYPE_IQ4_NL)
#define BLOCK_WORDS 5
#else
#define BLOCK_WORDS 5
#endif
void dequant16(uint base, uint sub, out float v[16])
{
#if defined(TYPE_IQ4_NL)
    const float d = whalf(base, 0u);
    const uint first = 2u;
#else
    const uint e = wbyte(base, 0u);
    const float d = uintBitsToFloat(e < 2u ? 0x00200000u << e : (e - 1u) << 23);  // E8M0 halved
    const uint first = 1u;
#endif
    for (uint j = 0; j < 16; ++j) v[j] = d * float(level4((wbyte(base, first + j) >> (4u * sub)) & 15u));
}
#elif defined(TYPE_IQ4_XS)
#define BLOCK_ELEMS 256
#define BLOCK_WORDS 34
void dequant16(uint base, uint sub, out float v[16])  // d, scales_h (u16), scales_l[4], qs[128]
{
    const uint ib = sub / 2u;
    const uint scalesHigh = wbyte(base, 2u) | (wbyte(base, 3u) << 8);
    const int ls = int(((wbyte(base, 4u + ib / 2u) >> (4u * (ib % 2u))) & 15u) | (((scalesHigh >> (2u * ib)) & 3u) << 4));
    const float dl = whalf(base, 0u) * float(ls - 32);
    for (uint j = 0; j < 16; ++j) v[j] = dl * float(level4((wbyte(base, 8u + 16u * ib + j) >> (4u * (sub % 2u))) & 15u));
}
#elif defined(TYPE_IQ2_XXS)
#define BLOCK_ELEMS 256
#define BLOCK_WORDS 17
void dequant16(uint base, uint sub, out float v[16])  // d, per 32 values: 4 grid indices, a word of signs + scale
{
    const uint ib = sub / 2u, q = 2u + 8u * ib;
    const uint meta = wword(base, q + 4u);
    const float db = whalf(base, 0u) * (0.5 + float(meta >> 28)) * 0.25;
    for (uint h = 0; h < 2; ++h) {
        const uint l = 2u * (sub % 2u) + h;
        signedEight(db, iq2xxs_grid(wbyte(base, q + l)), signsOf7((meta >> (7u * l)) & 127u), v, 8u * h);
    }
}
#elif defined(TYPE_IQ2_XS)
#define BLOCK_ELEMS 256
#define BLOCK_WORDS 19
void dequant16(uint base, uint sub, out float v[16])  // d, qs[32 u16] (9-bit index, 7 signs), scales[8]
{
    const uint ib = sub / 2u, scales = wbyte(base, 66u + ib);
    const float d = whalf(base, 0u);
    for (uint h = 0; h < 2; ++h) {
        const uint l = 2u * (sub % 2u) + h;
        const uint q = wbyte(base, 2u + 2u * (4u * ib + l)) | (wbyte(base, 3u + 2u * (4u * ib + l)) << 8);
        const float db = d * (0.5 + float(l < 2u ? scales & 15u : scales >> 4)) * 0.25;
        signedEight(db, iq2xs_grid(q & 511u), signsOf7(q >> 9), v, 8u * h);
    }
}
#elif defined(TYPE_IQ2_S)
#define BLOCK_ELEMS 256
#define BLOCK_WORDS 21
void dequant16(uint base, uint sub, out float v[16])  // d, qs[32], signs[32], qh[8], scales[8]
{
    const uint ib = sub / 2u, scales = wbyte(base, 74u + ib), qh = wbyte(base, 66u + ib);
    const float d = whalf(base, 0u);
    for (uint h = 0; h < 2; ++h) {
        const uint l = 2u * (sub % 2u) + h;
        const float db = d * (0.5 + float(l < 2u ? scales & 15u : scales >> 4)) * 0.25;
        const uint index = wbyte(base, 2u + 4u * ib + l) | ((qh << (8u - 2u * l)) & 0x300u);
        signedEight(db, iq2s_grid(index), wbyte(base, 34u + 4u * ib + l), v, 8u * h);
    }
}
#elif defined(TYPE_IQ3_XXS)
#define BLOCK_ELEMS 256
#define BLOCK_WORDS 25
void dequant16(uint base, uint sub, out float v[16])  // d, qs[64] grid indices, 8 words of signs + scale
{
    const uint ib = sub / 2u;
    const uint meta = wword(base, 66u + 4u * ib);
    const float db = whalf(base, 0u) * (0.5 + float(meta >> 28)) * 0.5;
    for (uint h = 0; h < 2; ++h) {
        const uint l = 2u * (sub % 2u) + h;
        const uvec2 grid = uvec2(iq3xxs_grid(wbyte(base, 2u + 8u * ib + 2u * l)), iq3xxs_grid(wbyte(base, 3u + 8u * ib + 2u * l)));
        signedEight(db, grid, signsOf7((meta >> (7u * l)) & 127u), v, 8u * h);
    }
}
#elif defined(TYPE_IQ3_S)
#define BLOCK_ELEMS 256
#define BLOCK_WORDS 28
void dequant16(uint base, uint sub, out float v[16])  // d, qs[64], qh[8], signs[32], scales[4]
{
    const uint ib = sub / 2u, qh = wbyte(base, 66u + ib), scales = wbyte(base, 106u + ib / 2u);
    const float db = whalf(base, 0u) * float(1u + 2u * (ib % 2u == 0u ? scales & 15u : scales >> 4));
    for (uint h = 0; h < 2; ++h) {
        const uint l = 2u * (sub % 2u) + h;
        const uint i0 = wbyte(base, 2u + 8u * ib + 2u * l) | ((qh << (8u - 2u * l)) & 256u);
        const uint i1 = wbyte(base, 3u + 8u * ib + 2u * l) | ((qh << (7u - 2u * l)) & 256u);
        signedEight(db, uvec2(iq3s_grid(i0), iq3s_grid(i1)), wbyte(base, 74u + 4u * ib + l), v, 8u * h);
    }
}
#elif defined(TYPE_IQ1_S)
#define BLOCK_ELEMS 256
#define BLOCK_WORDS 13
void dequant16(uint base, uint sub, out float v[16])  // d, qs[32], qh[8 u16]: high index bits, scale, delta sign
{
    const uint ib = sub / 2u;
    const uint qh = wbyte(base, 34u + 2u * ib) | (wbyte(base, 35u + 2u * ib) << 8);
    const float dl = whalf(base, 0u) * float(2u * ((qh >> 12) & 7u) + 1u);
    const float delta = (qh & 0x8000u) != 0u ? -0.125 : 0.125;
    for (uint h = 0; h < 2; ++h) {
        const uint l = 2u * (sub % 2u) + h;
        iq1Eight(dl, iq1s_grid(wbyte(base, 2u + 4u * ib + l) | (((qh >> (3u * l)) & 7u) << 8)), delta, v, 8u * h);
    }
}
#elif defined(TYPE_IQ1_M)
#define BLOCK_ELEMS 256
#define BLOCK_WORDS 14
uint iq1mScales(uint base, uint i) { return wbyte(base, 48u + 2u * i) | (wbyte(base, 49u + 2u * i) << 8); }
void dequant16(uint base, uint sub, out float v[16])  // qs[32], qh[16], scales[4 u16] (the F16 scale in their top nibbles)
{
    const uint ib = sub / 2u;
    const uint s0 = iq1mScales(base, 0u), s1 = iq1mScales(base, 1u), s2 = iq1mScales(base, 2u), s3 = iq1mScales(base, 3u);
    const float d = unpackHalf2x16((s0 >> 12) | ((s1 >> 8) & 0x00f0u) | ((s2 >> 4) & 0x0f00u) | (s3 & 0xf000u)).x;
    const uint sc = iq1mScales(base, ib / 2u);
    // Sub-block 2 ib + 0 holds eights 0, 1 (first scale), 2 ib + 1 holds eights 2, 3 (second scale).
    const float dl = d * float(2u * ((sc >> (6u * (ib % 2u) + 3u * (sub % 2u))) & 7u) + 1u);
    const uint hb = wbyte(base, 32u + 2u * ib + (sub % 2u));
    for (uint h = 0; h < 2; ++h) {
        const uint index = wbyte(base, 4u * ib + 2u * (sub % 2u) + h) | ((hb << (h == 0u ? 8u : 4u)) & 0x700u);
        const float delta = (hb & (h == 0u ? 0x08u : 0x80u)) != 0u ? -0.125 : 0.125;
        iq1Eight(dl, iq1s_grid(index), delta, v, 8u * h);
    }
}
#else
#error "define one TYPE_*"
#endif

#define SUBS_PER_BLOCK (BLOCK_ELEMS / 16)
