// The packed 32-block groups' layout, shared by the repacking (packed_rows.cpp) and every
// instruction set's kernels: per block of the eight rows, their scales, Q4_1's and Q5_1's mins
// after them, then the quants in 4-byte pieces (cpu_kernels.h describes the whole layout).
#pragma once

#include "backend/cpu/kernels/cpu_kernels.h"
#include "quant/block_layouts.h"

#include <cstddef>
#include <type_traits>

namespace hearth::cpu_kernels {

// Q4_1 and Q5_1: unsigned q with a min, against Q8_1 (whose s carries d times the sum of its values).
template <typename Block>
constexpr bool kPackedWithMin = requires(Block b)
{
    b.m;
};
template <typename Block>
using PackedActivations = std::conditional_t<kPackedWithMin<Block>, blocks::Q8_1, blocks::Q8_0>;

// One row's scale: F16, MXFP4's E8M0 byte.
template <typename Block>
constexpr size_t kPackedScaleBytes = std::is_same_v<Block, blocks::MXFP4> ? 1 : 2;
// A packed block's bytes before its quants: the eight rows' scales, and their mins.
template <typename Block>
constexpr size_t kPackedHeadBytes = (kPackedWithMin<Block> ? 2 : 1) * kPackedScaleBytes<Block>* kPackRows;

}  // namespace hearth::cpu_kernels
