#include "gguf/ggml_type.h"

namespace hearth {

std::optional<GgmlTypeTraits> ggmlTypeTraits(uint32_t id)
{
    for (const auto& t : detail::kGgmlTypes)
        if (uint32_t(t.type) == id) return t;
    return std::nullopt;
}

std::string_view ggmlTypeName(GgmlType type) { return ggmlTypeTraits(type).name; }

std::span<const GgmlTypeTraits> allGgmlTypes() { return detail::kGgmlTypes; }

}  // namespace hearth
