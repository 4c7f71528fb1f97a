#version 450
#extension GL_GOOGLE_include_directive : require
#include "push_constants.h"
// Causal attention over the F16 KV cache: one workgroup per (query token, head). Query row t
// sees slots [0, firstSlot + t], or only the last `window` of them on a sliding-window layer;
// softCap > 0 caps the scores at softCap * tanh(score / softCap) (Gemma 2). Position s is cached
// in slot s % ring (a sliding-window layer's ring; ring = the context otherwise). Slots are taken WG at a time: each invocation scores one slot,
// then the chunk's probabilities update an online softmax (running max and sum) and each
// invocation accumulates its share of the head's dimensions.
// 64 invocations: the per-invocation share of a head (up to 576 dims) fits 9 registers.
// Split (flash-decoding, split > 1): the visible slots are cut into `split` parts, one workgroup
// each (gl_WorkGroupID.z); each writes its running max, sum and unnormalised values to the
// partial buffer ([max, sum, headDim values] per (token, head, part)), and attention_reduce.comp
// combines them, so a long context's decode keeps the whole GPU busy, not one workgroup per head.
#define WG 64u
layout(local_size_x = 64) in;
#define NEG_INF uintBitsToFloat(0xFF800000u)

layout(std430, binding = 0) readonly buffer Q { float qs[]; };
layout(std430, binding = 1) readonly buffer KCache { uint kCache[]; };
layout(std430, binding = 2) readonly buffer VCache { uint vCache[]; };
layout(std430, binding = 3) writeonly buffer Out { float ys[]; };
layout(std430, binding = 4) readonly buffer Sinks { float sinks[]; };  // per head, when hasSinks (gpt-oss)
layout(std430, binding = 5) writeonly buffer Partial { float partial[]; };  // split > 1

layout(push_constant) uniform Params { HEARTH_PUSH_ATTENTION } p;  // shaders/push_constants.h

#define MAX_HEAD_DIM 576  // DeepSeek's latent attention: 512 + 64
#define DIMS_PER_INVOCATION ((MAX_HEAD_DIM + WG - 1) / WG)

shared vec2 query[MAX_HEAD_DIM / 2];
shared float weights[WG];

float dotKey(uint slot, uint kvHead)
{
    const uint kvPairs = p.kvHeads * p.headDim / 2u;
    const uint base = p.kCacheOffset + (slot % p.ring) * kvPairs + kvHead * p.headDim / 2u;
    float sum = 0.0;
    for (uint i = 0; i < p.headDim / 2u; ++i) {
        const vec2 k = unpackHalf2x16(kCache[base + i]);
        sum += dot(k, query[i]);
    }
    return sum;
}

float loadValue(uint slot, uint kvHead, uint d)
{
    const uint kvPairs = p.kvHeads * p.headDim / 2u;
    const uint word = vCache[p.vCacheOffset + (slot % p.ring) * kvPairs + (kvHead * p.headDim + d) / 2u];
    return unpackHalf2x16(word >> (16u * (d & 1u))).x;
}

void main()
{
    const uint head = gl_WorkGroupID.x, token = gl_WorkGroupID.y, tid = gl_LocalInvocationID.x;
    const uint kvHead = head / (p.heads / p.kvHeads);
    const uint visible = p.firstSlot + token + 1u;
    const uint first = p.window > 0u && visible > p.window ? visible - p.window : 0u;
    const uint qBase = p.qOffset + token * p.heads * p.headDim + head * p.headDim;
    for (uint i = tid; i < p.headDim / 2u; i += WG) query[i] = vec2(qs[qBase + 2u * i], qs[qBase + 2u * i + 1u]);
    barrier();

    float acc[DIMS_PER_INVOCATION];
    for (uint j = 0; j < DIMS_PER_INVOCATION; ++j) acc[j] = 0.0;
    float runningMax = NEG_INF, runningSum = 0.0;

    // This workgroup's slots: all visible ones, or its part of them (parts of whole chunks).
    uint lo = first, hi = visible;
    if (p.split > 1u) {
        const uint per = ((visible - first + p.split - 1u) / p.split + WG - 1u) / WG * WG;
        lo = min(visible, first + gl_WorkGroupID.z * per);
        hi = min(visible, lo + per);
    }
    for (uint chunk = lo / WG * WG; chunk < hi; chunk += WG) {
        const uint slot = chunk + tid;
        const bool seen = slot >= lo && slot < hi;
        float score = NEG_INF;
        if (seen) {
            const float dot = dotKey(slot, kvHead);
            score = p.softCap > 0.0 ? p.softCap * tanh(dot * (p.scale / p.softCap)) : dot * p.scale;
        }
        weights[tid] = score;
        barrier();
        float chunkMax = NEG_INF;
        const uint count = min(WG, hi - chunk);
        for (uint s = 0; s < count; ++s) chunkMax = max(chunkMax, weights[s]);
        const float newMax = max(runningMax, chunkMax);
        const float rescale = exp(runningMax - newMax);
        barrier();
        weights[tid] = seen ? exp(score - newMax) : 0.0;
        barrier();
        float chunkSum = 0.0;
        for (uint s = 0; s < count; ++s) chunkSum += weights[s];
        runningSum = runningSum * rescale + chunkSum;
        for (uint j = 0; j < DIMS_PER_INVOCATION; ++j) {
            const uint d = tid + j * WG;
            if (d >= p.headDim) break;
            float sum = acc[j] * rescale;
            for (uint s = 0; s < count; ++s) sum += weights[s] * loadValue(chunk + s, kvHead, d);
            acc[j] = sum;
        }
        runningMax = newMax;
        barrier();
    }

    if (p.split > 1u) {  // a part: its running max, sum and unnormalised values, for attention_reduce.comp
        const uint base = p.partialOffset + ((token * p.heads + head) * p.split + gl_WorkGroupID.z) * (p.headDim + 2u);
        if (tid == 0u) {
            partial[base] = runningMax;
            partial[base + 1u] = runningSum;
        }
        for (uint j = 0; j < DIMS_PER_INVOCATION; ++j) {
            const uint d = tid + j * WG;
            if (d >= p.headDim) break;
            partial[base + 2u + d] = acc[j];
        }
        return;
    }

    if (p.hasSinks != 0u) {  // the sink's logit joins the softmax with no value (ggml's order)
        const float sink = sinks[p.sinkOffset + head];
        float sinkRescale = 1.0;
        if (sink > runningMax) {
            sinkRescale = exp(runningMax - sink);
            runningSum = runningSum * sinkRescale + 1.0;
        } else {
            runningSum = runningSum + exp(sink - runningMax);
        }
        for (uint j = 0; j < DIMS_PER_INVOCATION; ++j) acc[j] *= sinkRescale;
    }

    const float inv = runningSum == 0.0 ? 0.0 : 1.0 / runningSum;
    const uint oBase = p.outOffset + token * p.heads * p.headDim + head * p.headDim;
    for (uint j = 0; j < DIMS_PER_INVOCATION; ++j) {
        const uint d = tid + j * WG;
        if (d >= p.headDim) break;
        ys[oBase + d] = acc[j] * inv;
    }
}
