#version 450
#extension GL_GOOGLE_include_directive : require
#include "push_constants.h"
#include "top_logits.glsl"
// Every logit in the threshold bin or above goes out as a (bits, id) pair, in no order (the host
// sorts the few); the count goes on past the capacity, so the host knows when some did not fit.
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;

layout(std430, binding = 0) readonly buffer X { float xs[]; };
layout(std430, binding = 1) buffer Scratch { uint scratch[]; };

layout(push_constant) uniform Params { HEARTH_PUSH_TOP_LOGITS } p;  // shaders/push_constants.h

void main()
{
    const uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG;
    if (i >= p.count) return;
    const float value = xs[p.xOffset + i];
    if (binOf(value) < scratch[THRESHOLD_WORD]) return;
    const uint slot = atomicAdd(scratch[COLLECTED_WORD], 1u);
    if (slot >= p.capacity) return;
    scratch[PAIRS_WORD + 2 * slot] = floatBitsToUint(value);
    scratch[PAIRS_WORD + 2 * slot + 1] = i;
}
