// Options shared by the hearth-cli commands that load a model (run, perplexity, bench).
#pragma once

#include "cli_args.h"

#include "backend/backend.h"

#include <memory>
#include <set>
#include <string>

namespace hearth::cli {

// The option names engine commands accept in addition to their own.
const std::set<std::string>& engineValueOptions();

// --threads (0 when absent); more than ThreadPool::maxThreads() is an error with the numbers.
unsigned threadCount(const CliArgs& args);

// The backend chosen with --backend: auto (default: Vulkan, the CPU when no Vulkan device is
// usable), vulkan (--device picks one) or cpu (--threads).
std::shared_ptr<Backend> makeBackend(const CliArgs& args);

}  // namespace hearth::cli
