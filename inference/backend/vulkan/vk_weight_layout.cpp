#include "backend/vulkan/vk_weight_layout.h"

#include "core/error.h"

#include <algorithm>
#include <cstring>

namespace hearth::vk {

DeviceWeightLayout deviceWeightLayout(GgmlType type)
{
    const GgmlTypeTraits& traits = ggmlTypeTraits(type);
    std::string kernelType(traits.name);
    std::transform(kernelType.begin(), kernelType.end(), kernelType.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    switch (type) {
    case GgmlType::F32: return {16, 16, kernelType};
    case GgmlType::F16:
    case GgmlType::BF16: return {16, 8, kernelType};
    default:
        // Every block type with kernels: its GGUF block padded to whole words.
        if (traits.computeSupported && traits.blockElements > 1)
            return {traits.blockElements, uint32_t((traits.blockBytes + 3) / 4), kernelType};
        break;
    }
    throw Error(ErrorCode::UnsupportedType, "weight type " + std::string(traits.name) + " has no Vulkan kernels; use --backend cpu");
}

void repackRow(GgmlType type, const uint8_t* src, int64_t cols, uint32_t* dst)
{
    const GgmlTypeTraits& traits = ggmlTypeTraits(type);
    const DeviceWeightLayout layout = deviceWeightLayout(type);
    if (traits.blockElements == 1) {  // plain types: already word-aligned runs
        std::memcpy(dst, src, size_t(cols) * traits.blockBytes);
        return;
    }
    const int64_t blocks = cols / traits.blockElements;
    auto* out = reinterpret_cast<uint8_t*>(dst);
    const size_t inBytes = traits.blockBytes, outBytes = size_t(layout.blockWords) * 4;
    for (int64_t b = 0; b < blocks; ++b, src += inBytes, out += outBytes) {
        std::memset(out, 0, outBytes);
        switch (type) {
        case GgmlType::Q4_0:  // d, qs[16]  ->  qs[16], d
        case GgmlType::Q5_0:  // d, qh[4], qs[16]  ->  qs[16], qh[4], d
        case GgmlType::Q8_0:  // d, qs[32]  ->  qs[32], d
            if (type == GgmlType::Q5_0) {
                std::memcpy(out, src + 6, 16);
                std::memcpy(out + 16, src + 2, 4);
                std::memcpy(out + 20, src, 2);
            } else {
                std::memcpy(out, src + 2, inBytes - 2);
                std::memcpy(out + inBytes - 2, src, 2);
            }
            break;
        default: std::memcpy(out, src, inBytes); break;
        }
    }
}

}  // namespace hearth::vk
