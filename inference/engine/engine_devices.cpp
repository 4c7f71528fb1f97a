// The door's device list: Vulkan devices as the Vulkan backend would see them, then Hearth's CPU
// backend, with automatic mode's choice among them and its reason.
#include "engine/device_description.h"

#include "backend/cpu/cpu_isa.h"
#include "platform/paths.h"
#include "core/thread_pool.h"
#include "platform/process_memory.h"

#include "backend/vulkan/vk_instance.h"
#include "backend/vulkan/vk_loader.h"

#include <algorithm>

namespace hearth {

uint64_t systemMemoryBytes() { return totalPhysicalMemory(); }
unsigned maxCpuThreads() { return ThreadPool::maxThreads(); }

namespace {

std::string kernelTableName()
{
    try {
        return chosenKernelTable().isa;
    } catch (const Error& e) {
        return e.what();  // a bad HEARTH_CPU_ISA: opening a model will say so too
    }
}

}  // namespace

ComputeDevice describeCpuDevice()
{
    ComputeDevice cpu;
    cpu.id = "cpu";
    cpu.name = "CPU (" + kernelTableName() + " kernels, " + std::to_string(physicalCoreCount()) + " cores)";
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
    d.integerDot = info.integerDotAccelerated ? "accelerated" : info.integerDot ? "emulated" : "none";
    d.integerDotKernels = vk::usesIntegerDotKernels(info);
    d.storage16 = info.storage16;
    d.storage8 = info.storage8;
    d.maxStorageBufferRange = info.maxStorageBufferRange;
    d.maxAllocationBytes = info.maxMemoryAllocationSize;
    for (const auto& heap : info.heaps) {
        d.heaps.emplace_back(heap.bytes, heap.deviceLocal);
        d.heapsFree.push_back(heap.budget > 0 ? heap.available() : 0);
        if (heap.deviceLocal) d.memoryBytes = std::max(d.memoryBytes, heap.available());  // what is free now where the driver says
    }
    return d;
}

std::vector<vk::DeviceInfo> describeVulkanDevices(const vk::Instance& instance)
{
    std::vector<vk::DeviceInfo> infos;
    auto handles = instance.physicalDevices();
    for (uint32_t i = 0; i < handles.size(); ++i) infos.push_back(vk::describeDevice(handles[i], i));
    return infos;
}

AutomaticChoice chooseAutomatically(const std::vector<vk::DeviceInfo>& devices, const std::string& request)
{
    if (devices.empty()) return {std::nullopt, "Hearth's CPU backend: Vulkan found no device"};
    const bool named = !request.empty() || !environmentVariable("HEARTH_VULKAN_DEVICE").empty();
    const vk::DeviceInfo& best = vk::chooseDevice(devices, request);
    if (best.typeName == "cpu" && !named)
        return {std::nullopt,
                "Hearth's CPU backend: the only Vulkan device, " + best.name +
                    ", renders on the CPU, where Hearth's own CPU backend is faster (choose the device to use it anyway)"};
    return {best.index, (named ? "Vulkan, the device asked for: " : "Vulkan, the best device: ") + best.name + " (" + best.typeName + ")"};
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
            const std::vector<vk::DeviceInfo> infos = describeVulkanDevices(instance);
            if (infos.empty()) inventory.vulkanProblem = "the Vulkan loader found no devices";
            const AutomaticChoice choice = chooseAutomatically(infos, request);
            inventory.automaticReason = choice.reason;
            for (const vk::DeviceInfo& info : infos) {
                ComputeDevice d = describeVulkanDevice(info);
                d.automaticChoice = choice.vulkanIndex == info.index;
                inventory.devices.push_back(std::move(d));
            }
        }
    } catch (const Error& e) {
        if (!request.empty()) throw;  // the caller named a device that is not there
        inventory.vulkanProblem = e.what();
    }
    ComputeDevice cpu = describeCpuDevice();
    cpu.automaticChoice =
        std::none_of(inventory.devices.begin(), inventory.devices.end(), [](const ComputeDevice& d) { return d.automaticChoice; });
    if (inventory.automaticReason.empty())
        inventory.automaticReason = "Hearth's CPU backend: Vulkan is not available (" + inventory.vulkanProblem + ")";
    inventory.devices.push_back(std::move(cpu));
    return inventory;
}

}  // namespace hearth
