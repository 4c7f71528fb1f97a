#include "engine_options.h"

#include "backend/cpu/cpu_backend.h"
#include "core/error.h"

namespace hearth::cli {

const std::set<std::string>& engineValueOptions()
{
    static const std::set<std::string> options = {"--model", "--backend", "--threads", "--ctx"};
    return options;
}

std::shared_ptr<Backend> makeBackend(const CliArgs& args)
{
    const std::string name = args.value("--backend").value_or("cpu");
    const unsigned threads = unsigned(args.unsignedValue("--threads", 0));
    if (name == "cpu") return std::make_shared<CpuBackend>(threads);
    if (name == "vulkan")
        throw Error(ErrorCode::Device, "the Vulkan backend is not part of this build yet; use --backend cpu "
                                       "(`hearth-cli devices` lists what Vulkan sees)");
    throw std::invalid_argument("--backend must be cpu or vulkan, got '" + name + "'");
}

}  // namespace hearth::cli
