// Finds the system's Vulkan loader at run time (through volk), so a machine without Vulkan
// gets an explanation instead of a program that fails to start.
#pragma once

#include <string>

namespace hearth::vk {

struct LoaderStatus {
    bool available = false;
    uint32_t instanceVersion = 0;  // VK_MAKE_API_VERSION of the loader, when available
    std::string message;  // why it is unavailable, in words a user can act on
};

// Loads the loader once per process; later calls return the first answer.
const LoaderStatus& loadVulkanLoader();

std::string apiVersionString(uint32_t version);

}  // namespace hearth::vk
