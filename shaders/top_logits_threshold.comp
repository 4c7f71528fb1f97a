#version 450
#extension GL_GOOGLE_include_directive : require
#include "push_constants.h"
#include "top_logits.glsl"
// One workgroup finds the highest bin at which the count from the top reaches `wanted`: every
// logit at or above it is collected next (0 when the row has fewer: all of them).
layout(local_size_x = 128) in;

layout(std430, binding = 0) readonly buffer X { float xs[]; };
layout(std430, binding = 1) buffer Scratch { uint scratch[]; };

layout(push_constant) uniform Params { HEARTH_PUSH_TOP_LOGITS } p;  // shaders/push_constants.h

const uint kBinsPerLane = BINS / 128;
shared uint laneCounts[128];

void main()
{
    // Lane t sums the t-th run of bins counted from the top.
    const uint lane = gl_LocalInvocationID.x;
    const uint top = BINS - 1 - lane * kBinsPerLane;
    uint sum = 0;
    for (uint j = 0; j < kBinsPerLane; ++j) sum += scratch[top - j];
    laneCounts[lane] = sum;
    barrier();
    if (lane != 0) return;
    uint seen = 0, threshold = 0;
    for (uint t = 0; t < 128; ++t) {
        if (seen + laneCounts[t] < p.wanted) {
            seen += laneCounts[t];
            continue;
        }
        const uint runTop = BINS - 1 - t * kBinsPerLane;
        for (uint j = 0; j < kBinsPerLane; ++j) {
            seen += scratch[runTop - j];
            if (seen >= p.wanted) {
                threshold = runTop - j;
                break;
            }
        }
        break;
    }
    scratch[THRESHOLD_WORD] = threshold;
    scratch[COLLECTED_WORD] = 0;
}
