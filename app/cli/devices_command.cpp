// hearth-cli devices [--json]: the Vulkan devices on this machine and the one Hearth picks.
#include "cli_args.h"
#include "commands.h"

#include "backend/vulkan/vk_device_info.h"
#include "backend/vulkan/vk_instance.h"
#include "backend/vulkan/vk_loader.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace hearth::cli {

int runDevices(const std::vector<std::string>& argv)
{
    CliArgs args(argv, {"--device"}, {"--json"});
    const vk::LoaderStatus& loader = vk::loadVulkanLoader();
    if (!loader.available) {
        std::fprintf(stderr, "%s\n", loader.message.c_str());
        return 1;
    }
    vk::Instance instance;
    std::vector<vk::DeviceInfo> devices;
    auto handles = instance.physicalDevices();
    for (uint32_t i = 0; i < handles.size(); ++i) devices.push_back(vk::describeDevice(handles[i], i));
    const vk::DeviceInfo& chosen = vk::chooseDevice(devices, args.value("--device").value_or(""));

    if (args.flag("--json")) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& d : devices) {
            nlohmann::json heaps = nlohmann::json::array();
            for (const auto& h : d.heaps) heaps.push_back({{"bytes", h.bytes}, {"device_local", h.deviceLocal}});
            list.push_back({{"index", d.index}, {"name", d.name}, {"type", d.typeName}, {"driver", d.driverName},
                            {"driver_info", d.driverInfo}, {"api_version", vk::apiVersionString(d.apiVersion)},
                            {"subgroup_size", d.subgroupSize}, {"subgroup_arithmetic", d.subgroupArithmetic},
                            {"storage16", d.storage16}, {"float16", d.float16}, {"storage8", d.storage8},
                            {"int8", d.int8}, {"max_storage_buffer_range", d.maxStorageBufferRange},
                            {"max_allocation_size", d.maxMemoryAllocationSize}, {"heaps", heaps},
                            {"chosen", d.index == chosen.index}});
        }
        std::printf("%s\n", nlohmann::json{{"loader_version", vk::apiVersionString(loader.instanceVersion)},
                                           {"devices", list}}.dump(2).c_str());
        return 0;
    }
    std::printf("Vulkan loader %s\n", vk::apiVersionString(loader.instanceVersion).c_str());
    for (const auto& d : devices) {
        std::printf("%s %u: %s (%s, %s %s, Vulkan %s)\n", d.index == chosen.index ? "*" : " ", d.index, d.name.c_str(),
                    d.typeName.c_str(), d.driverName.c_str(), d.driverInfo.c_str(), vk::apiVersionString(d.apiVersion).c_str());
        std::printf("    subgroup %u%s, fp16 %s, int8 %s, 16-bit storage %s, 8-bit storage %s\n", d.subgroupSize,
                    d.subgroupArithmetic ? " (arithmetic)" : "", d.float16 ? "yes" : "no", d.int8 ? "yes" : "no",
                    d.storage16 ? "yes" : "no", d.storage8 ? "yes" : "no");
        std::printf("    max storage buffer %.0f MiB, max allocation %.0f MiB\n", double(d.maxStorageBufferRange) / 1048576.0,
                    double(d.maxMemoryAllocationSize) / 1048576.0);
        for (const auto& h : d.heaps)
            std::printf("    heap %.0f MiB%s\n", double(h.bytes) / 1048576.0, h.deviceLocal ? " (device local)" : "");
    }
    return 0;
}

}  // namespace hearth::cli
