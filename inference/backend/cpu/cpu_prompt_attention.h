// Prompt attention for the fast CPU backend: the reference's tiled kernel (cpu_attention.cpp,
// ggml's tiled path, taken for 64 or more query rows) with the same bits, reorganised so that
// each cached key and value is converted from F16 once per block of queries and KV head instead
// of once per query and head, and the slots of a tile go through the kernels in one call.
#pragma once

#include "backend/cpu/cpu_attention.h"

namespace hearth {

// Queries per block: one conversion of a tile serves this many tokens times the group's heads.
inline constexpr int64_t kPromptAttentionQueryBlock = 16;

// Precondition: q.rows() >= kCpuAttentionTileRows (below it ggml, and the reference, take the one-row path).
void cpuPromptAttention(ThreadPool& pool, const CpuActivations& q, const CpuKvCache& cache, int64_t layer, int64_t firstSlot,
                        const AttentionParams& params, CpuActivations& out, const AttentionKernels& kernels);

}  // namespace hearth
