// Dot products of a weight row with an activation vector, the way ggml's CPU backend computes
// them: the activations are first converted to the weight type's partner format (F16 for F16
// weights, Q8_0 / Q8_1 for the 32-blocks, Q8_K for the K-quants), then multiplied in integers
// per block. This is what makes our numbers match llama.cpp's, not just approximate them.
#pragma once

#include "gguf/ggml_type.h"

#include <cstdint>
#include <vector>

namespace hearth {

// The format activations take before a dot product with weights of `weightType`.
GgmlType activationTypeFor(GgmlType weightType);

// Converts n floats into `type` (F32, F16, BF16, Q8_0, Q8_1 or Q8_K), appending to out.
void quantizeActivations(GgmlType type, const float* x, int64_t n, std::vector<uint8_t>& out);

// Dot product of n weights of `weightType` with activations already in activationTypeFor(weightType).
float vecDot(GgmlType weightType, const void* weights, const void* activations, int64_t n);

}  // namespace hearth
