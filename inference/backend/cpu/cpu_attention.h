// Causal attention on the CPU reference backend, with the precision of ggml's CPU flash
// attention so that our logits are llama.cpp's:
// - a batch of 64 or more query rows (prompt processing) runs ggml's tiled path: single
//   precision throughout, the softmax taken over tiles of 64 cached slots;
// - a smaller batch (decoding) runs ggml's one-row path: with an F16 cache the query meets the
//   keys in half precision and the weighted sum of values is kept in half precision.
#pragma once

#include "backend/cpu/cpu_tensors.h"
#include "core/thread_pool.h"

namespace hearth {

// Query rows of the batch at which ggml switches to its tiled single-precision kernel.
inline constexpr int64_t kCpuAttentionTileRows = 64;

// The vector steps of the attention loops. The reference's are plain loops; the fast backend's
// are SIMD kernels giving the same bits (the dot in vecDot's F32 order, elementwise the rest).
struct AttentionKernels {
    float (*dot)(const float* a, const float* b, int64_t n);  // vecDot(F32) order
    void (*halvesToFloats)(const uint16_t* src, float* dst, int64_t n);
    // acc[i] = acc[i] + v[i] * weight (product rounded, then the sum), then to F16 precision if `half`
    void (*accumulate)(float* acc, const float* v, float weight, int64_t n, bool half);
    void (*rescale)(float* acc, float factor, int64_t n, bool half);  // acc[i] *= factor, then F16 if `half`
    // Many slots in one call (the prompt path; null: it loops over dot and accumulate):
    // out[j] = dot(query, rows[j], n) for j < count, each in dot's order;
    void (*dotRows)(const float* query, const float* const* rows, int64_t count, int64_t n, float* out) = nullptr;
    // out[q * count + j] = dot(queries[q], rows[j], n): several queries against the same slots.
    void (*dotQueriesRows)(const float* const* queries, int64_t queryCount, const float* const* rows, int64_t count, int64_t n,
                           float* out) = nullptr;
    // acc = acc + rows[j] * weights[j] for j = 0 .. count-1 in turn: count single-precision accumulate steps.
    void (*accumulateRows)(float* acc, const float* const* rows, const float* weights, int64_t count, int64_t n) = nullptr;
    // The one-row path's slots: for each j in turn, rescale(acc, rescales[j], half) where it is not
    // 1, then accumulate(acc, rows[j], weights[j], half).
    void (*scaleAccumulateRows)(float* acc, const float* const* rows, const float* rescales, const float* weights, int64_t count, int64_t n,
                                bool half) = nullptr;
};
const AttentionKernels& referenceAttentionKernels();

void cpuAttention(ThreadPool& pool, const CpuActivations& q, const CpuKvCache& cache, int64_t layer, int64_t firstSlot,
                  const AttentionParams& params, CpuActivations& out, const AttentionKernels& kernels = referenceAttentionKernels());

}  // namespace hearth
