#version 450
#extension GL_GOOGLE_include_directive : require
#include "push_constants.h"
// Context shift: rotates the cached F16 keys of slots [0, slots) by `delta` positions, in place.
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;

layout(std430, binding = 0) buffer Keys { uint ks[]; };  // f16 pairs
layout(std430, binding = 1) readonly buffer Frequencies { float frequency[]; };

layout(push_constant) uniform Params { HEARTH_PUSH_ROPE_CACHED_KEYS } p;  // shaders/push_constants.h

float loadHalf(uint i) { return unpackHalf2x16(ks[p.keyOffset + i / 2u] >> (16u * (i & 1u))).x; }

void main()
{
    const uint pairs = p.ropeDims / 2u;
    const uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG;
    if (i >= p.slots * p.heads * pairs) return;
    const uint pair = i % pairs, head = (i / pairs) % p.heads, slot = i / (pairs * p.heads);
    const uint base = slot * p.heads * p.headDim + head * p.headDim;
    // Normal (GPT-J) style rotates adjacent values, which share a word: one invocation owns both.
    // NeoX style rotates values half a head apart: with an even headDim/2 each lives in its own
    // word, written only by this invocation's half.
    const uint a = base + (p.neox != 0u ? pair : 2u * pair);
    const uint b = base + (p.neox != 0u ? pair + pairs : 2u * pair + 1u);
    const float angle = p.delta * frequency[p.frequencyOffset + pair];
    const float c = cos(angle), s = sin(angle), x0 = loadHalf(a), x1 = loadHalf(b);
    const float y0 = x0 * c - x1 * s, y1 = x0 * s + x1 * c;
    if (p.neox == 0u) {
        ks[p.keyOffset + a / 2u] = packHalf2x16(vec2(y0, y1));
    } else {
        // Two invocations may share each word (pairs i and i+1): write 16 bits atomically.
        const uint wa = p.keyOffset + a / 2u, wb = p.keyOffset + b / 2u;
        const uint ha = packHalf2x16(vec2(y0, 0.0)) & 0xFFFFu, hb = packHalf2x16(vec2(y1, 0.0)) & 0xFFFFu;
        const uint sa = 16u * (a & 1u), sb = 16u * (b & 1u);
        atomicAnd(ks[wa], ~(0xFFFFu << sa));
        atomicOr(ks[wa], ha << sa);
        atomicAnd(ks[wb], ~(0xFFFFu << sb));
        atomicOr(ks[wb], hb << sb);
    }
}
