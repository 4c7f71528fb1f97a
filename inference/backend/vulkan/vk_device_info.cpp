#include "backend/vulkan/vk_device_info.h"

#include "core/error.h"
#include "platform/paths.h"

#include <algorithm>
#include <cctype>

namespace hearth::vk {

namespace {

const char* typeName(VkPhysicalDeviceType type)
{
    switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "cpu";
    default: return "other";
    }
}

int preferenceRank(VkPhysicalDeviceType type)
{
    switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 0;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 1;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return 3;
    default: return 4;
    }
}

std::string lower(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

}  // namespace

DeviceInfo describeDevice(VkPhysicalDevice device, uint32_t index)
{
    DeviceInfo info;
    info.index = index;
    info.handle = device;

    VkPhysicalDeviceSubgroupProperties subgroup {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
    VkPhysicalDeviceMaintenance3Properties maintenance3 {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES};
    VkPhysicalDeviceDriverProperties driver {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
    VkPhysicalDeviceProperties2 props {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
    props.pNext = &subgroup;
    subgroup.pNext = &maintenance3;
    maintenance3.pNext = &driver;
    VkPhysicalDeviceShaderIntegerDotProductProperties dotProps {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_PROPERTIES};
    uint32_t extensionCount = 0;
    vkEnumerateDeviceExtensionProperties(device, nullptr, &extensionCount, nullptr);
    std::vector<VkExtensionProperties> extensions(extensionCount);
    vkEnumerateDeviceExtensionProperties(device, nullptr, &extensionCount, extensions.data());
    auto hasExtension = [&](const char* name) {
        return std::any_of(extensions.begin(), extensions.end(),
                           [&](const VkExtensionProperties& e) { return std::string(e.extensionName) == name; });
    };
    const bool hasIntegerDot = hasExtension(VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME);
    if (hasIntegerDot) driver.pNext = &dotProps;
    vkGetPhysicalDeviceProperties2(device, &props);

    info.name = props.properties.deviceName;
    info.type = props.properties.deviceType;
    info.typeName = typeName(info.type);
    info.apiVersion = props.properties.apiVersion;
    info.driverName = driver.driverName;
    info.driverInfo = driver.driverInfo;
    info.subgroupSize = subgroup.subgroupSize;
    info.subgroupArithmetic =
        (subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) && (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT);
    info.maxStorageBufferRange = props.properties.limits.maxStorageBufferRange;
    info.maxMemoryAllocationSize = maintenance3.maxMemoryAllocationSize;
    info.maxComputeWorkGroupInvocations = props.properties.limits.maxComputeWorkGroupInvocations;

    VkPhysicalDeviceVulkan12Features v12 {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
    VkPhysicalDeviceVulkan11Features v11 {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
    VkPhysicalDeviceSubgroupSizeControlFeaturesEXT sizeControl {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES_EXT};
    VkPhysicalDeviceFeatures2 features {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
    features.pNext = &v11;
    v11.pNext = &v12;
    const bool hasSizeControl = hasExtension(VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME);
    VkPhysicalDeviceShaderIntegerDotProductFeatures dotFeatures {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_FEATURES};
    void** tail = &v12.pNext;
    if (hasSizeControl) {
        *tail = &sizeControl;
        tail = &sizeControl.pNext;
    }
    if (hasIntegerDot) *tail = &dotFeatures;
    vkGetPhysicalDeviceFeatures2(device, &features);
    info.subgroupSizeControl = hasSizeControl && sizeControl.subgroupSizeControl && sizeControl.computeFullSubgroups;
    info.storage16 = v11.storageBuffer16BitAccess;
    info.float16 = v12.shaderFloat16;
    info.storage8 = v12.storageBuffer8BitAccess;
    info.int8 = v12.shaderInt8;
    info.integerDot = hasIntegerDot && dotFeatures.shaderIntegerDotProduct;
    info.integerDotAccelerated = info.integerDot && dotProps.integerDotProduct4x8BitPackedSignedAccelerated;

    const bool hasBudget = hasExtension(VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
    VkPhysicalDeviceMemoryBudgetPropertiesEXT budget {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT};
    VkPhysicalDeviceMemoryProperties2 memory2 {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2};
    if (hasBudget) memory2.pNext = &budget;
    vkGetPhysicalDeviceMemoryProperties2(device, &memory2);
    const VkPhysicalDeviceMemoryProperties& memory = memory2.memoryProperties;
    for (uint32_t h = 0; h < memory.memoryHeapCount; ++h)
        info.heaps.push_back({memory.memoryHeaps[h].size, bool(memory.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT),
                              hasBudget ? budget.heapBudget[h] : 0, hasBudget ? budget.heapUsage[h] : 0});
    return info;
}

bool usesIntegerDotKernels(const DeviceInfo& info, int requested)
{
    if (!info.integerDot) return false;
    if (requested < 0) {
        const std::string forced = environmentVariable("HEARTH_VK_INTEGER_DOT");
        if (!forced.empty()) requested = forced != "0";
    }
    if (requested >= 0) return requested == 1;
    return info.integerDotAccelerated || info.type == VK_PHYSICAL_DEVICE_TYPE_CPU;
}

const DeviceInfo& chooseDevice(const std::vector<DeviceInfo>& devices, std::string request)
{
    if (devices.empty())
        throw Error(ErrorCode::Device,
                    "Vulkan found no devices. Install a GPU driver with Vulkan support, or Mesa's "
                    "lavapipe (Debian: mesa-vulkan-drivers) to run on the CPU.");
    if (request.empty()) request = environmentVariable("HEARTH_VULKAN_DEVICE");
    if (!request.empty()) {
        bool numeric = std::all_of(request.begin(), request.end(), [](unsigned char c) { return std::isdigit(c); });
        for (const auto& d : devices) {
            if (numeric ? std::to_string(d.index) == request : lower(d.name).find(lower(request)) != std::string::npos) return d;
        }
        std::string available;
        for (const auto& d : devices) available += "\n  " + std::to_string(d.index) + ": " + d.name;
        throw Error(ErrorCode::Device, "no Vulkan device matches '" + request + "'; available:" + available);
    }
    return *std::min_element(devices.begin(), devices.end(),
                             [](const DeviceInfo& a, const DeviceInfo& b) { return preferenceRank(a.type) < preferenceRank(b.type); });
}

}  // namespace hearth::vk
