#version 450
#extension GL_GOOGLE_include_directive : require
#include "push_constants.h"
// Activations rounded the way ggml's CPU backend converts them before a dot product with a
// weight type (ggml's vec_dot_type), so that the GPU's float products meet the same values:
//   mode 0: F16, mode 1: BF16 (round to nearest even), one value per invocation;
//   mode 2: Q8_0/Q8_1, blocks of 32: d = amax / 127 stored in F16, q = round-half-even(x * 127 / amax);
//   mode 3: Q8_K, blocks of 256: the signed extreme maps to -127, q = min(127, round(x * -127 / max)),
//           d = 1 / scale in F32.
// Quantized modes write q * d, which the matmul multiplies with the dequantized weights.
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;

layout(std430, binding = 0) readonly buffer X { float xs[]; };
layout(std430, binding = 1) writeonly buffer Out { float ys[]; };

layout(push_constant) uniform Params { HEARTH_PUSH_ROUND_ACTIVATIONS } p;  // shaders/push_constants.h

float roundToHalf(float x) { return unpackHalf2x16(packHalf2x16(vec2(x, 0.0))).x; }

float roundToBfloat(float x)
{
    const uint bits = floatBitsToUint(x);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return x;  // NaN stays NaN
    return uintBitsToFloat((bits + 0x7fffu + ((bits >> 16) & 1u)) & 0xffff0000u);
}

void main()
{
    const uint unit = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG;
    if (unit >= p.units) return;
    if (p.mode < 2u) {
        const float x = xs[p.xOffset + unit];
        ys[p.outOffset + unit] = p.mode == 0u ? roundToHalf(x) : roundToBfloat(x);
        return;
    }
    const uint size = p.mode == 2u ? 32u : 256u;
    const uint base = unit * size;
    float amax = 0.0, extreme = 0.0;
    for (uint i = 0; i < size; ++i) {
        const float x = xs[p.xOffset + base + i];
        if (abs(x) > amax) {
            amax = abs(x);
            extreme = x;
        }
    }
    if (p.mode == 2u) {
        const float d = roundToHalf(amax / 127.0);
        const float inverse = amax != 0.0 ? 127.0 / amax : 0.0;
        for (uint i = 0; i < size; ++i) ys[p.outOffset + base + i] = roundEven(xs[p.xOffset + base + i] * inverse) * d;
    } else {
        if (amax == 0.0) {
            for (uint i = 0; i < size; ++i) ys[p.outOffset + base + i] = 0.0;
            return;
        }
        const float scale = -127.0 / extreme, d = 1.0 / scale;
        for (uint i = 0; i < size; ++i) ys[p.outOffset + base + i] = min(127.0, roundEven(scale * xs[p.xOffset + base + i])) * d;
    }
}
