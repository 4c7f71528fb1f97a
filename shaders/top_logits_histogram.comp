#version 450
#extension GL_GOOGLE_include_directive : require
#include "push_constants.h"
#include "top_logits.glsl"
// Counts the row's logits per bin of their key's top 16 bits (the bins start zeroed).
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;

layout(std430, binding = 0) readonly buffer X { float xs[]; };
layout(std430, binding = 1) buffer Scratch { uint scratch[]; };

layout(push_constant) uniform Params { HEARTH_PUSH_TOP_LOGITS } p;  // shaders/push_constants.h

void main()
{
    const uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG;
    if (i >= p.count) return;
    atomicAdd(scratch[binOf(xs[p.xOffset + i])], 1u);
}
