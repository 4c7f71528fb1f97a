// The whole forward pass on the Vulkan backend against the CPU reference backend, end to end:
// logits at every position of a 128-token prompt plus 32 decoded tokens (cosine similarity
// >= 0.999) for generated models of every architecture and weight type and for the
// llama.cpp-quantized files in ../shared/models; stories260K's greedy continuation identical
// to the CPU's (and so to llama.cpp's); the whole run clean under the validation layer.
#include "backend/cpu/cpu_backend.h"
#include "backend/vulkan/vk_loader.h"
#include "backend/vulkan/vulkan_backend.h"
#include "core/error.h"
#include "engine/session.h"
#include "model/model.h"
#include "test_model_writer.h"
#include "reference_forward.h"
#include "sliding_window_check.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>

using namespace hearth;

namespace {

constexpr double kMinCosine = 0.999;

// CI sets HEARTH_REQUIRE_VULKAN: there a missing device or validation layer fails the tests
// instead of skipping them.
bool vulkanRequired() { return std::getenv("HEARTH_REQUIRE_VULKAN") != nullptr; }

std::shared_ptr<VulkanBackend> makeVulkan(VulkanBackendOptions options = {})
{
    if (!vk::loadVulkanLoader().available) return nullptr;
    try {
        auto backend = std::make_shared<VulkanBackend>(options);
        if (options.validation && vulkanRequired() && !backend->validationEnabled())
            ADD_FAILURE() << "VK_LAYER_KHRONOS_validation is not installed (Debian: vulkan-validationlayers)";
        return backend;
    } catch (const Error& e) {
        if (vulkanRequired()) ADD_FAILURE() << e.what();
        return nullptr;
    }
}

#define REQUIRE_VULKAN(var, ...)                                                                                                           \
    auto var = makeVulkan(__VA_ARGS__);                                                                                                    \
    if (!var) GTEST_SKIP() << "no usable Vulkan device (install mesa-vulkan-drivers for lavapipe)"

enum class Oracle {
    CpuBackend,  // the CPU reference backend (which rounds activations to F16/8 bits as ggml does)
    Exact,  // test::ReferenceForward: double precision on the dequantized weights
};

struct Check {
    Oracle oracle;
    double bound;
    double lowest = 1.0;  // the lowest cosine similarity seen
};

// Runs a 128-token prompt (every position's logits) and 32 greedy decode steps (the first
// oracle picks the tokens) on the Vulkan backend and on each oracle, comparing at every step.
void compareLogits(const std::string& path, const std::shared_ptr<VulkanBackend>& vulkan, const std::string& label,
                   std::vector<Check>& checks)
{
    auto onCpu = Model::load(path, std::make_shared<CpuBackend>(2));
    auto onGpu = Model::load(path, vulkan);
    const ModelConfig& c = onCpu->config();
    const int64_t promptLength = 128, decodeSteps = 32, vocab = c.vocabulary;
    auto cacheCpu = onCpu->makeKvCache(promptLength + decodeSteps, true, {});
    auto cacheGpu = onGpu->makeKvCache(promptLength + decodeSteps, true, {});
    test::ReferenceForward exact(onCpu->file());
    // An oracle's logits for `tokens` at slots [first, first + n): every row, or the last one.
    auto oracleLogits = [&](Oracle oracle, std::span<const TokenId> tokens, int64_t first, bool all) {
        std::vector<float> out;
        if (oracle == Oracle::CpuBackend) {
            onCpu->forward(tokens, first, *cacheCpu, all, out);
            return out;
        }
        for (TokenId t : tokens) {
            auto row = exact.step(t);
            out.insert(out.end(), row.begin(), row.end());
        }
        if (!all) out.erase(out.begin(), out.end() - vocab);
        return out;
    };
    auto compare = [&](Check& check, std::span<const float> want, std::span<const float> got, const std::string& where) {
        const double cs = test::cosineSimilarity(want, got);
        EXPECT_GE(cs, check.bound) << label << " " << where;
        check.lowest = std::min(check.lowest, cs);
    };

    std::mt19937 rng(7);
    std::vector<TokenId> prompt(static_cast<size_t>(promptLength));
    for (auto& t : prompt) t = TokenId(3 + rng() % uint32_t(vocab - 3));
    std::vector<float> got;
    onGpu->forward(prompt, 0, *cacheGpu, true, got);
    TokenId next = 0;
    for (size_t i = 0; i < checks.size(); ++i) {
        const std::vector<float> want = oracleLogits(checks[i].oracle, prompt, 0, true);
        for (int64_t p = 0; p < promptLength; ++p)
            compare(checks[i], std::span<const float>(want.data() + p * vocab, size_t(vocab)),
                    std::span<const float>(got.data() + p * vocab, size_t(vocab)), "prompt position " + std::to_string(p));
        if (i == 0) next = TokenId(std::max_element(want.end() - vocab, want.end()) - (want.end() - vocab));
    }
    for (int64_t step = 0; step < decodeSteps; ++step) {
        const TokenId one[] = {next};
        onGpu->forward(one, promptLength + step, *cacheGpu, false, got);
        for (size_t i = 0; i < checks.size(); ++i) {
            const std::vector<float> want = oracleLogits(checks[i].oracle, one, promptLength + step, false);
            compare(checks[i], want, got, "decode step " + std::to_string(step));
            if (i == 0) next = TokenId(std::max_element(want.begin(), want.end()) - want.begin());
        }
    }
}

double lowestCosine(const std::string& path, const std::shared_ptr<VulkanBackend>& vulkan, const std::string& label)
{
    std::vector<Check> checks = {{Oracle::CpuBackend, kMinCosine}};
    compareLogits(path, vulkan, label, checks);
    return checks[0].lowest;
}

}  // namespace

