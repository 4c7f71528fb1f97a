// What a Vulkan device offers, and which one Hearth picks.
#pragma once

#include <volk.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace hearth::vk {

struct MemoryHeapInfo {
    uint64_t bytes = 0;
    bool deviceLocal = false;
    // VK_EXT_memory_budget, where the driver has it: what this process may allocate from the
    // heap now (other programs' use taken out) and what it uses; 0: unknown.
    uint64_t budget = 0, usage = 0;
    // What a model may count on: the budget when known, else the heap's size.
    uint64_t available() const { return budget > 0 ? std::min(bytes, budget > usage ? budget - usage : 0) : bytes; }
};

struct DeviceInfo {
    uint32_t index = 0;
    VkPhysicalDevice handle = VK_NULL_HANDLE;
    std::string name;
    std::string typeName;  // "discrete", "integrated", "virtual", "cpu", "other"
    VkPhysicalDeviceType type = VK_PHYSICAL_DEVICE_TYPE_OTHER;
    std::string driverName;  // e.g. "llvmpipe", "NVIDIA"
    std::string driverInfo;  // driver version string
    uint32_t apiVersion = 0;
    uint32_t subgroupSize = 0;
    bool subgroupArithmetic = false;
    bool subgroupSizeControl = false;  // VK_EXT_subgroup_size_control with full compute subgroups
    bool storage16 = false;  // 16-bit storage buffers
    bool float16 = false;  // fp16 arithmetic in shaders
    bool storage8 = false;  // 8-bit storage buffers
    bool int8 = false;  // int8 arithmetic in shaders
    // VK_KHR_shader_integer_dot_product (core in 1.3): 8-bit dot products of packed words, and
    // whether the driver says they run as instructions (not emulated) for signed 4x8 packs.
    bool integerDot = false;
    bool integerDotAccelerated = false;
    uint64_t maxStorageBufferRange = 0;
    uint64_t maxMemoryAllocationSize = 0;
    uint32_t maxComputeWorkGroupInvocations = 0;
    std::vector<MemoryHeapInfo> heaps;
};

DeviceInfo describeDevice(VkPhysicalDevice device, uint32_t index);

// Whether the integer-dot matrix kernels run on this device. requested: -1 automatic (where the
// driver says 8-bit dot products are accelerated, and on CPU drivers, whose compiler turns them
// into SIMD integer code: lavapipe decodes 1.5-2.4x, prefills 1.3-1.5x its float kernels on
// Qwen2.5-0.5B Q4_0 / Q4_K / Q8_0, tests/bench/vulkan_vs_llama_cpp.sh; HEARTH_VK_INTEGER_DOT=0/1
// overrides), 0 never, 1 wherever the device has the feature.
bool usesIntegerDotKernels(const DeviceInfo& info, int requested = -1);

// Preference: discrete > integrated > virtual > CPU > other, earliest index first.
// `request` (a device index, or a case-insensitive part of its name; empty = automatic, and
// then HEARTH_VULKAN_DEVICE is consulted) overrides it. Throws hearth::Error(Device) when
// there are no devices or the request matches none, listing what there is.
const DeviceInfo& chooseDevice(const std::vector<DeviceInfo>& devices, std::string request = {});

}  // namespace hearth::vk
