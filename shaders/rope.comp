#version 450
#extension GL_GOOGLE_include_directive : require
#include "push_constants.h"
// Rotates pairs of every head of x[t] by positions[t] * frequency[i], in place. `frequency`
// holds freqScale * thetaScale^i / factor[i] (YaRN's blended scale in place of freqScale),
// computed once on the host; cos and sin are scaled by `magnitude` (YaRN/LongRoPE's attention
// factor). One invocation per (token, head, pair).
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;

layout(std430, binding = 0) buffer X { float xs[]; };
layout(std430, binding = 1) readonly buffer Positions { int positions[]; };
layout(std430, binding = 2) readonly buffer Frequencies { float frequency[]; };

layout(push_constant) uniform Params { HEARTH_PUSH_ROPE } p;  // shaders/push_constants.h

void main()
{
    const uint pairs = p.ropeDims / 2u;
    const uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG;
    if (i >= p.tokens * p.heads * pairs) return;
    const uint pair = i % pairs, head = (i / pairs) % p.heads, token = i / (pairs * p.heads);
    const float angle = float(positions[p.positionOffset + token]) * frequency[p.frequencyOffset + pair];
    const uint base = p.xOffset + token * p.heads * p.headDim + head * p.headDim;
    const uint a = base + (p.neox != 0u ? pair : 2u * pair);
    const uint b = base + (p.neox != 0u ? pair + pairs : 2u * pair + 1u);
    const float c = cos(angle) * p.magnitude, s = sin(angle) * p.magnitude, x0 = xs[a], x1 = xs[b];
    xs[a] = x0 * c - x1 * s;
    xs[b] = x0 * s + x1 * c;
}