TEST(VulkanForward, GeneratedModelsOfEveryArchitectureAndWeightTypeMatchTheCpu)
{
    REQUIRE_VULKAN(vulkan);
    struct Case {
        const char* architecture;
        GgmlType type;
        bool tied = false;
        int64_t headDim = 0;
    };
    const Case cases[] = {
        {"llama", GgmlType::F32},
        {"qwen2", GgmlType::F32, true},
        {"llama", GgmlType::F16},
        {"qwen2", GgmlType::BF16},
        {"llama", GgmlType::Q8_0},
        {"qwen2", GgmlType::Q4_0},
        {"llama", GgmlType::Q4_1},
        {"qwen2", GgmlType::Q5_0},
        {"llama", GgmlType::Q5_1},
        {"qwen2", GgmlType::Q2_K},
        {"llama", GgmlType::Q3_K},
        {"qwen2", GgmlType::Q4_K},
        {"llama", GgmlType::Q5_K},
        {"qwen2", GgmlType::Q6_K},
        {"qwen3", GgmlType::F32, false, 96},
        {"qwen3", GgmlType::Q8_0, true, 96},  // per-head Q/K norms
        // Gated DeltaNet layers: prefill then decode carry the recurrent state between passes.
        {"qwen35", GgmlType::F32},
        {"qwen35", GgmlType::Q8_0},
        {"qwen35moe", GgmlType::Q4_K},
    };
    test::ScratchDir dir;
    for (const Case& c : cases) {
        const std::string label = std::string(c.architecture) + "/" + std::string(ggmlTypeName(c.type));
        test::TestModelSpec spec;
        spec.architecture = c.architecture;
        spec.weightType = c.type;
        spec.tiedEmbeddings = c.tied;
        spec.headDim = c.headDim;
        spec.seed = uint64_t(c.type) + 100;
        if (std::string(c.architecture).rfind("qwen35", 0) == 0) spec.layers = 4;  // three linear layers, one full
        const std::string path = (dir.path() / "model.gguf").string();
        test::writeTestModel(path, spec);
        const double lowest = lowestCosine(path, vulkan, label);
        std::printf("%-12s lowest cosine %.6f\n", label.c_str(), lowest);
    }
    for (const auto& e : vulkan->validationErrors()) ADD_FAILURE() << "validation: " << e;
}

TEST(VulkanForward, LlamaCppQuantizedFilesMatchTheCpu)
{
    HEARTH_REQUIRE_SHARED(shared);
    REQUIRE_VULKAN(vulkan);
    for (const char* name : {"stories260K", "stories260K-F16", "stories260K-Q8_0", "stories260K-Q5_1", "stories260K-Q5_0",
                             "stories260K-Q4_1", "stories260K-Q4_0", "ktest-qwen2-F16"}) {
        const double lowest = lowestCosine((shared / "models" / (std::string(name) + ".gguf")).string(), vulkan, name);
        std::printf("%-20s lowest cosine vs the CPU backend %.6f\n", name, lowest);
    }
}

