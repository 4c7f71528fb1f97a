#version 450
#extension GL_GOOGLE_include_directive : require
#include "push_constants.h"
// out = a + b, element by element; with bCols != 0, b is one row added to every row of a (a bias).
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;

layout(std430, binding = 0) readonly buffer A { float as_[]; };
layout(std430, binding = 1) readonly buffer B { float bs[]; };
layout(std430, binding = 2) writeonly buffer Out { float ys[]; };

layout(push_constant) uniform Params { HEARTH_PUSH_ELEMENTWISE } p;  // shaders/push_constants.h

void main()
{
    const uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG;
    if (i >= p.count) return;
    const uint j = p.bCols != 0u ? i % p.bCols : i;
    ys[p.outOffset + i] = as_[p.aOffset + i] + bs[p.bOffset + j];
}
