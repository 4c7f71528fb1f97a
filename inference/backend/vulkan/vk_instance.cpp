#include "backend/vulkan/vk_instance.h"

#include "backend/vulkan/vk_check.h"
#include "backend/vulkan/vk_loader.h"
#include "core/error.h"

#include <cstring>

namespace hearth::vk {

namespace {

constexpr const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";

bool hasInstanceExtension(const char* name)
{
    uint32_t count = 0;
    if (vkEnumerateInstanceExtensionProperties(nullptr, &count, nullptr) != VK_SUCCESS) return false;
    std::vector<VkExtensionProperties> extensions(count);
    if (vkEnumerateInstanceExtensionProperties(nullptr, &count, extensions.data()) != VK_SUCCESS) return false;
    for (const auto& e : extensions)
        if (std::strcmp(e.extensionName, name) == 0) return true;
    return false;
}

bool hasLayer(const char* name)
{
    uint32_t count = 0;
    if (vkEnumerateInstanceLayerProperties(&count, nullptr) != VK_SUCCESS) return false;
    std::vector<VkLayerProperties> layers(count);
    if (vkEnumerateInstanceLayerProperties(&count, layers.data()) != VK_SUCCESS) return false;
    for (const auto& l : layers)
        if (std::strcmp(l.layerName, name) == 0) return true;
    return false;
}

VKAPI_ATTR VkBool32 VKAPI_CALL onValidationMessage(VkDebugUtilsMessageSeverityFlagBitsEXT severity, VkDebugUtilsMessageTypeFlagsEXT,
                                                   const VkDebugUtilsMessengerCallbackDataEXT* data, void* user)
{
    if (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT)
        static_cast<std::vector<std::string>*>(user)->emplace_back(data->pMessage ? data->pMessage : "");
    return VK_FALSE;
}

}  // namespace

Instance::Instance(bool enableValidation)
{
    const LoaderStatus& loader = loadVulkanLoader();
    if (!loader.available) throw Error(ErrorCode::Device, loader.message);
    if (loader.instanceVersion < VK_API_VERSION_1_2)
        throw Error(ErrorCode::Device,
                    "the Vulkan loader supports version " + apiVersionString(loader.instanceVersion) + "; Hearth needs 1.2 or newer");

    VkApplicationInfo app {VK_STRUCTURE_TYPE_APPLICATION_INFO};
    app.pApplicationName = "Hearth";
    app.pEngineName = "Hearth";
    app.apiVersion = VK_API_VERSION_1_2;

    std::vector<const char*> layers;
    std::vector<const char*> extensions;
    bool validation = enableValidation && hasLayer(kValidationLayer);
    if (validation) {
        layers.push_back(kValidationLayer);
        extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
    }

    VkInstanceCreateInfo info {VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
    // MoltenVK (macOS) is a "portability" driver the loader lists only when asked to.
    if (hasInstanceExtension(VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME)) {
        extensions.push_back(VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME);
        info.flags |= VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR;
    }
    info.pApplicationInfo = &app;
    info.enabledLayerCount = uint32_t(layers.size());
    info.ppEnabledLayerNames = layers.data();
    info.enabledExtensionCount = uint32_t(extensions.size());
    info.ppEnabledExtensionNames = extensions.data();
    VkResult created = vkCreateInstance(&info, nullptr, &m_instance);
    if (created == VK_ERROR_INCOMPATIBLE_DRIVER)
        throw Error(ErrorCode::Device,
                    "the Vulkan loader found no usable driver. Install your GPU driver's Vulkan "
                    "support, or Mesa's lavapipe (Debian: mesa-vulkan-drivers) to run on the CPU.");
    HEARTH_VK_CHECK(created);
    volkLoadInstanceOnly(m_instance);

    if (validation) {
        VkDebugUtilsMessengerCreateInfoEXT messenger {VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
        messenger.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT;
        messenger.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
            VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
        messenger.pfnUserCallback = onValidationMessage;
        messenger.pUserData = &m_validationErrors;
        const VkResult result = vkCreateDebugUtilsMessengerEXT(m_instance, &messenger, nullptr, &m_messenger);
        if (result != VK_SUCCESS) {
            vkDestroyInstance(m_instance, nullptr);  // the destructor does not run for a failed constructor
            m_instance = VK_NULL_HANDLE;
            HEARTH_VK_CHECK(result);
        }
    }
}

Instance::~Instance()
{
    if (m_messenger) vkDestroyDebugUtilsMessengerEXT(m_instance, m_messenger, nullptr);
    if (m_instance) vkDestroyInstance(m_instance, nullptr);
}

std::vector<VkPhysicalDevice> Instance::physicalDevices() const
{
    uint32_t count = 0;
    HEARTH_VK_CHECK(vkEnumeratePhysicalDevices(m_instance, &count, nullptr));
    std::vector<VkPhysicalDevice> devices(count);
    HEARTH_VK_CHECK(vkEnumeratePhysicalDevices(m_instance, &count, devices.data()));
    devices.resize(count);
    return devices;
}

}  // namespace hearth::vk
