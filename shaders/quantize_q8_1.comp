#version 450
// Activations quantized for the integer-dot matrix kernels (matmul_dot.comp): per block of 32
// values, 8 words of signed bytes q, then d and s = d * sum(q) (which the kernels use for the
// weights' minimums; Q8_K's per-16 sums are not needed, its blocks of 32 take their own s): HEARTH_Q8_UNIT_WORDS words. The bytes are what ggml's CPU backend makes
// for the weight type (its vec_dot_type), so both paths multiply the same values:
//   mode 0: Q8_0/Q8_1, one invocation per 32 values: d = amax / 127 rounded to F16,
//           q = round-half-even(x * 127 / amax) (round_activations.comp's mode 2);
//   mode 1: Q8_K, one invocation per 256 values (8 blocks sharing d): the signed extreme maps
//           to -127, q = min(127, round(x * -127 / extreme)), d = 1 / scale in F32 (mode 3).
#extension GL_GOOGLE_include_directive : require
#include "push_constants.h"
#include "kernel_tiles.h"
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;

layout(std430, binding = 0) readonly buffer X { float xs[]; };
layout(std430, binding = 1) writeonly buffer Out { uint ys[]; };

layout(push_constant) uniform Params { HEARTH_PUSH_ROUND_ACTIVATIONS } p;  // shaders/push_constants.h

float roundToHalf(float x) { return unpackHalf2x16(packHalf2x16(vec2(x, 0.0))).x; }

// Q8_1 stores s = F16(sum * d) with d before its own rounding to F16 (ggml's quantize_row_q8_1).
void writeBlock(uint to, int q[32], float d, float dOfSum, bool halfSum)
{
    int sum = 0;
    for (uint w = 0; w < 8u; ++w) {
        uint packed = 0u;
        for (uint k = 0; k < 4u; ++k) {
            sum += q[4u * w + k];
            packed |= (uint(q[4u * w + k]) & 0xFFu) << (8u * k);
        }
        ys[to + w] = packed;
    }
    ys[to + 8u] = floatBitsToUint(d);
    const float s = float(sum) * dOfSum;
    ys[to + 9u] = floatBitsToUint(halfSum ? roundToHalf(s) : s);
}

void main()
{
    const uint unit = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG;
    if (unit >= p.units) return;
    const uint blocks = p.mode == 0u ? 1u : 8u;
    const uint from = p.xOffset + unit * 32u * blocks, to = p.outOffset + unit * blocks * HEARTH_Q8_UNIT_WORDS;
    float amax = 0.0, extreme = 0.0;
    for (uint i = 0; i < 32u * blocks; ++i) {
        const float x = xs[from + i];
        if (abs(x) > amax) {
            amax = abs(x);
            extreme = x;
        }
    }
    int q[32];
    if (p.mode == 0u) {
        const float inverse = amax != 0.0 ? 127.0 / amax : 0.0;
        for (uint i = 0; i < 32u; ++i) q[i] = int(roundEven(xs[from + i] * inverse));
        writeBlock(to, q, roundToHalf(amax / 127.0), amax / 127.0, true);
        return;
    }
    const float scale = amax != 0.0 ? -127.0 / extreme : 0.0, d = amax != 0.0 ? 1.0 / scale : 0.0;
    for (uint b = 0; b < 8u; ++b) {
        for (uint i = 0; i < 32u; ++i) q[i] = int(min(127.0, roundEven(scale * xs[from + 32u * b + i])));
        writeBlock(to + b * HEARTH_Q8_UNIT_WORDS, q, d, d, false);
    }
}
