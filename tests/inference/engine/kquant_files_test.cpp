// The forward pass on llama.cpp's K-quant mixes of one F16 model: every file runs, and its
// logits stay close to the F16 model's (the quantization error, not a layout error).
#include "backend/cpu/cpu_backend.h"
#include "core/error.h"
#include "engine/session.h"
#include "model/model.h"
#include "platform/process_memory.h"
#include "reference_forward.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace hearth;

TEST(KQuantFiles, ForwardPassMatchesTheReferenceOnEveryMix)
{
    // The double-precision reference runs on the same file's dequantized weights, so the only
    // differences are the engine's activation rounding (Q8_K, F16) and summation order.
    // (Against the F16 original the logits drift far more: this random-weight model has a gain
    // near 2 per matrix and amplifies any quantization error, which says nothing of the code.)
    HEARTH_REQUIRE_SHARED(shared);
    auto backend = std::make_shared<CpuBackend>(2);
    const std::vector<TokenId> prompt = {1, 100, 2000, 37, 4000, 512, 9, 777, 3000, 64};
    for (const char* name : {"F16", "Q2_K", "Q3_K_M", "Q4_K_M", "Q5_K_M", "Q6_K"}) {
        auto model = Model::load((shared / ("models/ktest-qwen2-" + std::string(name) + ".gguf")).string(), backend);
        SessionOptions options;
        options.f16Cache = false;
        Session session(*model, options);
        auto logits = session.evaluate(prompt);
        for (float v : logits) ASSERT_TRUE(std::isfinite(v)) << name;
        test::ReferenceForward reference(model->file());
        std::vector<double> expected;
        for (TokenId t : prompt) expected = reference.step(t);
        std::vector<float> expectedFloat(expected.begin(), expected.end());
        const double c = test::cosineSimilarity(logits, expectedFloat);
        std::printf("  %-7s cosine similarity with the reference %.6f\n", name, c);
        EXPECT_GE(c, 0.99) << name;
    }
}

TEST(KQuantFiles, ContextLargerThanMemoryIsAClearError)
{
    HEARTH_REQUIRE_SHARED(shared);
    auto model = Model::load((shared / "models/ktest-qwen2-Q4_K_M.gguf").string(), std::make_shared<CpuBackend>(1));
    SessionOptions options;
    options.contextLength = int64_t(1) << 25;  // 4 layers x 32M slots x (K + V) x 64 x 2 bytes = 32 GiB
    ASSERT_EQ(kvCacheBytes(model->config(), options.contextLength, true), uint64_t(32) << 30);
    ASSERT_LT(totalPhysicalMemory(), uint64_t(32) << 30) << "this test needs a machine with less than 32 GiB";
    try {
        Session session(*model, options);
        FAIL() << "allocated a 32 GiB cache";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::OutOfMemory);
        EXPECT_NE(std::string(e.what()).find("KV cache"), std::string::npos) << e.what();
    }
}
