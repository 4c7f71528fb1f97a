// The grid IQ types (IQ1_S, IQ1_M, IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S) as integers: a
// super-block's values as a K-quant's (value i = d * scale[i/16] * q[i], no mins), the form ggml's
// integer dots sum them in. quant/iq_grid_decode.inc has the layouts.
#pragma once

#include "gguf/ggml_type.h"
#include "quant/kquant_unpack.h"

#include <cstdint>

namespace hearth {

// Every |q| is below this (the SIMD kernels lift signed values by it into unsigned bytes).
inline constexpr int kIqGridMagnitudeBound = 64;

// type is one of the seven (quant/iq_dequantize.h: iqTypeUsesGrids); block points at one super-block of it.
void unpackIqGridInts(GgmlType type, const uint8_t* block, KBlockInts& out);

}  // namespace hearth
