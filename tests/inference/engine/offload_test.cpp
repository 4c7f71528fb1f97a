// A model split between the GPU (Vulkan) and the CPU: every split (all on the GPU, half the
// layers, the experts only, everything on the CPU) gives the logits of the model on the GPU alone
// within the Vulkan tolerances; the device holds the weights the split puts there (+-5 %); the
// engine's automatic split, on a device shrunk by the test hook, runs and says where each part is.
#include "backend/cpu/fast_cpu_backend.h"
#include "backend/vulkan/vk_loader.h"
#include "backend/vulkan/vulkan_backend.h"
#include "core/error.h"
#include "engine/engine.h"
#include "engine/session.h"
#include "model/model.h"
#include "test_model_writer.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

using namespace hearth;

namespace {

std::shared_ptr<VulkanBackend> makeVulkan()
{
    if (!vk::loadVulkanLoader().available) return nullptr;
    try {
        VulkanBackendOptions options;
        options.validation = true;
        return std::make_shared<VulkanBackend>(options);
    } catch (const Error& e) {
        if (std::getenv("HEARTH_REQUIRE_VULKAN")) ADD_FAILURE() << e.what();
        return nullptr;
    }
}

double cosine(std::span<const float> a, std::span<const float> b)
{
    double dot = 0, na = 0, nb = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        dot += double(a[i]) * b[i];
        na += double(a[i]) * a[i];
        nb += double(b[i]) * b[i];
    }
    return dot / std::sqrt(na * nb);
}

// Logits after a prompt and after each of a few decode steps.
std::vector<std::vector<float>> run(Model& model)
{
    Session session(model, SessionOptions {});
    const std::vector<TokenId> prompt = {1, 17, 300, 45, 99, 260, 3, 8, 9, 10, 11, 12, 13};
    std::vector<std::vector<float>> steps;
    auto logits = session.evaluate(prompt);
    steps.emplace_back(logits.begin(), logits.end());
    for (TokenId next : {TokenId(5), TokenId(77), TokenId(300)}) {
        logits = session.decode(next);
        steps.emplace_back(logits.begin(), logits.end());
    }
    return steps;
}

}  // namespace

TEST(GpuOffload, EverySplitGivesTheGpusLogits)
{
    test::ScratchDir scratch;
    int index = 0;
    for (const char* arch : {"llama", "qwen3moe", "gpt-oss", "deepseek2", "gemma4", "gemma4moe", "qwen35", "qwen35moe"}) {
        test::TestModelSpec spec;
        spec.architecture = std::string(arch) == "gemma4moe" ? "gemma4" : arch;
        spec.gemma4Experts = std::string(arch) == "gemma4moe";
        spec.weightType = GgmlType::Q8_0;
        spec.layers = 4;
        spec.slidingWindow = 4;
        spec.experts = 6;
        spec.expertsUsed = 2;
        spec.seed = uint64_t(++index);
        const std::string path = (scratch.path() / (std::string(arch) + ".gguf")).string();
        test::writeTestModel(path, spec);

        auto vulkan = makeVulkan();
        if (!vulkan) GTEST_SKIP() << "no usable Vulkan device";
        const auto whole = [&] {
            auto model = Model::load(path, vulkan);
            return run(*model);
        }();
        const bool moe = std::string(arch) != "llama" && std::string(arch) != "gemma4" && std::string(arch) != "qwen35";
        struct Split {
            int64_t hostLayers, hostExpertLayers;
        };
        for (const Split split : {Split {2, 0}, Split {1, 0}, Split {4, 0}, Split {0, moe ? 3 : 0}, Split {1, moe ? 3 : 0}}) {
            ModelPlacement placement {std::make_shared<FastCpuBackend>(2), split.hostLayers, split.hostExpertLayers};
            const std::string label = std::string(arch) + " with " + std::to_string(split.hostLayers) + " layers and the experts of " +
                std::to_string(split.hostExpertLayers) + " on the CPU";
            auto before = vulkan->deviceBytesFree();
            auto model = Model::load(path, vulkan, placement);
            const uint64_t allocated = before - vulkan->deviceBytesFree();
            const uint64_t planned = Model::deviceWeightBytes(model->file(), model->config(), model->placement());
            // Each weight is its own allocation, rounded up by the driver: a few KiB per tensor on top
            // (Gemma 4's many norm vectors make that visible on a model this small).
            const double rounding = 4096.0 * double(model->file().tensors().size());
            EXPECT_NEAR(double(allocated), double(planned), 0.05 * double(planned) + 64 * 1024 + rounding)
                << label << ": the fit check's numbers";
            const auto got = run(*model);
            ASSERT_EQ(got.size(), whole.size());
            for (size_t step = 0; step < got.size(); ++step)
                EXPECT_GE(cosine(got[step], whole[step]), 0.9999) << label << ", step " << step;
        }
        for (const auto& e : vulkan->validationErrors()) ADD_FAILURE() << "validation: " << e;
    }
}

TEST(GpuOffload, TheEngineSplitsAModelLargerThanTheDeviceAndSaysHow)
{
    if (!vk::loadVulkanLoader().available) GTEST_SKIP() << "no Vulkan loader";
    test::ScratchDir scratch;
    test::TestModelSpec spec;
    spec.architecture = "qwen3moe";
    spec.weightType = GgmlType::Q8_0;
    spec.layers = 6;
    spec.experts = 16;
    spec.expertsUsed = 2;
    spec.vocabulary = 4000;
    const std::string path = (scratch.path() / "big.gguf").string();
    test::writeTestModel(path, spec);
    const auto fileBytes = std::filesystem::file_size(path);

    EngineOptions options;
    options.device = "vulkan";
    options.contextLength = 256;
    std::unique_ptr<Engine> engine;
    // A device that holds about half of the model.
    setenv("HEARTH_VULKAN_MEMORY_LIMIT", std::to_string(fileBytes / 2 + (16u << 20)).c_str(), 1);
    try {
        engine = Engine::open(path, options);
    } catch (const Error& e) {
        unsetenv("HEARTH_VULKAN_MEMORY_LIMIT");
        if (std::getenv("HEARTH_REQUIRE_VULKAN")) FAIL() << e.what();
        GTEST_SKIP() << e.what();
    }
    unsetenv("HEARTH_VULKAN_MEMORY_LIMIT");
    const std::string note = engine->placementNote();
    EXPECT_NE(note.find("layers on the GPU"), std::string::npos) << note;
    EXPECT_EQ(note.find("6 of 6"), std::string::npos) << note;
    EXPECT_EQ(note.find("0 of 6"), std::string::npos) << "about half fits: " << note;
    // It chats: a reply comes back from the split model.
    GenerateOptions generate;
    generate.maxTokens = 8;
    generate.sampler.temperature = 0;
    const auto result = engine->complete(std::vector<int32_t> {1, 300, 301}, generate, {});
    EXPECT_EQ(result.tokens.size(), 8u);

    // Asked for all of it on a device that cannot hold it: the refusal names the numbers.
    options.gpuLayers = 6;
    setenv("HEARTH_VULKAN_MEMORY_LIMIT", std::to_string(fileBytes / 2).c_str(), 1);
    try {
        Engine::open(path, options);
        ADD_FAILURE() << "a model twice the device's size was put on it whole";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::OutOfMemory) << e.what();
        EXPECT_NE(std::string(e.what()).find("MiB"), std::string::npos) << e.what();
    }
    unsetenv("HEARTH_VULKAN_MEMORY_LIMIT");
}