TEST(VulkanForward, KQuantMixesMatchTheCpu)
{
    // ktest-qwen2 is a random-weight model with a gain near 2 per matrix: it amplifies any
    // rounding. Both backends round activations to 8 bits (Q8_K) before K-quant dots, as ggml
    // does, so they land at cosine 0.987-0.999 of the exact (double precision, unrounded)
    // forward pass and closer to each other (0.9966-0.998: an 8-bit rounding that flips on one
    // side and not the other is amplified layer after layer; a wrong kernel lands far below).
    // The CPU backend is the oracle at 0.995, the exact pass is checked at 0.98.
    HEARTH_REQUIRE_SHARED(shared);
    REQUIRE_VULKAN(vulkan);
    for (const char* name : {"ktest-qwen2-Q2_K", "ktest-qwen2-Q3_K_M", "ktest-qwen2-Q4_K_M", "ktest-qwen2-Q5_K_M", "ktest-qwen2-Q6_K"}) {
        const std::string path = (shared / "models" / (std::string(name) + ".gguf")).string();
        std::vector<Check> checks = {{Oracle::CpuBackend, 0.995}, {Oracle::Exact, 0.98}};
        compareLogits(path, vulkan, name, checks);
        std::printf("%-20s lowest cosine vs the CPU backend %.6f, vs the exact forward pass %.6f\n", name, checks[0].lowest,
                    checks[1].lowest);
    }
}

TEST(VulkanForward, Stories260KGreedyContinuationIsTheCpus)
{
    HEARTH_REQUIRE_SHARED(shared);
    VulkanBackendOptions options;
    options.validation = true;  // load + prefill + decode with zero validation errors
    REQUIRE_VULKAN(vulkan, options);
    const std::string path = (shared / "models/stories260K.gguf").string();
    GenerateOptions generate;
    generate.maxTokens = 64;
    generate.sampler.temperature = 0;
    std::vector<TokenId> tokens[2];
    int side = 0;
    for (std::shared_ptr<Backend> backend : {std::shared_ptr<Backend>(std::make_shared<CpuBackend>(2)), std::shared_ptr<Backend>(vulkan)}) {
        auto model = Model::load(path, backend);
        Session session(*model, SessionOptions {});
        auto prompt = model->tokenizer().encode("Once upon a time", true, false);
        tokens[side++] = session.generate(prompt, generate, {}).tokens;
    }
    ASSERT_EQ(tokens[0].size(), 64u);
    EXPECT_EQ(tokens[1], tokens[0]);
    EXPECT_TRUE(vulkan->validationErrors().empty());
    for (const auto& e : vulkan->validationErrors()) ADD_FAILURE() << "validation: " << e;
}

// A pass long enough to be submitted in parts while it is recorded (vk::CommandStream) gives
// bit for bit the logits of the same pass submitted whole, prefill and decode.
TEST(VulkanForward, APassSubmittedInPartsGivesTheLogitsOfOneSubmittedWhole)
{
    test::ScratchDir dir;
    test::TestModelSpec spec;
    spec.architecture = "qwen3";
    spec.layers = 12;  // well over CommandStream::kEarlySubmitDispatches dispatches per pass
    spec.weightType = GgmlType::Q4_K;
    const std::string path = (dir.path() / "model.gguf").string();
    test::writeTestModel(path, spec);
    std::vector<float> logits[2];
    uint64_t earlySubmissions[2] = {};
    for (int early : {0, 1}) {
        VulkanBackendOptions options;
        options.validation = true;
        options.earlySubmit = early == 1;
        REQUIRE_VULKAN(vulkan, options);
        auto model = Model::load(path, vulkan);
        auto cache = model->makeKvCache(96, true, {});
        std::vector<TokenId> prompt(64);
        for (size_t i = 0; i < prompt.size(); ++i) prompt[i] = TokenId(3 + (i * 37) % 300);
        std::vector<float> out;
        model->forward(prompt, 0, *cache, true, out);
        logits[early] = out;
        for (int64_t step = 0; step < 8; ++step) {
            const TokenId one[] = {TokenId(5 + step)};
            model->forward(one, 64 + step, *cache, false, out);
            logits[early].insert(logits[early].end(), out.begin(), out.end());
        }
        earlySubmissions[early] = vulkan->earlySubmissions();
        for (const auto& e : vulkan->validationErrors()) ADD_FAILURE() << "validation: " << e;
    }
    EXPECT_EQ(earlySubmissions[0], 0u);
    EXPECT_GE(earlySubmissions[1], 9u) << "the prefill and every decode step should have gone in parts";
    ASSERT_EQ(logits[1].size(), logits[0].size());
    EXPECT_EQ(logits[1], logits[0]);
}

