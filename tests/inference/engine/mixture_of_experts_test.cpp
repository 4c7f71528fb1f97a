// Mixture-of-experts models on the CPU reference: a hostile file's expert counts are clear errors,
// and a session that decodes step by step over its cache gives the logits of the whole sequence
// evaluated at once (every token routed on its own, in a batch or alone).
#include "backend/cpu/cpu_backend.h"
#include "core/error.h"
#include "engine/session.h"
#include "model/model.h"
#include "test_model_writer.h"
#include "test_support.h"

#include <gtest/gtest.h>

using namespace hearth;

namespace {

std::string writeModel(const test::ScratchDir& dir, const std::string& name, const test::TestModelSpec& spec)
{
    const std::string path = (dir.path() / name).string();
    test::writeTestModel(path, spec);
    return path;
}

}  // namespace

TEST(MixtureOfExperts, ImpossibleExpertCountsAreClearErrors)
{
    test::ScratchDir scratch;
    auto backend = std::make_shared<CpuBackend>(2);
    test::TestModelSpec spec;
    spec.architecture = "qwen3moe";
    spec.experts = 4;
    spec.expertsUsed = 5;  // more than there are
    try {
        Model::load(writeModel(scratch, "used.gguf", spec), backend);
        FAIL() << "5 of 4 experts were accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidFile);
        EXPECT_NE(std::string(e.what()).find("expert_used_count"), std::string::npos) << e.what();
    }
    spec.expertsUsed = 2;
    spec.expertFeedForward = 128;
    const std::string path = writeModel(scratch, "ok.gguf", spec);
    EXPECT_NO_THROW(Model::load(path, backend));
}

TEST(MixtureOfExperts, TheSessionReusesItsCacheAndDecodesLikeAFreshEvaluation)
{
    test::ScratchDir scratch;
    auto backend = std::make_shared<CpuBackend>(2);
    for (const char* arch : {"qwen3moe", "gpt-oss", "deepseek2", "deepseek3"}) {
        test::TestModelSpec spec;
        spec.architecture = std::string(arch) == "deepseek3" ? "deepseek2" : arch;
        spec.deepSeekV3 = std::string(arch) == "deepseek3";
        spec.weightType = GgmlType::Q8_0;
        spec.experts = 8;
        spec.expertsUsed = 3;
        spec.slidingWindow = 64;
        auto model = Model::load(writeModel(scratch, std::string(arch) + ".gguf", spec), backend);
        const std::vector<TokenId> prompt = {1, 40, 41, 42, 300, 301, 17};
        // Prompt then two decode steps, against the whole sequence evaluated at once.
        Session stepwise(*model, SessionOptions {});
        stepwise.evaluate(prompt);
        stepwise.decode(90);
        const auto last = stepwise.decode(91);
        const std::vector<float> got(last.begin(), last.end());
        Session whole(*model, SessionOptions {});
        std::vector<TokenId> all = prompt;
        all.push_back(90);
        all.push_back(91);
        const auto want = whole.evaluate(all);
        ASSERT_EQ(got.size(), want.size());
        double maxDiff = 0;
        for (size_t i = 0; i < got.size(); ++i) maxDiff = std::max(maxDiff, double(std::abs(got[i] - want[i])));
        // Batch and single-token attention differ in ggml's precision (F16 vs F32 accumulation).
        EXPECT_LT(maxDiff, 2e-2) << arch;
    }
}
