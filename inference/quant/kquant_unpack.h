// A K-quant super-block unpacked to integers: value i = d * scale[i/16] * q[i] - dmin * min[i/16].
// Dequantization and the quantized dot product both start from this, so they cannot disagree.
#pragma once

#include "gguf/ggml_type.h"

#include <cstdint>

namespace hearth {

struct KBlockInts {
    int8_t q[256];
    int16_t scale[16];  // per 16 values (Q4_K/Q5_K's 32-value scales appear twice)
    int16_t min[16];  // 0 for the symmetric types (Q3_K, Q6_K)
    float d = 0;
    float dmin = 0;
};

// type is one of Q2_K..Q6_K; block points at one super-block of it.
void unpackKBlock(GgmlType type, const void* block, KBlockInts& out);

}  // namespace hearth