// Sampling on the device: the best logits found there (shaders/top_logits_*.comp) give the
// tokens that reading every logit back gives, greedy and sampled with penalties.
TEST(VulkanForward, SamplingFromTheDevicesBestLogitsPicksTheTokensOfAllOfThem)
{
    HEARTH_REQUIRE_SHARED(shared);
    VulkanBackendOptions options;
    options.validation = true;
    REQUIRE_VULKAN(vulkan, options);
    auto model = Model::load((shared / "models/stories260K.gguf").string(), vulkan);
    const auto prompt = model->tokenizer().encode("Once upon a time", true, false);
    for (float temperature : {0.0f, 0.8f}) {
        GenerateOptions generate;
        generate.maxTokens = 48;
        generate.sampler.temperature = temperature;
        generate.sampler.repeatPenalty = 1.1f;
        generate.sampler.seed = 5;
        std::vector<TokenId> tokens[2];
        for (bool bestOnly : {false, true}) {
            generate.bestLogitsOnly = bestOnly;
            Session session(*model, SessionOptions {});
            tokens[bestOnly] = session.generate(prompt, generate, {}).tokens;
        }
        ASSERT_EQ(tokens[0].size(), 48u);
        EXPECT_EQ(tokens[1], tokens[0]) << "temperature " << temperature;
    }
    for (const auto& e : vulkan->validationErrors()) ADD_FAILURE() << "validation: " << e;
}

TEST(VulkanForward, TensorsBeyondTheBindingLimitAndHiddenDeviceMemoryGiveTheSameLogits)
{
    // A 256 KiB binding limit splits the embedding and FFN weights into pieces, puts the
    // all-positions logits in a buffer of their own and binds them a slice of tokens at a time
    // (what a 128 MiB limit does to real models on lavapipe); unmapped device memory takes the
    // staging upload and read-back paths of discrete GPUs.
    VulkanBackendOptions options;
    options.validation = true;
    options.bindingLimit = 256 << 10;
    options.mapDeviceMemory = false;
    REQUIRE_VULKAN(vulkan, options);
    test::ScratchDir dir;
    test::TestModelSpec spec;
    spec.weightType = GgmlType::F32;
    spec.vocabulary = 1024;
    const std::string path = (dir.path() / "model.gguf").string();
    test::writeTestModel(path, spec);
    lowestCosine(path, vulkan, "split");
    for (const auto& e : vulkan->validationErrors()) ADD_FAILURE() << "validation: " << e;
}

TEST(VulkanForward, GpuMatmulKernelsGiveTheSameLogits)
{
    // The split-row kernels GPUs get, run here on whatever device there is.
    VulkanBackendOptions options;
    options.validation = true;
    options.gpuMatmulKernels = true;
    options.integerDotKernels = 0;  // the float ones; the default (lavapipe too) has integer-dot kernels for these types
    REQUIRE_VULKAN(vulkan, options);
    test::ScratchDir dir;
    for (GgmlType type : {GgmlType::F16, GgmlType::Q4_0, GgmlType::Q4_K}) {
        test::TestModelSpec spec;
        spec.weightType = type;
        const std::string path = (dir.path() / "model.gguf").string();
        test::writeTestModel(path, spec);
        lowestCosine(path, vulkan, "gpu kernels " + std::string(ggmlTypeName(type)));
    }
    for (const auto& e : vulkan->validationErrors()) ADD_FAILURE() << "validation: " << e;
}

