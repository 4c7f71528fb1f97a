// The door's device list: Vulkan devices as the Vulkan backend would see and choose them, then
// Hearth's CPU backend.
#include "engine/device_description.h"

#include "core/thread_pool.h"
#include "platform/process_memory.h"

#include "backend/vulkan/vk_instance.h"
#include "backend/vulkan/vk_loader.h"

#include <algorithm>

namespace hearth {

uint64_t systemMemoryBytes() { return totalPhysicalMemory(); }
unsigned maxCpuThreads() { return ThreadPool::maxThreads(); }

ComputeDevice describeCpuDevice()
{
    ComputeDevice cpu;
    cpu.id = "cpu";
    cpu.name = "CPU";
    cpu.kind = "cpu";
    cpu.memoryBytes = totalPhysicalMemory();
    return cpu;
}

ComputeDevice describeVulkanDevice(const vk::DeviceInfo& info)
{
    ComputeDevice d;
    d.id = std::to_string(info.index);
    d.name = info.name;
    d.kind = info.typeName;
    d.vulkan = true;
    d.driverName = info.driverName;
    d.driverInfo = info.driverInfo;
    d.apiVersion = vk::apiVersionString(info.apiVersion);
    d.subgroupSize = info.subgroupSize;
    d.subgroupArithmetic = info.subgroupArithmetic;
    d.float16 = info.float16;
    d.int8 = info.int8;
    d.storage16 = info.storage16;
    d.storage8 = info.storage8;
    d.maxStorageBufferRange = info.maxStorageBufferRange;
    d.maxAllocationBytes = info.maxMemoryAllocationSize;
    for (const auto& heap : info.heaps) {
        d.heaps.emplace_back(heap.bytes, heap.deviceLocal);
        if (heap.deviceLocal) d.memoryBytes = std::max(d.memoryBytes, heap.bytes);
    }
    return d;
}

DeviceInventory listComputeDevices(const std::string& request)
{
    DeviceInventory inventory;
    try {
        const vk::LoaderStatus& loader = vk::loadVulkanLoader();
        if (!loader.available) {
            inventory.vulkanProblem = loader.message;
        } else {
            inventory.vulkanLoaderVersion = vk::apiVersionString(loader.instanceVersion);
            vk::Instance instance;
            std::vector<vk::DeviceInfo> infos;
            auto handles = instance.physicalDevices();
            for (uint32_t i = 0; i < handles.size(); ++i) infos.push_back(vk::describeDevice(handles[i], i));
            if (infos.empty()) inventory.vulkanProblem = "the Vulkan loader found no devices";
            const uint32_t chosen = infos.empty() ? 0 : vk::chooseDevice(infos, request).index;
            for (const vk::DeviceInfo& info : infos) {
                ComputeDevice d = describeVulkanDevice(info);
                d.automaticChoice = info.index == chosen;
                inventory.devices.push_back(std::move(d));
            }
        }
    } catch (const Error& e) {
        if (!request.empty()) throw;  // the caller named a device that is not there
        inventory.vulkanProblem = e.what();
    }
    ComputeDevice cpu = describeCpuDevice();
    cpu.automaticChoice = inventory.devices.empty();
    inventory.devices.push_back(std::move(cpu));
    return inventory;
}

}  // namespace hearth
