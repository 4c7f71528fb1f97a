// A super-block of the grid IQ types (IQ1_S, IQ1_M, IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S)
// decoded into integers: 32 groups of eight values, each eight magnitudes and their signs, and
// one odd integer scale per 16 values. Value i = d * scale[i/16] * magnitude * sign, the same
// number ggml's dequantizer gives (its (0.5 + s) * 0.25 is (2s + 1) * 0.125, the power of two
// folded into d; IQ1's grid value plus a delta of 1/8 is an odd integer over 8).
// The reference dot (quant/vec_dot.cpp) and the SIMD kernels both start from this, as ggml's
// integer dots for these types do, so they cannot disagree on the layout.
#pragma once

#include "gguf/ggml_type.h"
#include "quant/kquant_unpack.h"

#include <cstdint>

namespace hearth {

struct IqGridBlock {
    uint64_t magnitudes[32];  // group g's eight magnitudes, one byte each, lowest first
    uint8_t signs[32];  // bit j of group g's byte: value j is negative
    int16_t scale[16];  // per 16 values (a 32-value scale appears twice)
    float d = 0;  // the block's F16 scale times the type's power-of-two factor
};

// Every grid magnitude is below this (the SIMD kernels lift signed values by it into unsigned bytes).
inline constexpr int kIqGridMagnitudeBound = 64;

// Whether `type` is one of the seven above.
bool iqTypeHasIntegerDot(GgmlType type);
// type is one of the seven; block points at one super-block of it.
void unpackIqGridBlock(GgmlType type, const uint8_t* block, IqGridBlock& out);
// The same as a K-quant's integers (no mins): value i = d * scale[i/16] * q[i].
void unpackIqGridInts(GgmlType type, const uint8_t* block, KBlockInts& out);

}  // namespace hearth
