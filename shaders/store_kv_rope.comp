#version 450
#extension GL_GOOGLE_include_directive : require
#include "push_constants.h"
// store_kv.comp and rope.comp in one pass: each key value is rotated with its partner (the next
// value, or the one half the rotated dimensions away in NeoX style) at its token's position as
// rope.comp rotates it, then stored as F16 beside the value. One invocation per value pair.
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;

layout(std430, binding = 0) readonly buffer K { float kIn[]; };
layout(std430, binding = 1) readonly buffer V { vec2 vIn[]; };
layout(std430, binding = 2) writeonly buffer KCache { uint kCache[]; };
layout(std430, binding = 3) writeonly buffer VCache { uint vCache[]; };
layout(std430, binding = 4) readonly buffer Positions { int positions[]; };
layout(std430, binding = 5) readonly buffer Frequencies { float frequency[]; };

layout(push_constant) uniform Params { HEARTH_PUSH_STORE_KV_ROPE } p;  // shaders/push_constants.h

// Value `index` of token `token`'s keys, rotated.
float rotatedKey(uint token, uint index)
{
    const uint d = index % p.headDim;
    const float x = kIn[p.kOffset + token * p.kvDim + index];
    if (d >= p.ropeDims) return x;
    const uint half_ = p.ropeDims / 2u;
    // The pair's first and second members (x0, x1) and which of them this value is.
    const bool neox = p.neox != 0u;
    const uint pair = neox ? d % half_ : d / 2u;
    const bool first = neox ? d < half_ : (d & 1u) == 0u;
    const uint partner = neox ? (first ? index + half_ : index - half_) : (first ? index + 1u : index - 1u);
    const float other = kIn[p.kOffset + token * p.kvDim + partner];
    const float angle = float(positions[p.positionOffset + token]) * frequency[p.frequencyOffset + pair];
    const float c = cos(angle) * p.magnitude, s = sin(angle) * p.magnitude;
    return first ? x * c - other * s : other * s + x * c;
}

void main()
{
    const uint pairs = p.kvDim / 2u;
    const uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG;
    if (i >= p.tokens * pairs) return;
    const uint token = i / pairs, index = 2u * (i % pairs);
    const uint at = ((p.firstSlot + token) % p.ring) * pairs + i % pairs;
    kCache[p.kCacheOffset + at] = packHalf2x16(vec2(rotatedKey(token, index), rotatedKey(token, index + 1u)));
    vCache[p.vCacheOffset + at] = packHalf2x16(vIn[p.vOffset + i]);
}
