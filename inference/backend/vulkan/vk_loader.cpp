#include "backend/vulkan/vk_loader.h"

#include <volk.h>

namespace hearth::vk {

const LoaderStatus& loadVulkanLoader()
{
    static const LoaderStatus status = [] {
        LoaderStatus s;
        if (volkInitialize() != VK_SUCCESS) {
            s.message = "No Vulkan loader was found (libvulkan.so.1 / vulkan-1.dll). Install your GPU driver's "
                        "Vulkan support, or Mesa's lavapipe (Debian: mesa-vulkan-drivers) to run on the CPU.";
            return s;
        }
        s.available = true;
        s.instanceVersion = volkGetInstanceVersion();
        return s;
    }();
    return status;
}

std::string apiVersionString(uint32_t version)
{
    return std::to_string(VK_API_VERSION_MAJOR(version)) + "." + std::to_string(VK_API_VERSION_MINOR(version)) + "." +
        std::to_string(VK_API_VERSION_PATCH(version));
}

}  // namespace hearth::vk
