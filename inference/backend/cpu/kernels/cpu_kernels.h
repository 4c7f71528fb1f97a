// The fast CPU backend's kernels, one table per instruction set. Each table is compiled in its
// own file with that set's compiler flags; cpu_isa.cpp picks the one the running CPU supports,
// so one binary runs everywhere and uses AVX-512 VNNI where it exists.
#pragma once

#include "backend/cpu/attention_kernels.h"
#include "gguf/ggml_type.h"

#include <cstdint>
#include <span>

namespace hearth::cpu_kernels {

// Dot product of n weights of one type with n activations in activationTypeFor(that type).
using DotFn = float (*)(const uint8_t* weights, const uint8_t* activations, int64_t n);
// The same for 4 token rows of activations `stride` bytes apart, writing out[0..3]; each token's
// result is bit-identical to DotFn's for it (the weight block is unpacked once for all four).
using Dot4Fn = void (*)(const uint8_t* weights, const uint8_t* activations, size_t stride, int64_t n, float* out);
// The same for `tokens` (1..kMaxManyTokens) token rows: where unpacking a block costs more than
// its dot (the grid IQ types), one unpack serves a whole tile of tokens. Each out[t] is DotFn's bits.
constexpr int kMaxManyTokens = 64;
using DotManyFn = void (*)(const uint8_t* weights, const uint8_t* activations, size_t stride, int64_t n, int tokens, float* out);
// The same for kPackRows rows `rowBytes` apart and up to kMaxManyRowsTokens tokens at once:
// out[t * kPackRows + r], each DotFn's bits. Each super-block of the rows is decoded once for all
// the tokens, so the more tokens per call, the less decoding per token.
constexpr int kMaxManyRowsTokens = 256;
using DotManyRowsFn = void (*)(const uint8_t* rows, size_t rowBytes, const uint8_t* activations, size_t stride, int64_t n, int tokens,
                               float* out);
// Converts n floats into an activation type, writing rowBytes(type, n) bytes.
using QuantizeFn = void (*)(const float* x, int64_t n, uint8_t* out);

// Table slots: GgmlType ids are below 40.
constexpr size_t kTypeSlots = 40;
inline size_t slot(GgmlType type) { return size_t(type) < kTypeSlots ? size_t(type) : 0; }

// A token's activations prepared for the row-interleaved kernels.
//   Q8_0 and Q8_1 (the 32-blocks): the scales as floats and, per block, minus `offset` times the
//   sum of its values, which lets unsigned weights (q + offset) go through the unsigned x signed
//   8-bit dot; Q8_1 (against Q4_1 and Q5_1, whose weights carry a min) also its s as floats.
//   Q8_K (the K-quants): no scales (the blocks carry floats); per super-block four words, each
//   the sums of two 32-value sub-blocks as a pair of int16 (2p in the low half, 2p + 1 in the
//   high), ready to multiply the pairs of mins a packed Q4_K group keeps side by side.
struct PreparedTokens {
    const uint8_t* blocks;  // Q8_0, Q8_1 or Q8_K
    const float* scales;  // Q8_0, Q8_1: [blocks]
    const int32_t* offsets;  // Q8_0, Q8_1: [blocks]; Q8_K: [4 * super-blocks]
    const float* sums = nullptr;  // Q8_1: [blocks], each block's s (its d times the sum of its values)
};
// One token's activations of type `actType` (`blocks` 32-blocks, or super-blocks for Q8_K)
// prepared into the caller's buffers: scales and sums of `blocks` floats, offsets of 4 * blocks.
PreparedTokens prepareToken(GgmlType actType, const uint8_t* activations, int64_t blocks, int32_t offset, float* scales, int32_t* offsets,
                            float* sums);

// Rows repacked in groups of eight, block by block, so that one 8-bit dot instruction advances
// eight rows (a 32-bit lane per row). Same size as the original rows.
//   The 32-blocks (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, IQ4_NL, MXFP4): the eight scales (F16; MXFP4's
//   E8M0 bytes; Q4_1 and Q5_1 then their eight F16 mins), then the quants in 4-byte pieces, the
//   eight rows' first piece, their second, ... (Q5_0's and Q5_1's fifth bits are the first piece).
//   Q2_K, Q3_K, Q4_K, Q5_K, Q6_K and IQ4_XS: as below.
constexpr int kPackRows = 8;
using RepackFn = void (*)(const uint8_t* rows, size_t rowBytes, int64_t cols, uint8_t* out);
void repackQ4_0(const uint8_t* rows, size_t rowBytes, int64_t cols, uint8_t* out);
void repackQ4_1(const uint8_t* rows, size_t rowBytes, int64_t cols, uint8_t* out);
void repackQ5_0(const uint8_t* rows, size_t rowBytes, int64_t cols, uint8_t* out);
void repackQ5_1(const uint8_t* rows, size_t rowBytes, int64_t cols, uint8_t* out);
void repackQ8_0(const uint8_t* rows, size_t rowBytes, int64_t cols, uint8_t* out);
void repackIQ4_NL(const uint8_t* rows, size_t rowBytes, int64_t cols, uint8_t* out);
void repackMXFP4(const uint8_t* rows, size_t rowBytes, int64_t cols, uint8_t* out);
// Row `rowInGroup` of a packed group back in the file's layout, byte for byte.
void unpackPackedRow(GgmlType type, const uint8_t* group, int rowInGroup, int64_t cols, uint8_t* row);
// One group of packed rows against T tokens: out[t * kPackRows + r], each bit-identical to DotFn's.
using PackedDotFn = void (*)(const uint8_t* packed, int64_t cols, const PreparedTokens* tokens, float* out);

// Two consecutive packed groups (the second `groupStride` bytes after the first) against 4
// tokens in 512-bit vectors, sixteen rows per instruction: out[t * 2 * kPackRows + r], rows 0..7
// the first group's. Each the bits of PackedDotFn's.
using PackedPairDotFn = void (*)(const uint8_t* packed, size_t groupStride, int64_t cols, const PreparedTokens* tokens, float* out);

// A packed Q4_K super-block of eight rows (8 x 144 bytes):
//   [0, 16) the rows' d, [16, 32) their dmin (F16);
//   [32, 128) the 128 six-bit scales and mins, transposed so that a few vector operations
//   unpack them all: scale k = 8j + r (sub-block j of row r) and min k = 16(j/2) + 2r + j%2, their
//   low four bits in byte 32 + k (scale) and its high nibble (min), their top two bits in byte
//   96 + k%32 at bit 2(k/32) (scale) and 4 + 2(k/32) (min);
//   [128, 1152) the quants in 4-byte pieces as the 32-blocks keep theirs.
// A packed Q5_K super-block (8 x 176 bytes): as Q4_K's, with qh's pieces [128, 384) before the
// nibbles' [384, 1408).
// A packed Q6_K super-block (8 x 210 bytes):
//   [0, 16) the rows' d; [16, 144) the signed scales, scale g of row r at 16(g/2) + 2r + g%2;
//   [144, 1168) ql and [1168, 1680) qh, each in 4-byte pieces as above.
// A packed Q2_K super-block (8 x 84 bytes):
//   [0, 16) the rows' d, [16, 32) their dmin; [32, 160) the scale-and-min bytes, group g of row r
//   at 32 + 8g + r; [160, 672) qs in 4-byte pieces.
void repackQ2_K(const uint8_t* rows, size_t rowBytes, int64_t cols, uint8_t* out);
// A packed Q3_K super-block (8 x 110 bytes):
//   [0, 16) the rows' d; [16, 112) their 128 six-bit scales (+32), scale k = 8g + r of group g of
//   row r: its low four bits in byte 16 + k%64 (the high nibble for k >= 64), its top two bits in
//   byte 80 + k%32 at bit 2(k/32); [112, 368) hmask and [368, 880) qs, each in 4-byte pieces.
void repackQ3_K(const uint8_t* rows, size_t rowBytes, int64_t cols, uint8_t* out);
void repackQ4_K(const uint8_t* rows, size_t rowBytes, int64_t cols, uint8_t* out);
void repackQ5_K(const uint8_t* rows, size_t rowBytes, int64_t cols, uint8_t* out);
void repackQ6_K(const uint8_t* rows, size_t rowBytes, int64_t cols, uint8_t* out);
// A packed IQ4_XS super-block (8 x 136 bytes):
//   [0, 16) the rows' d; [16, 64) their 64 six-bit scales (+32), scale k = 8j + r of sub-block j
//   of row r: its low four bits in byte 16 + k%32 (the high nibble for k >= 32), its top two bits
//   in byte 48 + k%16 at bit 2(k/16); [64, 1088) the quants in 4-byte pieces.
void repackIQ4_XS(const uint8_t* rows, size_t rowBytes, int64_t cols, uint8_t* out);

struct KernelTable {
    const char* isa;  // "avx512-vnni", "avx2", "neon-dotprod", "generic"
    // Indexed by GgmlType; nullptr where the table has no kernel (the reference one is used).
    DotFn dot[kTypeSlots] = {};
    Dot4Fn dot4[kTypeSlots] = {};
    DotManyFn dotMany[kTypeSlots] = {};
    DotManyRowsFn dotManyRows[kTypeSlots] = {};
    QuantizeFn quantize[kTypeSlots] = {};
    // Row-interleaved kernels: the repacking, the offset prepareToken takes for the 32-blocks,
    // and the 1- and 4-token dots.
    RepackFn repack[kTypeSlots] = {};
    int32_t packOffset[kTypeSlots] = {};
    PackedDotFn packedDot1[kTypeSlots] = {};
    PackedDotFn packedDot4[kTypeSlots] = {};
    PackedPairDotFn packedPairDot4[kTypeSlots] = {};  // AVX-512 only
    // out[i] = swigluValue(gate[i], up[i]) for i < n, the reference's bits (null: its loop).
    void (*swiglu)(const float* gate, const float* up, float* out, int64_t n) = nullptr;
    // Attention's vector steps, bit-identical to the reference's (null: the reference's).
    AttentionKernels attention;
};

// Each returns nullptr when this build has no such table (another architecture).
const KernelTable* avx512Kernels();
const KernelTable* avxVnniKernels();
const KernelTable* avx2Kernels();
const KernelTable* neonKernels();

}  // namespace hearth::cpu_kernels
