#version 450
#extension GL_GOOGLE_include_directive : require
#include "push_constants.h"
// out[t] = x[t] / sqrt(mean(x[t]^2) + eps) * weight: one workgroup per row.
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;

layout(std430, binding = 0) readonly buffer X { float xs[]; };
layout(std430, binding = 1) readonly buffer Weight { float ws[]; };
layout(std430, binding = 2) writeonly buffer Out { float ys[]; };

layout(push_constant) uniform Params { HEARTH_PUSH_RMS_NORM } p;  // shaders/push_constants.h

shared float partial[WG];

void main()
{
    const uint row = gl_WorkGroupID.x, tid = gl_LocalInvocationID.x;
    const uint x0 = p.xOffset + row * p.cols;
    float sum = 0.0;
    for (uint i = tid; i < p.cols; i += WG) sum += xs[x0 + i] * xs[x0 + i];
    partial[tid] = sum;
    barrier();
    for (uint stride = WG / 2; stride > 0; stride /= 2) {
        if (tid < stride) partial[tid] += partial[tid + stride];
        barrier();
    }
    const float scale = inversesqrt(partial[0] / float(p.cols) + p.eps);
    const uint o0 = p.outOffset + row * p.cols;
    for (uint i = tid; i < p.cols; i += WG) ys[o0 + i] = (xs[x0 + i] * scale) * ws[p.wOffset + i];
}
