// e^x that SIMD kernels reproduce lane for lane: the tiled softmax's scores and the SwiGLU gate
// use it in the reference and in the fast backend's kernels alike, so both give the same bits.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>

namespace hearth {

// Within 1 ulp of std::exp on [-87, 0] (tested): Cephes' expf polynomial on x - n ln 2 (ln 2 in
// two parts, the first exact times any n), scaled by 2^n. Plain multiplies and adds in a fixed
// order (no fused ones: the library builds with -ffp-contract=off), so a kernel doing the same
// steps lane by lane gets the same bits; a library exp would not vectorize that way. Below -87
// (e^x < 2^-125) it is 0; above 88 it is e^88 (finite); NaN stays NaN.
namespace exp_constants {
constexpr float kLowest = -87.0f, kHighest = 88.0f;
constexpr float kLog2e = 1.44269504088896341f, kRound = 0x1.8p23f;  // adding kRound rounds to an integer
constexpr float kLn2Hi = 0x1.62e4p-1f, kLn2Lo = 0x1.7f7d1cp-20f;
constexpr float kP0 = 1.9875691500e-4f, kP1 = 1.3981999507e-3f, kP2 = 8.3334519073e-3f, kP3 = 4.1665795894e-2f, kP4 = 1.6666665459e-1f,
                kP5 = 5.0000001201e-1f;
}  // namespace exp_constants

inline float portableExp(float x)
{
    using namespace exp_constants;
    if (!(x > kLowest)) return x != x ? x : 0.0f;
    x = std::min(x, kHighest);
    const float n = (x * kLog2e + kRound) - kRound;
    const float r = (x - n * kLn2Hi) - n * kLn2Lo;
    float p = kP0 * r + kP1;
    p = p * r + kP2;
    p = p * r + kP3;
    p = p * r + kP4;
    p = p * r + kP5;
    const float e = (p * (r * r) + r) + 1.0f;
    return e * std::bit_cast<float>(uint32_t(int32_t(n) + 127) << 23);
}

// SwiGLU's value for one gate and up value: silu(gate) * up.
inline float swigluValue(float gate, float up) { return (gate / (1.0f + portableExp(-gate))) * up; }

}  // namespace hearth
