// hearth-cli devices [--json]: the Vulkan devices on this machine, Hearth's CPU backend, and the
// one automatic mode picks with its reason.
#include "cli_args.h"
#include "commands.h"

#include "engine/engine.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace hearth::cli {

int runDevices(const std::vector<std::string>& argv)
{
    CliArgs args(argv, {"--device"}, {"--json"});
    const DeviceInventory inventory = listComputeDevices(args.value("--device").value_or(""));
    const ComputeDevice& cpu = inventory.devices.back();
    if (inventory.devices.size() == 1) {  // only the CPU backend: say why Vulkan has nothing
        std::fprintf(stderr, "%s\n", inventory.vulkanProblem.c_str());
        std::printf("* cpu: %s\nautomatic choice: %s\n", cpu.name.c_str(), inventory.automaticReason.c_str());
        return 1;
    }
    if (args.flag("--json")) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& d : inventory.devices) {
            if (!d.vulkan) continue;
            nlohmann::json heaps = nlohmann::json::array();
            for (size_t h = 0; h < d.heaps.size(); ++h) {
                const auto& [bytes, local] = d.heaps[h];
                const uint64_t free = h < d.heapsFree.size() ? d.heapsFree[h] : 0;
                heaps.push_back({{"bytes", bytes}, {"device_local", local}, {"free_bytes", free > 0 ? nlohmann::json(free) : nullptr}});
            }
            list.push_back({{"index", std::stoi(d.id)},
                            {"name", d.name},
                            {"type", d.kind},
                            {"driver", d.driverName},
                            {"driver_info", d.driverInfo},
                            {"api_version", d.apiVersion},
                            {"subgroup_size", d.subgroupSize},
                            {"subgroup_arithmetic", d.subgroupArithmetic},
                            {"storage16", d.storage16},
                            {"float16", d.float16},
                            {"storage8", d.storage8},
                            {"int8", d.int8},
                            {"integer_dot", d.integerDot},
                            {"integer_dot_kernels", d.integerDotKernels},
                            {"max_storage_buffer_range", d.maxStorageBufferRange},
                            {"max_allocation_size", d.maxAllocationBytes},
                            {"heaps", heaps},
                            {"chosen", d.automaticChoice}});
        }
        const nlohmann::json cpuJson {{"id", cpu.id}, {"name", cpu.name}, {"memory", cpu.memoryBytes}, {"chosen", cpu.automaticChoice}};
        std::printf("%s\n",
                    nlohmann::json {{"loader_version", inventory.vulkanLoaderVersion},
                                    {"devices", list},
                                    {"cpu", cpuJson},
                                    {"automatic_reason", inventory.automaticReason}}
                        .dump(2)
                        .c_str());
        return 0;
    }
    std::printf("Vulkan loader %s\n", inventory.vulkanLoaderVersion.c_str());
    for (const auto& d : inventory.devices) {
        if (!d.vulkan) continue;
        std::printf("%s %s: %s (%s, %s %s, Vulkan %s)\n", d.automaticChoice ? "*" : " ", d.id.c_str(), d.name.c_str(), d.kind.c_str(),
                    d.driverName.c_str(), d.driverInfo.c_str(), d.apiVersion.c_str());
        std::printf("    subgroup %u%s, fp16 %s, int8 %s, 16-bit storage %s, 8-bit storage %s, 8-bit dot products %s%s\n", d.subgroupSize,
                    d.subgroupArithmetic ? " (arithmetic)" : "", d.float16 ? "yes" : "no", d.int8 ? "yes" : "no",
                    d.storage16 ? "yes" : "no", d.storage8 ? "yes" : "no", d.integerDot.c_str(),
                    d.integerDotKernels ? " (Hearth's integer-dot kernels in use)" : "");
        std::printf("    max storage buffer %.0f MiB, max allocation %.0f MiB\n", double(d.maxStorageBufferRange) / 1048576.0,
                    double(d.maxAllocationBytes) / 1048576.0);
        for (size_t h = 0; h < d.heaps.size(); ++h) {
            const auto& [bytes, local] = d.heaps[h];
            const uint64_t free = h < d.heapsFree.size() ? d.heapsFree[h] : 0;
            std::printf("    heap %.0f MiB%s", double(bytes) / 1048576.0, local ? " (device local)" : "");
            if (free > 0) std::printf(", %.0f MiB free now", double(free) / 1048576.0);  // VK_EXT_memory_budget
            std::printf("\n");
        }
    }
    std::printf("%s cpu: %s, %.0f MiB of memory\n", cpu.automaticChoice ? "*" : " ", cpu.name.c_str(), double(cpu.memoryBytes) / 1048576.0);
    std::printf("automatic choice: %s\n", inventory.automaticReason.c_str());
    return 0;
}

}  // namespace hearth::cli
