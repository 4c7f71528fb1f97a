// How the door describes a device (internal to the engine: engine_devices.cpp and engine.cpp).
#pragma once

#include "backend/vulkan/vk_device_info.h"
#include "backend/vulkan/vk_instance.h"
#include "backend/vulkan/vk_loader.h"
#include "engine/engine.h"

#include <optional>
#include <string>
#include <vector>

namespace hearth {

ComputeDevice describeVulkanDevice(const vk::DeviceInfo& info);
ComputeDevice describeCpuDevice();

// Automatic mode's rule: the best Vulkan GPU; Hearth's CPU backend when the best Vulkan device is
// itself a CPU (Mesa's llvmpipe / lavapipe, SwiftShader), unless the user named that device (an
// EngineOptions::device or HEARTH_VULKAN_DEVICE). `reason` says why, for the app and the CLI.
struct AutomaticChoice {
    std::optional<uint32_t> vulkanIndex;  // nullopt: the CPU backend
    std::string reason;
};
AutomaticChoice chooseAutomatically(const std::vector<vk::DeviceInfo>& devices, const std::string& request);
std::vector<vk::DeviceInfo> describeVulkanDevices(const vk::Instance& instance);

}  // namespace hearth
