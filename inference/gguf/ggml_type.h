// Tensor element types by their ggml ids, with the block layout of each: a tensor row of
// n elements of a quantized type is stored as n / blockElements blocks of blockBytes bytes.
#pragma once

#include <array>
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

namespace detail {

inline constexpr uint32_t kQK = 256;  // super-block size of the K-quants and most IQ types

inline constexpr std::array kGgmlTypes = {
    GgmlTypeTraits {GgmlType::F32, "F32", 1, 4, true},
    GgmlTypeTraits {GgmlType::F16, "F16", 1, 2, true},
    GgmlTypeTraits {GgmlType::Q4_0, "Q4_0", 32, 2 + 16, true},
    GgmlTypeTraits {GgmlType::Q4_1, "Q4_1", 32, 2 + 2 + 16, true},
    GgmlTypeTraits {GgmlType::Q5_0, "Q5_0", 32, 2 + 4 + 16, true},
    GgmlTypeTraits {GgmlType::Q5_1, "Q5_1", 32, 2 + 2 + 4 + 16, true},
    GgmlTypeTraits {GgmlType::Q8_0, "Q8_0", 32, 2 + 32, true},
    GgmlTypeTraits {GgmlType::Q8_1, "Q8_1", 32, 2 + 2 + 32, false},
    GgmlTypeTraits {GgmlType::Q2_K, "Q2_K", kQK, kQK / 16 + kQK / 4 + 2 + 2, true},
    GgmlTypeTraits {GgmlType::Q3_K, "Q3_K", kQK, kQK / 8 + kQK / 4 + 12 + 2, true},
    GgmlTypeTraits {GgmlType::Q4_K, "Q4_K", kQK, 2 + 2 + 12 + kQK / 2, true},
    GgmlTypeTraits {GgmlType::Q5_K, "Q5_K", kQK, 2 + 2 + 12 + kQK / 8 + kQK / 2, true},
    GgmlTypeTraits {GgmlType::Q6_K, "Q6_K", kQK, kQK / 2 + kQK / 4 + kQK / 16 + 2, true},
    GgmlTypeTraits {GgmlType::Q8_K, "Q8_K", kQK, 4 + kQK + kQK / 16 * 2, false},
    GgmlTypeTraits {GgmlType::IQ2_XXS, "IQ2_XXS", kQK, 2 + kQK / 4, true},
    GgmlTypeTraits {GgmlType::IQ2_XS, "IQ2_XS", kQK, 2 + kQK / 4 + kQK / 32, true},
    GgmlTypeTraits {GgmlType::IQ3_XXS, "IQ3_XXS", kQK, 2 + 3 * kQK / 8, true},
    GgmlTypeTraits {GgmlType::IQ1_S, "IQ1_S", kQK, 2 + kQK / 8 + kQK / 16, true},
    GgmlTypeTraits {GgmlType::IQ4_NL, "IQ4_NL", 32, 2 + 16, true},
    GgmlTypeTraits {GgmlType::IQ3_S, "IQ3_S", kQK, 2 + kQK / 4 + kQK / 32 + kQK / 8 + 4, true},
    GgmlTypeTraits {GgmlType::IQ2_S, "IQ2_S", kQK, 2 + kQK / 4 + kQK / 16, true},
    GgmlTypeTraits {GgmlType::IQ4_XS, "IQ4_XS", kQK, 2 + 2 + kQK / 64 + kQK / 2, true},
    GgmlTypeTraits {GgmlType::I8, "I8", 1, 1, false},
    GgmlTypeTraits {GgmlType::I16, "I16", 1, 2, false},
    GgmlTypeTraits {GgmlType::I32, "I32", 1, 4, false},
    GgmlTypeTraits {GgmlType::I64, "I64", 1, 8, false},
    GgmlTypeTraits {GgmlType::F64, "F64", 1, 8, false},
    GgmlTypeTraits {GgmlType::IQ1_M, "IQ1_M", kQK, kQK / 8 + kQK / 16 + kQK / 32, true},
    GgmlTypeTraits {GgmlType::BF16, "BF16", 1, 2, true},
    GgmlTypeTraits {GgmlType::TQ1_0, "TQ1_0", kQK, (kQK - 4 * kQK / 64) / 5 + kQK / 64 + 2, false},
    GgmlTypeTraits {GgmlType::TQ2_0, "TQ2_0", kQK, kQK / 4 + 2, false},
    GgmlTypeTraits {GgmlType::MXFP4, "MXFP4", 32, 1 + 16, true},
};

}  // namespace detail

// nullopt for ids ggml never assigned or has retired (4, 5, 31-33, 36-38).
std::optional<GgmlTypeTraits> ggmlTypeTraits(uint32_t id);
// constexpr and inline: the kernels ask it per row (a call and a search were 1-2 % of a decode).
constexpr const GgmlTypeTraits& ggmlTypeTraits(GgmlType type)
{
    for (const auto& t : detail::kGgmlTypes)
        if (t.type == type) return t;
    return detail::kGgmlTypes[0];  // unreachable for values of the enum
}
std::string_view ggmlTypeName(GgmlType type);

// Every type this build knows, in id order (for tests and listings).
std::span<const GgmlTypeTraits> allGgmlTypes();

}  // namespace hearth
