// The IQ weight types' lookup grids (inference/quant/iq_grids.cpp, generated from ggml's
// definitions by tests/tools/extract_iq_grids.py). Each 64-bit entry packs eight magnitudes (one
// byte each, lowest first); each 32-bit entry four. iq1s_grid's bytes are signed (-1, 0, 1).
#pragma once

#include <cstdint>
#include <vector>

namespace hearth::iq {

extern const uint64_t iq2xxs_grid[256];
extern const uint64_t iq2xs_grid[512];
extern const uint64_t iq2s_grid[1024];
extern const uint32_t iq3xxs_grid[256];
extern const uint32_t iq3s_grid[512];
extern const uint64_t iq1s_grid[2048];
// iq1s_grid's bytes g (-1, 0, 1) as 8g + 10 (2, 10, 18): IQ1's value 8g + 1 plus 9, unsigned (a
// negative delta takes 2 off). Built at the first call (iq_grids_derived.cpp), thread-safe.
const uint64_t* iq1sGridPlus10();

// The non-uniform 4-bit levels of IQ4_NL / IQ4_XS, and MXFP4's E2M1 values doubled.
inline constexpr int8_t kIq4nlValues[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
inline constexpr int8_t kMxfp4Values[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

// The 8 sign bits of 7 stored ones: the eighth makes the count of minus signs even (a table:
// the kernels' files have no popcount instruction to count with).
struct SignsOf7 {
    uint8_t of[128];
    constexpr SignsOf7() : of()
    {
        for (int s = 0; s < 128; ++s) {
            int parity = 0;
            for (int j = 0; j < 7; ++j) parity ^= (s >> j) & 1;
            of[s] = uint8_t(s | (parity << 7));
        }
    }
};
inline constexpr SignsOf7 kSignsOf7;

// The grids back to back as 32-bit words (64-bit entries low word first), in the order and at the
// offsets shaders/iq_grids.glsl reads them: iq2xxs, iq2xs, iq2s, iq3xxs, iq3s, iq1s.
inline constexpr uint32_t kGridWords = 8448;
std::vector<uint32_t> packedGridWords();

// MXFP4's E8M0 scale halved (the values above are doubled): 2^(e - 128).
float e8m0Half(uint8_t e);

}  // namespace hearth::iq
