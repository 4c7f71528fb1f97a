#version 450
#extension GL_GOOGLE_include_directive : require
#include "push_constants.h"
// Gated DeltaNet's causal depthwise convolution, one invocation per channel: out[t][c] =
// silu(sum_k kernel[c][k] * in[t - taps + 1 + k][c]), the inputs before row 0 read from the state
// ([taps - 1][channels], oldest first), which then keeps the last taps - 1 inputs.
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;

layout(std430, binding = 0) readonly buffer X { float xs[]; };
layout(std430, binding = 1) readonly buffer Kernel { float ks[]; };
layout(std430, binding = 2) buffer State { float state[]; };
layout(std430, binding = 3) writeonly buffer Out { float ys[]; };

layout(push_constant) uniform Params { HEARTH_PUSH_CAUSAL_CONV } p;  // shaders/push_constants.h

float inputAt(uint row, uint c)  // row of the window: the state's rows, then the tokens'
{
    return row < p.taps - 1 ? state[row * p.channels + c] : xs[p.xOffset + (row - (p.taps - 1)) * p.channels + c];
}

void main()
{
    const uint c = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG;
    if (c >= p.channels) return;
    for (uint t = 0; t < p.tokens; ++t) {
        float sum = 0.0;
        for (uint k = 0; k < p.taps; ++k) sum += inputAt(t + k, c) * ks[p.kernelOffset + c * p.taps + k];
        ys[p.outOffset + t * p.channels + c] = sum / (1.0 + exp(-sum));
    }
    // The last taps - 1 inputs, oldest first; row i of the new state is window row tokens + i,
    // which is never a state row that a later i still needs to read.
    for (uint i = 0; i + 1 < p.taps; ++i) state[i * p.channels + c] = inputAt(p.tokens + i, c);
}
