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

// The backend chosen with --backend (cpu by default) and --threads.
std::shared_ptr<Backend> makeBackend(const CliArgs& args);

}  // namespace hearth::cli
