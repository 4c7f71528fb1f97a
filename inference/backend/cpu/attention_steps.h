// The scalar steps both CPU attention loops share (cpu_attention.cpp, fast_attention.cpp),
// written once so that the prompt path keeps the reference's bits.
#pragma once

#include "backend/backend.h"
#include "backend/cpu/cpu_attention.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

namespace hearth::attention_steps {

// e^x for the tiled softmax's scores (x <= 0 there), within 2 ulp of std::exp: Cephes' expf
// polynomial on x - n ln 2 (ln 2 in two parts, the first exact times any n), scaled by 2^n. Plain
// multiplies and adds in a fixed order (no fused ones: the library builds with
// -ffp-contract=off), so a kernel doing the same steps lane by lane gets the same bits; a
// library exp would not vectorize that way. Below -87 (e^x < 2^-125, nothing beside a softmax's
// maximum of 1) it is 0; NaN stays NaN.
namespace exp_constants {
constexpr float kLowest = -87.0f, kHighest = 88.0f;
constexpr float kLog2e = 1.44269504088896341f, kRound = 0x1.8p23f;  // adding kRound rounds to an integer
constexpr float kLn2Hi = 0x1.62e4p-1f, kLn2Lo = 0x1.7f7d1cp-20f;
constexpr float kP0 = 1.9875691500e-4f, kP1 = 1.3981999507e-3f, kP2 = 8.3334519073e-3f, kP3 = 4.1665795894e-2f, kP4 = 1.6666665459e-1f,
                kP5 = 5.0000001201e-1f;
}  // namespace exp_constants

inline float softmaxExp(float x)
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

// scores[j] = softmaxExp(scores[j] - max) for j < count, and their sum in double (ggml's tiled
// softmax sums a tile in ggml_float) as four running sums, slot j in sum j % 4, then (s0 + s1) +
// (s2 + s3): one chain of dependent adds would take longer than the exponentials, and four are
// one vector of doubles. The kernel's step, else this loop.
inline double expScores(const AttentionKernels& k, float* scores, int64_t count, float max)
{
    if (k.expScores) return k.expScores(scores, count, max);
    double sums[4] = {0, 0, 0, 0};
    for (int64_t j = 0; j < count; ++j) {
        scores[j] = softmaxExp(scores[j] - max);
        sums[j % 4] += scores[j];
    }
    return (sums[0] + sums[1]) + (sums[2] + sums[3]);
}

// ggml's order: the scale (divided by the cap) first, then cap * tanh.
inline float cappedScore(float dot, const AttentionParams& p)
{
    if (p.softCap <= 0) return dot * p.scale;
    return p.softCap * std::tanh(dot * (p.scale / p.softCap));
}

// ggml's attention sinks, after the slots: the head's sink logit joins the softmax's running
// max and sum, with no value of its own.
inline void applySink(const AttentionParams& p, int64_t head, float runningMax, float& runningSum, float* accumulator,
                      const AttentionKernels& k)
{
    if (!p.sinks) return;
    const float sink = p.sinks[head];
    if (sink > runningMax) {
        const float rescale = std::exp(runningMax - sink);
        k.rescale(accumulator, rescale, p.headDim, false);
        runningSum = runningSum * rescale + 1.0f;
    } else {
        runningSum = runningSum + std::exp(sink - runningMax);
    }
}

}  // namespace hearth::attention_steps
