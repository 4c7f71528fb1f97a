// The weight types that have integer-dot kernels (matmul_dot.comp), read from the Vulkan
// backend's layout (quant_blocks.glsl, vk_weight_layout.cpp) 32 values at a time:
// unpackUnit(base, sub) gives unit `sub` of the block at word `base` as 8 words of signed bytes
// q, and how the unit's dot product with a Q8_1 block (d, s = d * sum) becomes its sum:
//   sum = d * (scale.x * dot(q[0..3], x) + scale.y * dot(q[4..7], x)) + min * s
// (scale.y differs from scale.x only where 16-value sub-blocks have their own scales).
// The includer declares `uint W[]` and defines one TYPE_*.

struct DotUnit {
    int q[8];
    vec2 scale;
    float min;
};

uint byteOf(uint word, uint i) { return (word >> (8u * i)) & 0xFFu; }
uint wbyte(uint base, uint b) { return byteOf(W[base + (b >> 2)], b & 3u); }
int wsbyte(uint base, uint b) { return int(W[base + (b >> 2)] << (24u - 8u * (b & 3u))) >> 24; }

// Four unsigned bytes (each below 128) minus k each, as signed bytes: the top bit of every byte
// is set first so that no borrow crosses into the next byte.
int minusEach(uint bytes, uint k) { return int(((bytes | 0x80808080u) - k * 0x01010101u) ^ 0x80808080u); }
// Bits 0-3 of `bits` to bit 4 of bytes 0-3 (the fifth bit of Q5 values).
uint fifthBits(uint bits) { return ((bits & 1u) | ((bits & 2u) << 7) | ((bits & 4u) << 14) | ((bits & 8u) << 21)) << 4; }

#if defined(TYPE_Q4_0) || defined(TYPE_Q4_1) || defined(TYPE_Q5_0) || defined(TYPE_Q5_1) || defined(TYPE_Q8_0)
#define UNITS_PER_BLOCK 1u
#else
#define UNITS_PER_BLOCK 8u
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
    uint sc, mn;  // 6-bit, packed as in kScaleMin
    if (j < 4u) {
        sc = wbyte(base, 4u + j) & 63u;
        mn = wbyte(base, 8u + j) & 63u;
    } else {
        sc = (wbyte(base, 8u + j) & 15u) | ((wbyte(base, j) >> 6) << 4);
        mn = (wbyte(base, 8u + j) >> 4) | ((wbyte(base, 4u + j) >> 6) << 4);
    }
    DotUnit u;
    const uint first = base + (QS_BYTE + (j / 2u) * 32u) / 4u, shift = 4u * (j % 2u);
    for (uint w = 0; w < 8u; ++w) {
        uint value = (W[first + w] >> shift) & 0x0F0F0F0Fu;
#if defined(TYPE_Q5_K)
        value |= ((W[base + 4u + w] >> j) & 0x01010101u) << 4;
#endif
        u.q[w] = int(value);
    }
    u.scale = vec2(dm.x * float(sc));
    u.min = -dm.y * float(mn);
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
#else
#error "dot_blocks.glsl: no integer-dot unpacking for this weight type"
#endif
