#version 450
#extension GL_GOOGLE_include_directive : require
#include "push_constants.h"
// gpt-oss's clamped SwiGLU, element by element as ggml_swiglu_oai: the gate clamped above at
// limit, up clamped to [-limit, limit], out = gate * sigmoid(alpha * gate) * (up + 1).
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;

layout(std430, binding = 0) readonly buffer Gate { float gs[]; };
layout(std430, binding = 1) readonly buffer Up { float us[]; };
layout(std430, binding = 2) writeonly buffer Out { float ys[]; };

layout(push_constant) uniform Params { HEARTH_PUSH_SWIGLU_OAI } p;  // shaders/push_constants.h

void main()
{
    const uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG;
    if (i >= p.count) return;
    const float x = min(gs[p.gateOffset + i], p.limit);
    const float y = clamp(us[p.upOffset + i], -p.limit, p.limit);
    precise const float glu = x / (1.0 + exp(p.alpha * -x));
    precise const float result = glu * (y + 1.0);
    ys[p.outOffset + i] = result;
}
