#include "engine_options.h"

#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>

namespace hearth::cli {

const std::set<std::string>& engineValueOptions()
{
    static const std::set<std::string> options = {"--model", "--backend", "--threads", "--ctx", "--device", "--gpu-layers", "--cpu-moe"};
    return options;
}

unsigned threadCount(const CliArgs& args)
{
    // The engine's own limit, checked here to name the flag in the message.
    const uint64_t limit = maxCpuThreads();
    const uint64_t threads = args.unsignedValue("--threads", 0);
    if (threads > limit)
        throw std::invalid_argument("--threads " + std::to_string(threads) + " is too many: this machine has " +
                                    std::to_string(std::thread::hardware_concurrency()) + " hardware threads; use at most " +
                                    std::to_string(limit) + " (or leave it out to use them all)");
    return unsigned(threads);
}

EngineOptions engineOptions(const CliArgs& args)
{
    EngineOptions options;
    const std::string backend = args.value("--backend").value_or("auto");
    const std::string device = args.value("--device").value_or("");
    if (backend == "cpu" || backend == "cpu-reference") options.device = backend;
    else if (backend == "vulkan") options.device = device.empty() ? "vulkan" : device;
    else if (backend == "auto") options.device = device.empty() ? "auto" : device;
    else throw std::invalid_argument("--backend must be auto, vulkan, cpu or cpu-reference, got '" + backend + "'");
    options.threads = threadCount(args);
    options.contextLength = int64_t(args.unsignedValue("--ctx", 0));
    options.f16Cache = !args.flag("--f32-cache");
    const std::string gpuLayers = args.value("--gpu-layers").value_or("auto");
    if (gpuLayers != "auto") {
        if (gpuLayers.empty() || gpuLayers.find_first_not_of("0123456789") != std::string::npos || gpuLayers.size() > 6)
            throw std::invalid_argument("--gpu-layers must be a number of layers or auto, got '" + gpuLayers + "'");
        options.gpuLayers = std::stoll(gpuLayers);
    }
    options.cpuMoeLayers = int64_t(args.unsignedValue("--cpu-moe", 0));
    return options;
}

std::unique_ptr<Engine> openEngine(const std::string& modelPath, const CliArgs& args, int64_t chatContext)
{
    EngineOptions options = engineOptions(args);
    if (chatContext > 0) options.contextLength = chatContext;
    auto engine = Engine::open(modelPath, options);
    if (!engine->fallbackNote().empty()) std::fprintf(stderr, "note: %s\n", engine->fallbackNote().c_str());
    if (!engine->placementNote().empty()) std::fprintf(stderr, "note: %s\n", engine->placementNote().c_str());
    return engine;
}

}  // namespace hearth::cli
