#include "test_support.h"

#include <cmath>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>

namespace hearth::test {

std::optional<std::filesystem::path> sharedDir()
{
    const char* env = std::getenv("HEARTH_SHARED_DIR");
    std::filesystem::path dir = env && *env ? std::filesystem::path(env) : std::filesystem::path(HEARTH_DEFAULT_SHARED_DIR);
    if (std::filesystem::is_directory(dir / "models")) return dir;
    return std::nullopt;
}

ScratchDir::ScratchDir()
{
    std::random_device rd;
    for (int attempt = 0; attempt < 100; ++attempt) {
        auto candidate = std::filesystem::temp_directory_path() / ("hearth-test-" + std::to_string(rd()));
        if (std::filesystem::create_directory(candidate)) {
            m_path = candidate;
            return;
        }
    }
    throw std::runtime_error("cannot create a scratch folder");
}

ScratchDir::~ScratchDir()
{
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
}

std::vector<uint8_t> pseudoRandomBytes(size_t count, uint64_t seed)
{
    std::vector<uint8_t> out(count);
    uint64_t state = seed;
    for (size_t i = 0; i < count; ++i) {
        state += 0x9e3779b97f4a7c15ull;
        uint64_t z = state;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        out[i] = uint8_t(z ^ (z >> 31));
    }
    return out;
}

std::vector<uint8_t> readFileBytes(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::optional<std::string> runCommand(const std::string& command)
{
    std::FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) return std::nullopt;
    std::string output;
    char buf[65536];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) output.append(buf, n);
    if (pclose(pipe) != 0 || output.empty()) return std::nullopt;
    return output;
}

std::vector<float> randomValues(size_t n, uint64_t seed, float scale)
{
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> dist(-scale, scale);
    std::vector<float> v(n);
    for (auto& x : v) x = dist(rng);
    return v;
}

double cosineSimilarity(std::span<const float> a, std::span<const float> b)
{
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
        ab += double(a[i]) * b[i];
        aa += double(a[i]) * a[i];
        bb += double(b[i]) * b[i];
    }
    return ab / std::sqrt(aa * bb);
}

}  // namespace hearth::test
