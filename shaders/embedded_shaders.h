// The SPIR-V of every shaders/*.comp, compiled at build time and linked into the binary.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace hearth::shaders {

struct EmbeddedShader {
    const char* name;  // file name without .comp
    const unsigned char* bytes;  // SPIR-V words, 4-byte aligned
    size_t size;  // in bytes
};

// Empty span when no shader has that name.
std::span<const uint32_t> spirv(std::string_view name);
std::vector<std::string_view> names();

namespace detail {
extern const EmbeddedShader kShaders[];
extern const unsigned kShaderCount;
}  // namespace detail

}  // namespace hearth::shaders
