#version 450
#extension GL_GOOGLE_include_directive : require
#include "push_constants.h"
// out = silu(gate) * up, element by element (out may be gate).
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;

layout(std430, binding = 0) readonly buffer Gate { float gs[]; };
layout(std430, binding = 1) readonly buffer Up { float us[]; };
layout(std430, binding = 2) writeonly buffer Out { float ys[]; };

layout(push_constant) uniform Params { HEARTH_PUSH_ELEMENTWISE } p;  // shaders/push_constants.h

void main()
{
    const uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG;
    if (i >= p.count) return;
    const float g = gs[p.aOffset + i];
    ys[p.outOffset + i] = (g / (1.0 + exp(-g))) * us[p.bOffset + i];
}
