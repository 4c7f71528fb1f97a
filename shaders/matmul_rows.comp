#version 450
// out[t][r] = dot(weight row r, x[t]) with one weight row per invocation: the layout for CPU
// Vulkan drivers (lavapipe), which run a subgroup as SIMD lanes of one core. Every lane walks
// its own row while the activations it multiplies with are the same for all lanes (uniform
// loads, broadcast instead of gathered), and no lane waits for another: no reduction at all.
// GPUs use matmul.comp, whose lanes split each row so that weight reads coalesce.
#extension GL_GOOGLE_include_directive : require
#include "push_constants.h"
#include "kernel_tiles.h"  // the names CMake passes as ROWS / NTOK
#extension GL_KHR_shader_subgroup_ballot : require

// One subgroup of 8 lanes (lavapipe on AVX/AVX2); other subgroup sizes use matmul.comp.
#define WG 8u
layout(local_size_x = 8) in;

layout(std430, binding = 0) readonly buffer Weights { uint W[]; };
layout(std430, binding = 1) readonly buffer X { float xs[]; };
layout(std430, binding = 2) writeonly buffer Out { float ys[]; };

layout(push_constant) uniform Params { HEARTH_PUSH_MATMUL } p;  // shaders/push_constants.h

#include "quant_blocks.glsl"

#if SUBS_PER_BLOCK >= 2
#define UNROLL 2u  // rows are whole blocks: an even number of sub-blocks
#else
#define UNROLL 1u
#endif

void main()
{
    const uint lane = gl_LocalInvocationID.x;
    const uint row = (p.groupBase + gl_WorkGroupID.x) * WG + lane;
    const uint firstToken = gl_WorkGroupID.y * NTOK;
    const uint rowBase = p.wOffset + min(row, p.rows - 1u) * p.rowWords;
    const uint units = (p.cols + 15u) / 16u;

    float acc[NTOK];
    for (uint t = 0; t < NTOK; ++t) acc[t] = 0.0;
    // Sub-blocks go in pairs: both halves of a block read the same words, and the compiler
    // merges the repeated loads (each load is a per-lane gather on a CPU driver).
    for (uint u = 0; u < units; u += UNROLL) {
        float v[UNROLL][16];
        for (uint k = 0; k < UNROLL; ++k)
            dequant16(rowBase + ((u + k) / SUBS_PER_BLOCK) * BLOCK_WORDS, (u + k) % SUBS_PER_BLOCK, v[k]);
        for (uint t = 0; t < NTOK; ++t) {
            // Each lane loads UNROLL * 2 of the 16 * UNROLL activations (contiguous across the
            // lanes) and broadcasts them: two loads per lane instead of sixteen per lane.
            const uint at = p.xOffset + min(firstToken + t, p.tokens - 1u) * p.xStride + u * 16u + lane;
            const uint valid = p.cols - u * 16u;  // values left in the row from this unit on
            float sum = 0.0;
            for (uint k = 0; k < UNROLL; ++k) {
                const float lo = lane + 16u * k < valid ? xs[at + 16u * k] : 0.0;
                const float hi = lane + 16u * k + 8u < valid ? xs[at + 16u * k + 8u] : 0.0;
                for (uint i = 0; i < 8u; ++i) sum += v[k][i] * subgroupBroadcast(lo, i);
                for (uint i = 0; i < 8u; ++i) sum += v[k][i + 8u] * subgroupBroadcast(hi, i);
            }
            acc[t] += sum;
        }
    }
    if (row >= p.rows) return;
    for (uint t = 0; t < NTOK; ++t)
        if (firstToken + t < p.tokens) ys[p.outOffset + (firstToken + t) * p.outStride + p.outColumn + row] = acc[t];
}
