#version 450
#extension GL_GOOGLE_include_directive : require
#include "push_constants.h"
// Writes k[t] and v[t] (F32) for positions firstSlot + t into the cache as F16 (position p in slot
// p % ring: a sliding-window layer's ring): one invocation per value pair.
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;

layout(std430, binding = 0) readonly buffer K { vec2 kIn[]; };
layout(std430, binding = 1) readonly buffer V { vec2 vIn[]; };
layout(std430, binding = 2) writeonly buffer KCache { uint kCache[]; };
layout(std430, binding = 3) writeonly buffer VCache { uint vCache[]; };

layout(push_constant) uniform Params { HEARTH_PUSH_STORE_KV } p;  // shaders/push_constants.h

void main()
{
    const uint pairs = p.kvDim / 2u;
    const uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG;
    if (i >= p.tokens * pairs) return;
    const uint at = ((p.firstSlot + i / pairs) % p.ring) * pairs + i % pairs;
    kCache[p.kCacheOffset + at] = packHalf2x16(kIn[p.kOffset + i]);
    vCache[p.vCacheOffset + at] = packHalf2x16(vIn[p.vOffset + i]);
}
