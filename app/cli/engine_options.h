// Options shared by the hearth-cli commands that load a model (run, perplexity, bench).
#pragma once

#include "cli_args.h"

#include "engine/engine.h"

#include <memory>
#include <set>
#include <string>

namespace hearth::cli {

// The option names engine commands accept in addition to their own.
const std::set<std::string>& engineValueOptions();

// --threads (0 when absent); more than the engine allows is an error with the numbers.
unsigned threadCount(const CliArgs& args);

// --backend auto (default: a Vulkan GPU, the CPU backend when there is none), vulkan (--device
// picks one), cpu (--threads) or cpu-reference (the scalar oracle); --ctx, --f32-cache.
EngineOptions engineOptions(const CliArgs& args);

// Engine::open with those options; says on stderr when automatic mode fell back to the CPU.
// Commands that never chat (perplexity, bench: each measurement makes its own context) pass
// kNoChatContext, so no unused KV cache is allocated beside theirs.
inline constexpr int64_t kNoChatContext = 8;
std::unique_ptr<Engine> openEngine(const std::string& modelPath, const CliArgs& args, int64_t chatContext = 0);

}  // namespace hearth::cli
