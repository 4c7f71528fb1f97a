// The sliding-window ring check shared by the CPU and Vulkan suites.
#pragma once

#include "backend/backend.h"

#include <filesystem>
#include <memory>
#include <string>

namespace hearth::test {

// A Gemma 3 shaped test model with a 16-position window (five of its six layers slide).
std::string writeSlidingWindowModel(const std::filesystem::path& dir);

// 200 tokens in batches of up to 8 through a full cache and through ring caches (window + 8
// slots): every batch's logits must be identical; a batch larger than the ring allows is refused.
void expectRingEqualsFullCache(const std::filesystem::path& dir, std::shared_ptr<Backend> backend);

}  // namespace hearth::test