TEST(VulkanForward, IntegerDotKernelsGiveTheSameLogits)
{
    // The integer-dot kernels (forced, for devices that would not pick them) on generated models of their types, llama.cpp's own Q4_0 / Q5_1 / Q8_0 files,
    // and a real K-quant mix, held to KQuantMixesMatchTheCpu's bounds (ktest-qwen2 amplifies
    // every rounding).
    VulkanBackendOptions options;
    options.validation = true;
    options.integerDotKernels = 1;
    REQUIRE_VULKAN(vulkan, options);
    if (!vulkan->integerDotKernels()) GTEST_SKIP() << vulkan->device().name << " has no shaderIntegerDotProduct";
    test::ScratchDir dir;
    for (GgmlType type : {GgmlType::Q4_0, GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q4_K, GgmlType::Q6_K}) {
        test::TestModelSpec spec;
        spec.weightType = type;
        const std::string path = (dir.path() / "model.gguf").string();
        test::writeTestModel(path, spec);
        const std::string label = "integer dot " + std::string(ggmlTypeName(type));
        std::printf("%-20s lowest cosine vs the CPU backend %.6f\n", label.c_str(), lowestCosine(path, vulkan, label));
    }
    if (const auto shared = test::sharedDir()) {
        for (const char* name : {"stories260K-Q4_0", "stories260K-Q5_1", "stories260K-Q8_0"}) {
            const double lowest = lowestCosine((*shared / "models" / (std::string(name) + ".gguf")).string(), vulkan, name);
            std::printf("%-20s lowest cosine vs the CPU backend %.6f\n", name, lowest);
        }
        for (const char* name : {"ktest-qwen2-Q2_K", "ktest-qwen2-Q4_K_M"}) {  // Q2_K, Q3_K, Q4_K, Q6_K between them
            const std::string path = (*shared / "models" / (std::string(name) + ".gguf")).string();
            std::vector<Check> checks = {{Oracle::CpuBackend, 0.995}, {Oracle::Exact, 0.98}};
            compareLogits(path, vulkan, name, checks);
            std::printf("%-20s lowest cosine vs the CPU backend %.6f, vs the exact forward pass %.6f\n", name, checks[0].lowest,
                        checks[1].lowest);
        }
    }
    for (const auto& e : vulkan->validationErrors()) ADD_FAILURE() << "validation: " << e;
}

TEST(VulkanForward, AModelTooBigForTheDeviceIsAClearErrorWithTheNumbers)
{
    HEARTH_REQUIRE_SHARED(shared);
    VulkanBackendOptions options;
    options.memoryLimit = 2 << 20;  // a 2 MiB "GPU": ktest-qwen2-F16 needs about 10 MiB
    REQUIRE_VULKAN(vulkan, options);
    try {
        Model::load((shared / "models/ktest-qwen2-F16.gguf").string(), vulkan);
        FAIL() << "the model loaded into 2 MiB";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::OutOfMemory) << e.what();
        const std::string message = e.what();
        EXPECT_NE(message.find("weights need 9 MiB, the device has 2 MiB"), std::string::npos) << message;
        EXPECT_NE(message.find("CPU backend"), std::string::npos) << message;
    }
    // The device is still usable afterwards: a model that fits loads and runs.
    auto small = Model::load((shared / "models/stories260K-Q8_0.gguf").string(), vulkan);
    Session session(*small, SessionOptions {.contextLength = 64});
    EXPECT_EQ(session.evaluate(small->tokenizer().encode("Once", true, false)).size(), size_t(small->config().vocabulary));
}

TEST(VulkanForward, SessionsRunOnVulkanWithPrefixReuseAndContextShift)
{
    HEARTH_REQUIRE_SHARED(shared);
    REQUIRE_VULKAN(vulkan);
    const std::string path = (shared / "models/stories260K.gguf").string();
    auto gpuModel = Model::load(path, vulkan);
    auto cpuModel = Model::load(path, std::make_shared<CpuBackend>(2));
    SessionOptions options;
    options.contextLength = 48;  // the 64-token reply forces context shifts
    Session gpu(*gpuModel, options), cpu(*cpuModel, options);
    GenerateOptions generate;
    generate.maxTokens = 64;
    generate.sampler.temperature = 0;
    auto prompt = cpuModel->tokenizer().encode("Once upon a time", true, false);
    auto a = cpu.generate(prompt, generate, {});
    auto b = gpu.generate(prompt, generate, {});
    EXPECT_EQ(b.tokens, a.tokens);
}

TEST(VulkanForward, SlidingWindowRingsGiveTheFullCachesLogits)
{
    REQUIRE_VULKAN(vulkan);
    test::ScratchDir dir;
    test::expectRingEqualsFullCache(dir.path(), vulkan);
}
