#version 450
#extension GL_GOOGLE_include_directive : require
#include "push_constants.h"
// x *= factor in place (Gemma's embedding scale, Granite's multipliers).
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;

layout(std430, binding = 0) buffer X { float xs[]; };

layout(push_constant) uniform Params { HEARTH_PUSH_SCALE } p;  // shaders/push_constants.h

void main()
{
    const uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG;
    if (i >= p.count) return;
    xs[p.offset + i] *= p.factor;
}
