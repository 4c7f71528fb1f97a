// Helpers shared by the test suites: where ../shared is, scratch folders, deterministic data.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace hearth::test {

// The project's ../shared folder (HEARTH_SHARED_DIR overrides), or nullopt when absent.
std::optional<std::filesystem::path> sharedDir();

// A fresh folder under the system temp dir, removed when the object dies.
class ScratchDir {
public:
    ScratchDir();
    ~ScratchDir();
    const std::filesystem::path& path() const { return m_path; }

private:
    std::filesystem::path m_path;
};

// Deterministic pseudo-random bytes (splitmix64), so failures reproduce.
std::vector<uint8_t> pseudoRandomBytes(size_t count, uint64_t seed);
// n floats uniform in [-scale, scale), the same for the same seed.
std::vector<float> randomValues(size_t n, uint64_t seed, float scale = 1.0f);
// Cosine similarity of two equally long vectors, in double precision.
double cosineSimilarity(std::span<const float> a, std::span<const float> b);

std::vector<uint8_t> readFileBytes(const std::filesystem::path& path);

// Runs a shell command and returns its standard output, or nullopt when it fails (for test
// oracles run as separate programs: Python's Jinja2, node).
std::optional<std::string> runCommand(const std::string& command);

}  // namespace hearth::test

// Skips the current GoogleTest test with a message when ../shared is missing.
#define HEARTH_REQUIRE_SHARED(var)                                                                                                         \
    auto var##_opt = ::hearth::test::sharedDir();                                                                                          \
    if (!var##_opt) GTEST_SKIP() << "../shared is absent (set HEARTH_SHARED_DIR); skipping this test";                                     \
    const std::filesystem::path var = *var##_opt
