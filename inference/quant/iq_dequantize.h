// Dequantization of the IQ weight types (IQ1_S, IQ1_M, IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S,
// IQ4_NL, IQ4_XS) and MXFP4, read byte by byte from their GGUF block layouts, as ggml defines
// them. The Vulkan shaders (shaders/quant_blocks.glsl) implement the same and are tested against it.
#pragma once

#include "gguf/ggml_type.h"

#include <cstdint>

namespace hearth {

bool isIqType(GgmlType type);  // the types above
// The IQ types whose values come from the lookup grids (all but IQ4_NL, IQ4_XS and MXFP4, whose
// 16 levels are inline): the Vulkan kernels of these read the grid buffer.
bool iqTypeUsesGrids(GgmlType type);
// `blocks` blocks of `type` from src into dst (blocks * the type's block elements floats).
void dequantizeIq(GgmlType type, const uint8_t* src, float* dst, int64_t blocks);

}  // namespace hearth
