#version 450
#extension GL_GOOGLE_include_directive : require
#include "push_constants.h"
// The gated delta rule (Gated DeltaNet, ggml's gated_delta_net), one workgroup per value head,
// token after token. Row j of the head's state matrix (headDim values) belongs to one invocation:
// per token it decays by exp(g), moves toward v[j] along k by beta, and is read by q. q and k are
// L2-normed (ggml's rms_norm with eps / n, times 1 / sqrt(n)) in shared memory first.
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
const uint MAX_HEAD = 256;

layout(std430, binding = 0) readonly buffer Qkv { float xs[]; };
layout(std430, binding = 1) readonly buffer Alpha { float alphas[]; };
layout(std430, binding = 2) readonly buffer Beta { float betas[]; };
layout(std430, binding = 3) readonly buffer Bias { float biases[]; };
layout(std430, binding = 4) readonly buffer Decay { float decays[]; };
layout(std430, binding = 5) buffer State { float s[]; };
layout(std430, binding = 6) writeonly buffer Out { float ys[]; };

layout(push_constant) uniform Params { HEARTH_PUSH_DELTA_RULE } p;  // shaders/push_constants.h

shared float q[MAX_HEAD], k[MAX_HEAD];

float softplus(float x) { return x > 20.0 ? x : log(1.0 + exp(x)); }

void main()
{
    const uint h = gl_WorkGroupID.x, tid = gl_LocalInvocationID.x, n = p.headDim;
    const uint kh = h % p.keyHeads, keyDim = p.keyHeads * n, width = 2 * keyDim + p.valueHeads * n;
    const uint base = h * n * n;
    const float scale = 1.0 / sqrt(float(n));
    for (uint t = 0; t < p.tokens; ++t) {
        const uint row = p.qkvOffset + t * width;
        for (uint i = tid; i < n; i += WG) {
            q[i] = xs[row + kh * n + i];
            k[i] = xs[row + keyDim + kh * n + i];
        }
        barrier();
        float qq = 0.0, kk = 0.0;  // every invocation sums alike: the same norms everywhere
        for (uint i = 0; i < n; ++i) {
            qq += q[i] * q[i];
            kk += k[i] * k[i];
        }
        const float qScale = 1.0 / sqrt(qq / float(n) + p.eps / float(n)) * (1.0 / sqrt(float(n)));
        const float kScale = 1.0 / sqrt(kk / float(n) + p.eps / float(n)) * (1.0 / sqrt(float(n)));
        const float g = exp(softplus(alphas[p.alphaOffset + t * p.valueHeads + h] + biases[p.biasOffset + h]) * decays[p.decayOffset + h]);
        const float beta = 1.0 / (1.0 + exp(-betas[p.betaOffset + t * p.valueHeads + h]));
        for (uint j = tid; j < n; j += WG) {
            const uint r = base + j * n;
            float sum = 0.0;
            for (uint i = 0; i < n; ++i) {
                s[r + i] *= g;
                sum += s[r + i] * (k[i] * kScale);
            }
            const float d = (xs[row + 2 * keyDim + h * n + j] - sum) * beta;
            float result = 0.0;
            for (uint i = 0; i < n; ++i) {
                s[r + i] += (k[i] * kScale) * d;
                result += s[r + i] * (q[i] * qScale);
            }
            ys[p.outOffset + t * p.valueHeads * n + h * n + j] = result * scale;
        }
        barrier();  // q and k are rewritten for the next token
    }
}
