// Tensor element types by their ggml ids, with the block layout of each: a tensor row of
// n elements of a quantized type is stored as n / blockElements blocks of blockBytes bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace hearth {

enum class GgmlType : uint32_t {
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q8_1 = 9,
    Q2_K = 10,
    Q3_K = 11,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
    Q8_K = 15,
    IQ2_XXS = 16,
    IQ2_XS = 17,
    IQ3_XXS = 18,
    IQ1_S = 19,
    IQ4_NL = 20,
    IQ3_S = 21,
    IQ2_S = 22,
    IQ4_XS = 23,
    I8 = 24,
    I16 = 25,
    I32 = 26,
    I64 = 27,
    F64 = 28,
    IQ1_M = 29,
    BF16 = 30,
    TQ1_0 = 34,
    TQ2_0 = 35,
    MXFP4 = 39,
};

struct GgmlTypeTraits {
    GgmlType type;
    std::string_view name;
    uint32_t blockElements;  // values per block (1 for plain types)
    uint32_t blockBytes;  // bytes per block
    bool computeSupported;  // Hearth has kernels for it (the ternary TQ types: not yet)
};

// nullopt for ids ggml never assigned or has retired (4, 5, 31-33, 36-38).
std::optional<GgmlTypeTraits> ggmlTypeTraits(uint32_t id);
const GgmlTypeTraits& ggmlTypeTraits(GgmlType type);
std::string_view ggmlTypeName(GgmlType type);

// Every type this build knows, in id order (for tests and listings).
std::span<const GgmlTypeTraits> allGgmlTypes();

}  // namespace hearth
