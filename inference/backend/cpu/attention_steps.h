// The scalar steps both CPU attention loops share (cpu_attention.cpp, fast_attention.cpp),
// written once so that the prompt path keeps the reference's bits.
#pragma once

#include "backend/backend.h"
#include "backend/cpu/cpu_attention.h"
#include "backend/cpu/portable_exp.h"

#include <cmath>
#include <cstdint>

namespace hearth::attention_steps {

// scores[j] = portableExp(scores[j] - max) for j < count, and their sum in double (ggml's tiled
// softmax sums a tile in ggml_float) as four running sums, slot j in sum j % 4, then (s0 + s1) +
// (s2 + s3): one chain of dependent adds would take longer than the exponentials, and four are
// one vector of doubles. The kernel's step, else this loop.
inline double expScores(const AttentionKernels& k, float* scores, int64_t count, float max)
{
    if (k.expScores) return k.expScores(scores, count, max);
    double sums[4] = {0, 0, 0, 0};
    for (int64_t j = 0; j < count; ++j) {
        scores[j] = portableExp(scores[j] - max);
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

// The one-row path's slots in order, as ggml's one-row loop keeps its maximum: slot j's score is a
// new maximum when it exceeds the maximum before it (flags[j] = 1, and dots[j] becomes the old
// maximum minus the score, the factor that rescales what came before), else dots[j] becomes
// score - maximum. Returns the maximum after the last slot. (Also a SIMD kernel's remainder.)
template <typename Score>
float slotExponentsLoop(float* dots, float* flags, int64_t count, float runningMax, const Score& score)
{
    for (int64_t j = 0; j < count; ++j) {
        const float s = score(dots[j]);
        const bool newMax = s > runningMax;
        dots[j] = newMax ? runningMax - s : s - runningMax;
        flags[j] = newMax ? 1.0f : 0.0f;
        if (newMax) runningMax = s;
    }
    return runningMax;
}

// The kernel's step (scores without a soft cap), else the loop.
inline float slotExponents(const AttentionKernels& k, const AttentionParams& p, float* dots, float* flags, int64_t count, float runningMax)
{
    if (k.slotExponents && p.softCap <= 0) return k.slotExponents(dots, flags, count, p.scale, runningMax);
    return slotExponentsLoop(dots, flags, count, runningMax, [&p](float dot) { return cappedScore(dot, p); });
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
