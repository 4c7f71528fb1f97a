#version 450
#extension GL_GOOGLE_include_directive : require
#include "push_constants.h"
// The split attention's parts combined, one workgroup per (head, query token): each part's sum
// and values rescaled from its own max to the largest, added, the sink joined (gpt-oss) and the
// result normalised, as one pass over every slot would have made it.
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
#define NEG_INF uintBitsToFloat(0xFF800000u)

layout(std430, binding = 0) readonly buffer Partial { float partial[]; };
layout(std430, binding = 1) writeonly buffer Out { float ys[]; };
layout(std430, binding = 2) readonly buffer Sinks { float sinks[]; };

layout(push_constant) uniform Params { HEARTH_PUSH_ATTENTION_REDUCE } p;  // shaders/push_constants.h

void main()
{
    const uint head = gl_WorkGroupID.x, token = gl_WorkGroupID.y, tid = gl_LocalInvocationID.x;
    const uint stride = p.headDim + 2u, first = p.partialOffset + (token * p.heads + head) * p.split * stride;
    float largest = NEG_INF;
    for (uint part = 0; part < p.split; ++part) largest = max(largest, partial[first + part * stride]);
    float sum = 0.0;
    for (uint part = 0; part < p.split; ++part) {
        const float m = partial[first + part * stride];
        if (m != NEG_INF) sum += partial[first + part * stride + 1u] * exp(m - largest);
    }
    float sinkRescale = 1.0;
    if (p.hasSinks != 0u) {  // the sink's logit joins the softmax with no value
        const float sink = sinks[p.sinkOffset + head];
        if (sink > largest) {
            sinkRescale = exp(largest - sink);
            sum = sum * sinkRescale + 1.0;
        } else {
            sum += exp(sink - largest);
        }
    }
    const float inv = sum == 0.0 ? 0.0 : 1.0 / sum;
    const uint oBase = p.outOffset + token * p.heads * p.headDim + head * p.headDim;
    for (uint d = tid; d < p.headDim; d += WG) {
        float value = 0.0;
        for (uint part = 0; part < p.split; ++part) {
            const float m = partial[first + part * stride];
            if (m != NEG_INF) value += partial[first + part * stride + 2u + d] * exp(m - largest);
        }
        ys[oBase + d] = value * sinkRescale * inv;
    }
}
