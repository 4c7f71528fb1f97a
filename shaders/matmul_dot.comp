#version 450
// out[t][r] = dot(weight row r, x[t]) on 8-bit integer dot products (SPV_KHR_integer_dot_product),
// for the weight types of dot_blocks.glsl, with x quantized by quantize_q8_1.comp. The shape is
// matmul.comp's: a workgroup is one subgroup computing ROWS rows for NTOK tokens, its lanes
// striding over 32-value units and meeting in a subgroupAdd. Each unit's weights are unpacked
// once into 8 words of signed bytes and used for every token of the group.
#extension GL_GOOGLE_include_directive : require
#include "push_constants.h"
#include "kernel_tiles.h"  // the names CMake passes as ROWS_DEFAULT / NTOK
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_EXT_spirv_intrinsics : require

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 32;  // the device's subgroup size
layout(constant_id = 1) const uint ROWS = ROWS_DEFAULT;  // rows per workgroup, chosen per device (vk_pipelines.cpp)

layout(std430, binding = 0) readonly buffer Weights { uint W[]; };
layout(std430, binding = 1) readonly buffer X { uint xq[]; };  // HEARTH_Q8_UNIT_WORDS per 32 values
layout(std430, binding = 2) writeonly buffer Out { float ys[]; };

layout(push_constant) uniform Params { HEARTH_PUSH_MATMUL } p;  // shaders/push_constants.h; xStride in words

// OpSDot on two words of four signed bytes (glslang 12 has no GL_EXT_integer_dot_product).
spirv_instruction(extensions = ["SPV_KHR_integer_dot_product"], capabilities = [6019, 6018], id = 4450)
int dot4x8(int a, int b, spirv_literal int packedVectorFormat);

#include "dot_blocks.glsl"

int dotHalf(int q[8], uint at, uint first)
{
    int sum = 0;
    for (uint i = 0; i < 4u; ++i) sum += dot4x8(q[first + i], int(xq[at + first + i]), 0);
    return sum;
}

void main()
{
    const uint lane = gl_LocalInvocationID.x;
    const uint firstRow = (p.groupBase + gl_WorkGroupID.x) * ROWS;
    const uint firstToken = gl_WorkGroupID.y * NTOK;
    const uint units = p.cols / 32u;

    float acc[ROWS][NTOK];
    for (uint r = 0; r < ROWS; ++r)
        for (uint t = 0; t < NTOK; ++t) acc[r][t] = 0.0;

    for (uint u = lane; u < units; u += WG) {
        const uint block = u / UNITS_PER_BLOCK, sub = u % UNITS_PER_BLOCK;
        for (uint r = 0; r < ROWS; ++r) {
            const uint row = min(firstRow + r, p.rows - 1u);
            DotUnit w = unpackUnit(p.wOffset + row * p.rowWords + block * BLOCK_WORDS, sub);
            for (uint t = 0; t < NTOK; ++t) {
                const uint at = p.xOffset + min(firstToken + t, p.tokens - 1u) * p.xStride + u * HEARTH_Q8_UNIT_WORDS;
                const float d = uintBitsToFloat(xq[at + 8u]), s = uintBitsToFloat(xq[at + 9u]);
#if defined(MINS_PER_16)
                const int ones[8] = int[](0x01010101, 0x01010101, 0x01010101, 0x01010101, 0x01010101, 0x01010101, 0x01010101, 0x01010101);
                acc[r][t] += d * (w.scale.x * float(dotHalf(w.q, at, 0u)) + w.scale.y * float(dotHalf(w.q, at, 4u)) -
                                  w.min16.x * float(dotHalf(ones, at, 0u)) - w.min16.y * float(dotHalf(ones, at, 4u)));
#else
                acc[r][t] += d * (w.scale.x * float(dotHalf(w.q, at, 0u)) + w.scale.y * float(dotHalf(w.q, at, 4u))) + w.min * s;
#endif
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
