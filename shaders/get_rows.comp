#version 450
// out[t] = row ids[t] of a weight table (TYPE_*), dequantized: one workgroup per token.
#extension GL_GOOGLE_include_directive : require
#include "push_constants.h"

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;

layout(std430, binding = 0) readonly buffer Weights { uint W[]; };
layout(std430, binding = 1) readonly buffer Ids { int ids[]; };
layout(std430, binding = 2) writeonly buffer Out { float ys[]; };

layout(push_constant) uniform Params { HEARTH_PUSH_GET_ROWS } p;  // shaders/push_constants.h

#include "quant_blocks.glsl"

void main()
{
    const uint t = gl_WorkGroupID.x;
    const int id = ids[p.idOffset + t] - int(p.firstRow);
    if (id < 0 || uint(id) >= p.rowCount) return;  // another piece of the table holds this row
    for (uint u = gl_LocalInvocationID.x; u < (p.cols + 15u) / 16u; u += WG) {
        float v[16];
        dequant16(p.wOffset + uint(id) * p.rowWords + (u / SUBS_PER_BLOCK) * BLOCK_WORDS, u % SUBS_PER_BLOCK, v);
        const uint at = p.outOffset + t * p.cols + u * 16u;
        for (uint i = 0; i < 16; ++i)
            if (u * 16u + i < p.cols) ys[at + i] = v[i];
    }
}
