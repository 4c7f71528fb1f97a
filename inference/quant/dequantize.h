// Weight rows of any supported type -> float, exactly as ggml's reference dequantizers.
#pragma once

#include "gguf/ggml_type.h"

#include <cstddef>
#include <cstdint>

namespace hearth {

// Bytes of n values of type (n must be a multiple of the block size).
size_t rowBytes(GgmlType type, int64_t n);

// Dequantizes n values starting at src into dst. Throws hearth::Error(UnsupportedType) for
// types without kernels (IQ*, ...).
void dequantizeRow(GgmlType type, const void* src, float* dst, int64_t n);

}  // namespace hearth
