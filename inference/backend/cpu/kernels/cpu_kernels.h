// The fast CPU backend's kernels, one table per instruction set. Each table is compiled in its
// own file with that set's compiler flags; cpu_isa.cpp picks the one the running CPU supports,
// so one binary runs everywhere and uses AVX-512 VNNI where it exists.
#pragma once

#include "gguf/ggml_type.h"

#include <cstdint>
#include <span>

namespace hearth::cpu_kernels {

// Dot product of n weights of one type with n activations in activationTypeFor(that type).
using DotFn = float (*)(const uint8_t* weights, const uint8_t* activations, int64_t n);
// The same for 4 token rows of activations `stride` bytes apart, writing out[0..3]; each token's
// result is bit-identical to DotFn's for it (the weight block is unpacked once for all four).
using Dot4Fn = void (*)(const uint8_t* weights, const uint8_t* activations, size_t stride, int64_t n, float* out);
// Converts n floats into an activation type, writing rowBytes(type, n) bytes.
using QuantizeFn = void (*)(const float* x, int64_t n, uint8_t* out);

// Table slots: GgmlType ids are below 40.
constexpr size_t kTypeSlots = 40;
inline size_t slot(GgmlType type) { return size_t(type) < kTypeSlots ? size_t(type) : 0; }

struct KernelTable {
    const char* isa;  // "avx512-vnni", "avx2", "neon-dotprod", "generic"
    // Indexed by GgmlType; nullptr where the table has no kernel (the reference one is used).
    DotFn dot[kTypeSlots] = {};
    Dot4Fn dot4[kTypeSlots] = {};
    QuantizeFn quantize[kTypeSlots] = {};
};

// Each returns nullptr when this build has no such table (another architecture).
const KernelTable* avx512Kernels();
const KernelTable* avx2Kernels();
const KernelTable* neonKernels();

}  // namespace hearth::cpu_kernels
