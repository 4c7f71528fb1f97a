// Attention for the fast CPU backend: the reference's (cpu_attention.cpp, ggml's CPU flash
// attention) with the same bits, reorganised so that each cached F16 key and value is converted
// once for many queries and heads instead of once per query and head, and the slots of a tile go
// through the kernels in one call:
// - prompts (64+ query rows, ggml's tiled path): a block of query rows with one KV head's group
//   of heads per job, tile by tile;
// - decoding (fewer rows, ggml's one-row path): one query row with a KV head's group of heads
//   (or part of it, when there are more threads than rows times KV heads).
#pragma once

#include "backend/cpu/cpu_attention.h"

namespace hearth {

// Query rows per prompt job: one conversion of a tile serves this many rows times the group's heads.
inline constexpr int64_t kPromptAttentionQueryBlock = 16;

void fastCpuAttention(ThreadPool& pool, const CpuActivations& q, const CpuKvCache& cache, int64_t layer, int64_t firstSlot,
                      const AttentionParams& params, CpuActivations& out, const AttentionKernels& kernels);

}  // namespace hearth
