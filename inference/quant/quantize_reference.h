// Simple round-to-nearest quantizers for every weight type, producing ggml's block layouts.
// For tests and test-model tools (real models come quantized by llama.cpp); not tuned for
// quality like llama-quantize's searches.
#pragma once

#include "gguf/ggml_type.h"

#include <cstdint>
#include <vector>

namespace hearth {

// n must be a multiple of the type's block size. Throws for types without a quantizer.
std::vector<uint8_t> quantizeReference(GgmlType type, const float* x, int64_t n);

}  // namespace hearth
