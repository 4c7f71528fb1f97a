#version 450
#extension GL_GOOGLE_include_directive : require
#include "push_constants.h"
// For every row r, group g and i < count: out[r][outFirst + g * outStride + i] = x[r][first + g * stride + i]
// (the heads' slices of DeepSeek's latent attention taken apart and put together).
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;

layout(std430, binding = 0) readonly buffer X { float xs[]; };
layout(std430, binding = 1) writeonly buffer Out { float ys[]; };

layout(push_constant) uniform Params { HEARTH_PUSH_COPY_COLUMNS } p;  // shaders/push_constants.h

void main()
{
    const uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG;
    if (i >= p.rows * p.groups * p.count) return;
    const uint r = i / (p.groups * p.count), g = (i / p.count) % p.groups, c = i % p.count;
    ys[p.outOffset + r * p.outCols + p.outFirst + g * p.outStride + c] = xs[p.xOffset + r * p.xCols + p.first + g * p.stride + c];
}
