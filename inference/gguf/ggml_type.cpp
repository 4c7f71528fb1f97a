#include "gguf/ggml_type.h"

#include <array>

namespace hearth {

namespace {

constexpr uint32_t kQK = 256;  // super-block size of the K-quants and most IQ types

constexpr std::array kTypes = {
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

}  // namespace

std::optional<GgmlTypeTraits> ggmlTypeTraits(uint32_t id)
{
    for (const auto& t : kTypes)
        if (uint32_t(t.type) == id) return t;
    return std::nullopt;
}

const GgmlTypeTraits& ggmlTypeTraits(GgmlType type)
{
    for (const auto& t : kTypes)
        if (t.type == type) return t;
    return kTypes[0];  // unreachable for values of the enum
}

std::string_view ggmlTypeName(GgmlType type) { return ggmlTypeTraits(type).name; }

std::span<const GgmlTypeTraits> allGgmlTypes() { return kTypes; }

}  // namespace hearth
