// How the door describes a device (internal to the engine: engine_devices.cpp and engine.cpp).
#pragma once

#include "backend/vulkan/vk_device_info.h"
#include "backend/vulkan/vk_loader.h"
#include "engine/engine.h"

namespace hearth {

ComputeDevice describeVulkanDevice(const vk::DeviceInfo& info);
ComputeDevice describeCpuDevice();

}  // namespace hearth
