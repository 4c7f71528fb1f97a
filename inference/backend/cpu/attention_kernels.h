// The vector steps of CPU attention, one struct for the reference's loops and for a kernel
// table's SIMD versions (cpu_kernels.h KernelTable::attention, where null means the reference's).
#pragma once

#include <cstdint>

namespace hearth {

// The vector steps of the attention loops. The reference's are plain loops; the fast backend's
// are SIMD kernels giving the same bits (the dot in vecDot's F32 order, elementwise the rest).
struct AttentionKernels {
    float (*dot)(const float* a, const float* b, int64_t n) = nullptr;  // vecDot(F32) order
    void (*halvesToFloats)(const uint16_t* src, float* dst, int64_t n) = nullptr;
    // acc[i] = acc[i] + v[i] * weight (product rounded, then the sum), then to F16 precision if `half`
    void (*accumulate)(float* acc, const float* v, float weight, int64_t n, bool half) = nullptr;
    void (*rescale)(float* acc, float factor, int64_t n, bool half) = nullptr;  // acc[i] *= factor, then F16 if `half`
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
    // The same for several heads over the same slots (decoding: a KV head's group of heads):
    // head h's scaleAccumulateRows(acc[h], rows, rescales + h * count, weights + h * count, ...),
    // the heads' accumulators interleaved so that each slot's chain of roundings overlaps the others'.
    void (*scaleAccumulateRowsHeads)(float* const* acc, int64_t heads, const float* const* rows, const float* rescales,
                                     const float* weights, int64_t count, int64_t n, bool half) = nullptr;
    // The one-row path's running maximum over a tile's scores (each dots[j] * scale) in slot
    // order (attention_steps::slotExponents: null means its loop): dots[j] becomes the slot's
    // exponent, flags[j] 1 where its score is a new maximum; returns the maximum after the tile.
    float (*slotExponents)(float* dots, float* flags, int64_t count, float scale, float runningMax) = nullptr;
    // The tiled softmax's exponentials (attention_steps::expScores: null means its loop).
    double (*expScores)(float* scores, int64_t count, float max) = nullptr;
    // `rows` rows of n halves, srcStride halves apart, to dst's rows n floats apart: a tile of a
    // cache's slots in one call, not one per slot (null: a loop over halvesToFloats).
    void (*halvesToFloatsRows)(const uint16_t* src, int64_t srcStride, float* dst, int64_t rows, int64_t n) = nullptr;
};

}  // namespace hearth
