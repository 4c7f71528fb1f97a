#version 450
// out[t][r] = dot(weight row r, x[t]) for one weight type (TYPE_*) and up to NTOK tokens per
// workgroup: each dequantized weight sub-block is used for every token of the group, so prompt
// processing reads the weights once per NTOK tokens; decode is the NTOK = 1 variant.
// A workgroup is one subgroup and computes ROWS rows: its invocations stride over the rows'
// 16-value sub-blocks and the partial sums meet in a subgroupAdd (no shared memory, no barrier).
// Loops have constant trip counts (out-of-range rows and tokens are clamped, their results
// dropped) so that compilers keep the sums in registers.
#extension GL_GOOGLE_include_directive : require
#include "push_constants.h"
#include "kernel_tiles.h"  // the names CMake passes as ROWS_DEFAULT / NTOK
#extension GL_KHR_shader_subgroup_arithmetic : require

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 32;  // the device's subgroup size
layout(constant_id = 1) const uint ROWS = ROWS_DEFAULT;  // rows per workgroup, chosen per device (vk_pipelines.cpp)

layout(std430, binding = 0) readonly buffer Weights { uint W[]; };
layout(std430, binding = 1) readonly buffer X { float xs[]; };
layout(std430, binding = 2) writeonly buffer Out { float ys[]; };

layout(push_constant) uniform Params { HEARTH_PUSH_MATMUL } p;  // shaders/push_constants.h

#include "quant_blocks.glsl"

void main()
{
    const uint lane = gl_LocalInvocationID.x;
    const uint firstRow = (p.groupBase + gl_WorkGroupID.x) * ROWS;
    const uint firstToken = gl_WorkGroupID.y * NTOK;
    const uint units = (p.cols + 15u) / 16u;
    const bool ragged = (p.cols % 16u) != 0u;  // uniform: only plain types with odd rows

    float acc[ROWS][NTOK];
    for (uint r = 0; r < ROWS; ++r)
        for (uint t = 0; t < NTOK; ++t) acc[r][t] = 0.0;

    for (uint u = lane; u < units; u += WG) {
        const uint block = u / SUBS_PER_BLOCK, sub = u % SUBS_PER_BLOCK;
        for (uint r = 0; r < ROWS; ++r) {
            const uint row = min(firstRow + r, p.rows - 1u);
            float v[16];
            dequant16(p.wOffset + row * p.rowWords + block * BLOCK_WORDS, sub, v);
            const vec4 w0 = vec4(v[0], v[1], v[2], v[3]), w1 = vec4(v[4], v[5], v[6], v[7]);
            const vec4 w2 = vec4(v[8], v[9], v[10], v[11]), w3 = vec4(v[12], v[13], v[14], v[15]);
            for (uint t = 0; t < NTOK; ++t) {
                const uint at = p.xOffset + min(firstToken + t, p.tokens - 1u) * p.xStride + u * 16u;
                if (!ragged || u * 16u + 16u <= p.cols) {
                    acc[r][t] += dot(w0, vec4(xs[at], xs[at + 1], xs[at + 2], xs[at + 3])) +
                                 dot(w1, vec4(xs[at + 4], xs[at + 5], xs[at + 6], xs[at + 7])) +
                                 dot(w2, vec4(xs[at + 8], xs[at + 9], xs[at + 10], xs[at + 11])) +
                                 dot(w3, vec4(xs[at + 12], xs[at + 13], xs[at + 14], xs[at + 15]));
                } else {  // the tail of a ragged row: weights past the row are zero padding
                    for (uint i = 0; i < 16u; ++i)  // constant indices keep v[] in registers
                        if (u * 16u + i < p.cols) acc[r][t] += v[i] * xs[at + i];
                }
            }
        }
    }

    for (uint r = 0; r < ROWS; ++r)
        for (uint t = 0; t < NTOK; ++t) {
            const float sum = subgroupAdd(acc[r][t]);
            const uint row = firstRow + r, token = firstToken + t;
            if (lane == 0u && row < p.rows && token < p.tokens) ys[p.outOffset + token * p.outStride + p.outColumn + row] = sum;
        }
}
