// IEEE half and bfloat16 conversions, bit-exact with ggml's reference (round to nearest even).
#pragma once

#include <cstdint>
#include <cstring>

namespace hearth {

inline float fp16ToFloat(uint16_t h)
{
    uint32_t sign = uint32_t(h & 0x8000) << 16;
    uint32_t exponent = (h >> 10) & 0x1f;
    uint32_t mantissa = h & 0x3ff;
    uint32_t bits;
    if (exponent == 0) {
        if (mantissa == 0) {
            bits = sign;
        } else {  // subnormal: normalise
            int e = -1;
            do {
                ++e;
                mantissa <<= 1;
            } while ((mantissa & 0x400) == 0);
            bits = sign | (uint32_t(127 - 15 - e) << 23) | ((mantissa & 0x3ff) << 13);
        }
    } else if (exponent == 31) {
        bits = sign | 0x7f800000u | (mantissa << 13);
    } else {
        bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
    }
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

inline uint16_t floatToFp16(float f)
{
    uint32_t x;
    std::memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000;
    uint32_t absolute = x & 0x7fffffff;
    if (absolute >= 0x7f800000u) return uint16_t(sign | 0x7c00 | (absolute > 0x7f800000u ? 0x200 : 0));  // inf / nan
    if (absolute >= 0x477ff000u) return uint16_t(sign | 0x7c00);  // rounds to beyond the largest half
    if (absolute < 0x38800000u) {  // result is subnormal or zero
        if (absolute < 0x33000000u) return uint16_t(sign);
        uint32_t exponent = absolute >> 23;
        uint32_t mantissa = (absolute & 0x7fffff) | 0x800000;
        uint32_t shift = 126 - exponent;  // 14..24
        uint32_t half = mantissa >> shift;
        uint32_t rest = mantissa & ((1u << shift) - 1);
        uint32_t halfway = 1u << (shift - 1);
        if (rest > halfway || (rest == halfway && (half & 1))) ++half;
        return uint16_t(sign | half);
    }
    uint32_t rounded = absolute + 0xfff + ((absolute >> 13) & 1);  // round to nearest even
    return uint16_t(sign | ((rounded - 0x38000000u) >> 13));
}

inline float bf16ToFloat(uint16_t b)
{
    uint32_t bits = uint32_t(b) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

inline uint16_t floatToBf16(float f)
{
    uint32_t x;
    std::memcpy(&x, &f, 4);
    if ((x & 0x7fffffff) > 0x7f800000u) return uint16_t((x >> 16) | 64);  // quiet nan
    return uint16_t((x + (0x7fff + ((x >> 16) & 1))) >> 16);
}

inline float roundToFp16(float f) { return fp16ToFloat(floatToFp16(f)); }

}  // namespace hearth
