#version 450
#extension GL_GOOGLE_include_directive : require
#include "push_constants.h"
// out = gelu(gate) * up, element by element (out may be gate): GELU's tanh form evaluated as
// ggml's CPU backend does (at the gate rounded to F16, the result rounded to F16; 0 below -10,
// the identity above 10), so Gemma's feed-forward matches llama.cpp's.
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;

layout(std430, binding = 0) readonly buffer Gate { float gs[]; };
layout(std430, binding = 1) readonly buffer Up { float us[]; };
layout(std430, binding = 2) writeonly buffer Out { float ys[]; };

layout(push_constant) uniform Params { HEARTH_PUSH_ELEMENTWISE } p;  // shaders/push_constants.h

float roundToHalf(float x) { return unpackHalf2x16(packHalf2x16(vec2(x, 0.0))).x; }

float gelu(float x)
{
    if (x <= -10.0) return 0.0;
    if (x >= 10.0) return x;
    const float h = roundToHalf(x);
    return roundToHalf(0.5 * h * (1.0 + tanh(0.79788456080286535587989211986876 * h * (1.0 + 0.044715 * h * h))));
}

void main()
{
    const uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG;
    if (i >= p.count) return;
    ys[p.outOffset + i] = gelu(gs[p.aOffset + i]) * us[p.bOffset + i];
}
