// Dequantizes weights as the Vulkan backend stores them: the GGUF block layouts, each block
// padded to whole 32-bit words, with the f16 scale of Q4_0, Q5_0 and Q8_0 moved after the quants
// so that every byte array starts on a word (see inference/backend/vulkan/vk_weight_layout.cpp).
// The includer declares `uint W[]` (the weight words) and defines one TYPE_*.
//
// dequant16(base, sub, v) writes the 16 values of sub-block `sub` of the block that starts at
// word `base`. Every type is read 16 values at a time: BLOCK_ELEMS / 16 sub-blocks per block.

uint byteOf(uint word, uint i) { return (word >> (8u * i)) & 0xFFu; }
uint wbyte(uint base, uint b) { return byteOf(W[base + (b >> 2)], b & 3u); }
int wsbyte(uint base, uint b) { return int(W[base + (b >> 2)] << (24u - 8u * (b & 3u))) >> 24; }
float whalf(uint base, uint b) { return unpackHalf2x16(W[base + (b >> 2)] >> (8u * (b & 2u))).x; }

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
    uint j = sub / 2u;  // 6-bit scale and min j, packed as in kScaleMin
    uint sc, mn;
    if (j < 4u) {
        sc = wbyte(base, 4u + j) & 63u;
        mn = wbyte(base, 8u + j) & 63u;
    } else {
        sc = (wbyte(base, 8u + j) & 15u) | ((wbyte(base, j) >> 6) << 4);
        mn = (wbyte(base, 8u + j) >> 4) | ((wbyte(base, 4u + j) >> 6) << 4);
    }
    float dl = dm.x * float(sc), ml = dm.y * float(mn);
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
#else
#error "define one TYPE_*"
#endif

#define SUBS_PER_BLOCK (BLOCK_ELEMS / 16)
