// A headless Vulkan instance (no window system), optionally with the Khronos validation layer.
#pragma once

#include <volk.h>

#include <string>
#include <vector>

namespace hearth::vk {

class Instance {
public:
    // Throws hearth::Error(Device) when no loader or no instance can be had. With
    // enableValidation, VK_LAYER_KHRONOS_validation is enabled when installed and every
    // error message it reports is collected (see validationErrors()).
    explicit Instance(bool enableValidation = false);
    ~Instance();
    Instance(const Instance&) = delete;
    Instance& operator=(const Instance&) = delete;

    VkInstance handle() const { return m_instance; }
    std::vector<VkPhysicalDevice> physicalDevices() const;
    bool validationEnabled() const { return m_messenger != VK_NULL_HANDLE; }
    const std::vector<std::string>& validationErrors() const { return m_validationErrors; }

private:
    VkInstance m_instance = VK_NULL_HANDLE;
    VkDebugUtilsMessengerEXT m_messenger = VK_NULL_HANDLE;
    std::vector<std::string> m_validationErrors;
};

}  // namespace hearth::vk
