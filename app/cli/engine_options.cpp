#include "engine_options.h"

#include "backend/cpu/cpu_backend.h"
#include "backend/vulkan/vulkan_backend.h"
#include "core/error.h"
#include "core/thread_pool.h"

#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>

namespace hearth::cli {

const std::set<std::string>& engineValueOptions()
{
    static const std::set<std::string> options = {"--model", "--backend", "--threads", "--ctx", "--device"};
    return options;
}

unsigned threadCount(const CliArgs& args)
{
    const uint64_t threads = args.unsignedValue("--threads", 0);
    if (threads > ThreadPool::maxThreads())
        throw std::invalid_argument("--threads " + std::to_string(threads) + " is too many: this machine has " +
                                    std::to_string(std::thread::hardware_concurrency()) + " hardware threads; use at most " +
                                    std::to_string(ThreadPool::maxThreads()) + " (or leave it out to use them all)");
    return unsigned(threads);
}

std::shared_ptr<Backend> makeBackend(const CliArgs& args)
{
    const std::string name = args.value("--backend").value_or("auto");
    const unsigned threads = threadCount(args);
    VulkanBackendOptions vulkan;
    vulkan.device = args.value("--device").value_or("");
    if (name == "cpu") return std::make_shared<CpuBackend>(threads);
    if (name == "vulkan") return std::make_shared<VulkanBackend>(vulkan);
    if (name == "auto") {
        // Vulkan is the product path; a machine without any Vulkan driver still runs, on the CPU.
        try {
            return std::make_shared<VulkanBackend>(vulkan);
        } catch (const Error& e) {
            if (e.code() != ErrorCode::Device) throw;
            std::fprintf(stderr, "note: Vulkan is not available (%s); using the CPU backend\n", e.what());
            return std::make_shared<CpuBackend>(threads);
        }
    }
    throw std::invalid_argument("--backend must be auto, vulkan or cpu, got '" + name + "'");
}

}  // namespace hearth::cli
