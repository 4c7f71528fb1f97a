// Causal attention on the CPU reference backend, with the precision of ggml's CPU flash
// attention so that our logits are llama.cpp's:
// - a batch of 64 or more query rows (prompt processing) runs ggml's tiled path: single
//   precision throughout, the softmax taken over tiles of 64 cached slots;
// - a smaller batch (decoding) runs ggml's one-row path: with an F16 cache the query meets the
//   keys in half precision and the weighted sum of values is kept in half precision.
#pragma once

#include "backend/cpu/attention_kernels.h"
#include "backend/cpu/cpu_tensors.h"
#include "core/thread_pool.h"

namespace hearth {

// Query rows of the batch at which ggml switches to its tiled single-precision kernel.
inline constexpr int64_t kCpuAttentionTileRows = 64;

const AttentionKernels& referenceAttentionKernels();

void cpuAttention(ThreadPool& pool, const CpuActivations& q, const CpuKvCache& cache, int64_t layer, int64_t firstSlot,
                  const AttentionParams& params, CpuActivations& out, const AttentionKernels& kernels = referenceAttentionKernels());

}  // namespace hearth
