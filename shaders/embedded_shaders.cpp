#include "embedded_shaders.h"

namespace hearth::shaders {

std::span<const uint32_t> spirv(std::string_view name)
{
    for (unsigned i = 0; i < detail::kShaderCount; ++i) {
        const auto& s = detail::kShaders[i];
        if (name == s.name) return {reinterpret_cast<const uint32_t*>(s.bytes), s.size / sizeof(uint32_t)};
    }
    return {};
}

std::vector<std::string_view> names()
{
    std::vector<std::string_view> out;
    for (unsigned i = 0; i < detail::kShaderCount; ++i) out.emplace_back(detail::kShaders[i].name);
    return out;
}

}  // namespace hearth::shaders
