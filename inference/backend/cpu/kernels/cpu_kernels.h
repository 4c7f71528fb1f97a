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

// A token's Q8_0 activations prepared for the row-interleaved kernels: the scales as floats and,
// per block, minus `offset` times the sum of its values, which lets unsigned weights (q + offset)
// go through the unsigned x signed 8-bit dot.
struct PreparedQ8_0 {
    const uint8_t* blocks;  // Q8_0
    const float* scales;  // [blocks]
    const int32_t* offsets;  // [blocks]
};
void prepareQ8_0(const uint8_t* q8_0, int64_t blocks, int32_t offset, float* scales, int32_t* offsets);

// Rows repacked in groups of eight, block by block: the eight F16 scales, then the quants in
// 4-byte pieces, the eight rows' first piece, their second, ... so that one 8-bit dot
// instruction advances eight rows (a 32-bit lane per row). Same size as the original rows.
constexpr int kPackRows = 8;
using RepackFn = void (*)(const uint8_t* rows, size_t rowBytes, int64_t cols, uint8_t* out);
// Row `rowInGroup` of a packed group back in the file's layout (types whose blocks are an F16
// scale then quants: the ones with a repack).
void unpackPackedRow(GgmlType type, const uint8_t* group, int rowInGroup, int64_t cols, uint8_t* row);
// One group of packed rows against T tokens: out[t * kPackRows + r], each bit-identical to DotFn's.
using PackedDotFn = void (*)(const uint8_t* packed, int64_t cols, const PreparedQ8_0* tokens, float* out);

struct KernelTable {
    const char* isa;  // "avx512-vnni", "avx2", "neon-dotprod", "generic"
    // Indexed by GgmlType; nullptr where the table has no kernel (the reference one is used).
    DotFn dot[kTypeSlots] = {};
    Dot4Fn dot4[kTypeSlots] = {};
    QuantizeFn quantize[kTypeSlots] = {};
    // Row-interleaved kernels, for weight types whose partner is Q8_0: the repacking, the offset
    // prepareQ8_0 takes for them, and the 1- and 4-token dots.
    RepackFn repack[kTypeSlots] = {};
    int32_t packOffset[kTypeSlots] = {};
    PackedDotFn packedDot1[kTypeSlots] = {};
    PackedDotFn packedDot4[kTypeSlots] = {};
    // Attention's vector steps (cpu_attention.h AttentionKernels), bit-identical to the reference's.
    float (*floatDot)(const float* a, const float* b, int64_t n) = nullptr;
    void (*halvesToFloats)(const uint16_t* src, float* dst, int64_t n) = nullptr;
    void (*accumulate)(float* acc, const float* v, float weight, int64_t n, bool half) = nullptr;
    void (*rescale)(float* acc, float factor, int64_t n, bool half) = nullptr;
};

// Each returns nullptr when this build has no such table (another architecture).
const KernelTable* avx512Kernels();
const KernelTable* avx2Kernels();
const KernelTable* neonKernels();

}  // namespace hearth::cpu_kernels
