#version 450
#extension GL_GOOGLE_include_directive : require
#include "push_constants.h"
// out = x * sigmoid(gate), element by element (Qwen3.5's gated attention output; out may be x).
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;

layout(std430, binding = 0) readonly buffer Gate { float gs[]; };
layout(std430, binding = 1) readonly buffer X { float xs[]; };
layout(std430, binding = 2) writeonly buffer Out { float ys[]; };

layout(push_constant) uniform Params { HEARTH_PUSH_ELEMENTWISE } p;  // shaders/push_constants.h

void main()
{
    const uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG;
    if (i >= p.count) return;
    ys[p.outOffset + i] = xs[p.bOffset + i] * (1.0 / (1.0 + exp(-gs[p.aOffset + i])));
}
