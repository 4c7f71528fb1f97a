// How weights are laid out in device memory: ggml's blocks, each padded to whole 32-bit words
// so that shaders read words only (no 8- or 16-bit storage needed, so every device runs them).
// Q4_0, Q5_0 and Q8_0 also move their f16 scale behind the quants, which puts the quants on a
// word boundary. Plain types (F32, F16, BF16) are read in blocks of 16 values; their rows are
// zero-padded to a whole block.
#pragma once

#include "gguf/ggml_type.h"

#include <cstdint>
#include <string>

namespace hearth::vk {

struct DeviceWeightLayout {
    uint32_t blockElements = 0;
    uint32_t blockWords = 0;
    std::string kernelType;  // suffix of the type's kernels: "q4_0", "f16", ...
};

// Throws hearth::Error(UnsupportedType) for types without Vulkan kernels.
DeviceWeightLayout deviceWeightLayout(GgmlType type);

// Converts one row of `cols` values from the GGUF bytes at src into the device layout at dst
// (cols / blockElements * blockWords words; plain types write cols values, the caller zeroes the padding).
void repackRow(GgmlType type, const uint8_t* src, int64_t cols, uint32_t* dst);

}  // namespace hearth::vk
