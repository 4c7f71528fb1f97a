#version 450
#extension GL_GOOGLE_include_directive : require
#include "push_constants.h"
// out[t] = sum over j < k of w[t * k + j] * x[t * k + j], each product rounded and added in j
// order (ggml multiplies the experts' results by their weights, then adds them one by one).
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;

layout(std430, binding = 0) readonly buffer X { float xs[]; };
layout(std430, binding = 1) readonly buffer W { float ws[]; };
layout(std430, binding = 2) writeonly buffer Out { float ys[]; };

layout(push_constant) uniform Params { HEARTH_PUSH_WEIGHTED_ROW_SUM } p;  // shaders/push_constants.h

void main()
{
    const uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG;
    if (i >= p.count) return;
    const uint t = i / p.cols, c = i % p.cols;
    precise float sum = ws[p.weightOffset + t * p.k] * xs[p.xOffset + t * p.k * p.cols + c];
    for (uint j = 1u; j < p.k; ++j) {
        precise const float term = ws[p.weightOffset + t * p.k + j] * xs[p.xOffset + (t * p.k + j) * p.cols + c];
        sum = sum + term;
    }
    ys[p.outOffset + i] = sum;
}
