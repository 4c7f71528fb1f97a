// ggml's quantization block layouts, byte for byte (little-endian). QK = values per block.
#pragma once

#include <cstdint>

namespace hearth::blocks {

constexpr int kQK32 = 32;
constexpr int kQKK = 256;  // K-quant super-block
constexpr int kKScaleBytes = 12;  // packed 6-bit scales and mins of Q4_K / Q5_K

#pragma pack(push, 1)
struct Q4_0 {
    uint16_t d;
    uint8_t qs[kQK32 / 2];
};  // x = (q - 8) * d
struct Q4_1 {
    uint16_t d, m;
    uint8_t qs[kQK32 / 2];
};  // x = q * d + m
struct Q5_0 {
    uint16_t d;
    uint8_t qh[4];
    uint8_t qs[kQK32 / 2];
};  // x = (q - 16) * d, 5th bit in qh
struct Q5_1 {
    uint16_t d, m;
    uint8_t qh[4];
    uint8_t qs[kQK32 / 2];
};  // x = q * d + m
struct Q8_0 {
    uint16_t d;
    int8_t qs[kQK32];
};  // x = q * d
struct Q8_1 {
    uint16_t d, s;
    int8_t qs[kQK32];
};  // s = d * sum(qs)
struct Q2_K {
    uint8_t scales[kQKK / 16];
    uint8_t qs[kQKK / 4];
    uint16_t d, dmin;
};
struct Q3_K {
    uint8_t hmask[kQKK / 8];
    uint8_t qs[kQKK / 4];
    uint8_t scales[12];
    uint16_t d;
};
struct Q4_K {
    uint16_t d, dmin;
    uint8_t scales[kKScaleBytes];
    uint8_t qs[kQKK / 2];
};
struct Q5_K {
    uint16_t d, dmin;
    uint8_t scales[kKScaleBytes];
    uint8_t qh[kQKK / 8];
    uint8_t qs[kQKK / 2];
};
struct Q6_K {
    uint8_t ql[kQKK / 2];
    uint8_t qh[kQKK / 4];
    int8_t scales[kQKK / 16];
    uint16_t d;
};
struct Q8_K {
    float d;
    int8_t qs[kQKK];
    int16_t bsums[kQKK / 16];
};
// The IQ types whose 16 levels are a table (iq_grids.h) rather than a grid.
struct IQ4_NL {
    uint16_t d;
    uint8_t qs[kQK32 / 2];
};  // x = d * level[q]
struct IQ4_XS {
    uint16_t d, scalesHigh;
    uint8_t scalesLow[kQKK / 64];
    uint8_t qs[kQKK / 2];
};  // x = d * (ls - 32) * level[q], a six-bit ls per 32 values
struct MXFP4 {
    uint8_t e;  // E8M0
    uint8_t qs[kQK32 / 2];
};  // x = 2^(e - 128) * doubled E2M1 value
#pragma pack(pop)

static_assert(sizeof(IQ4_NL) == 18 && sizeof(IQ4_XS) == 136 && sizeof(MXFP4) == 17);

static_assert(sizeof(Q4_0) == 18 && sizeof(Q4_1) == 20 && sizeof(Q5_0) == 22 && sizeof(Q5_1) == 24);
static_assert(sizeof(Q8_0) == 34 && sizeof(Q8_1) == 36);
static_assert(sizeof(Q2_K) == 84 && sizeof(Q3_K) == 110 && sizeof(Q4_K) == 144 && sizeof(Q5_K) == 176);
static_assert(sizeof(Q6_K) == 210 && sizeof(Q8_K) == 292);

// Unpacks scale and min j (0..7) of a Q4_K / Q5_K block: 6 bits each, j < 4 in the low bits
// of bytes j and j+4, j >= 4 split between byte j+4 and the top bits of bytes j-4 and j.
inline void kScaleMin(int j, const uint8_t* q, uint8_t& scale, uint8_t& min)
{
    if (j < 4) {
        scale = q[j] & 63;
        min = q[j + 4] & 63;
    } else {
        scale = uint8_t((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        min = uint8_t((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

// IQ4_XS's six-bit scale of sub-block ib (0..7), stored +32.
inline int iq4xsScale(const IQ4_XS& b, int ib)
{
    return (((b.scalesLow[ib / 2] >> (4 * (ib % 2))) & 0xF) | (((b.scalesHigh >> (2 * ib)) & 3) << 4)) - 32;
}

// Q3_K's sixteen 6-bit scales (stored +32): low nibbles in bytes 0..7, top 2 bits in 8..11.
inline int q3kScale(const uint8_t* s, int j)
{
    int low = j < 8 ? (s[j] & 0xF) : (s[j - 8] >> 4);
    int high = (s[8 + (j % 4)] >> (2 * (j / 4))) & 3;
    return (low | (high << 4)) - 32;
}

}  // namespace hearth::blocks
