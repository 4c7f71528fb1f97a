// The scalar steps both CPU attention loops share (cpu_attention.cpp, fast_attention.cpp),
// written once so that the prompt path keeps the reference's bits.
#pragma once

#include "backend/backend.h"
#include "backend/cpu/cpu_attention.h"

#include <cmath>

namespace hearth::attention_steps {

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
