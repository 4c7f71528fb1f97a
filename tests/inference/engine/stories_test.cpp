// stories260K against llama.cpp's published behaviour on the same files
// (../shared/models/README.md): greedy ids at every thread count, and perplexity.
#include "backend/cpu/cpu_backend.h"
#include "engine/perplexity.h"
#include "engine/session.h"
#include "model/model.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

using namespace hearth;

TEST(Stories260K, GreedyGenerationMatchesLlamaCppAtEveryThreadCount)
{
    HEARTH_REQUIRE_SHARED(shared);
    const std::vector<TokenId> expectedPrompt = {1, 403, 407, 261, 378};
    const std::vector<TokenId> expected = {432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267, 337,
                                           410, 408, 419, 292, 411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394,
                                           261, 370, 432, 352, 266, 268, 388, 426, 338, 391, 266, 267, 337, 335, 312, 432,
                                           398, 312, 286, 267, 414, 270, 333, 415, 426, 13,  438, 310, 439, 419, 357, 336};
    for (unsigned threads : {1u, 2u, 3u, 4u}) {
        auto model = Model::load((shared / "models/stories260K.gguf").string(), std::make_shared<CpuBackend>(threads));
        auto prompt = model->tokenizer().encode("Once upon a time", true, false);
        ASSERT_EQ(prompt, expectedPrompt);
        Session session(*model, SessionOptions {});
        GenerateOptions options;
        options.maxTokens = 64;
        options.sampler.temperature = 0;
        auto result = session.generate(prompt, options, {});
        EXPECT_EQ(result.tokens, expected) << threads << " threads";
        EXPECT_EQ(result.text,
                  ", there was a little girl named Lily. She loved to play outside in the park. One day, she "
                  "saw a big, red ball. She wanted to play with it, but it was too high.\nLily's mom said");
    }
}

TEST(Stories260K, PerplexityMatchesLlamaCpp)
{
    HEARTH_REQUIRE_SHARED(shared);
    std::ifstream in(shared / "models/story-text.txt", std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    // llama.cpp b10108's numbers (../shared/models/README.md). llama.cpp itself moves by up to 0.27 %
    // on the quantized files between its own settings (flash attention on/off, micro-batches of 32 or
    // 128: Q5_0 4.3340 / 4.3388 / 4.3457 with the oracle build of tests/tools/llama_cpp_oracle.sh), so
    // 0.3 % is "as close as llama.cpp is to itself"; tests/oracle/ checks the logits themselves.
    struct Expect {
        const char* file;
        double ppl;
        double tolerance;  // relative: 0.05% for F32/F16, 0.3% for the quantized files
    };
    const Expect table[] = {
        {"stories260K.gguf", 4.2444, 0.0005},     {"stories260K-F16.gguf", 4.2446, 0.0005}, {"stories260K-Q8_0.gguf", 4.2478, 0.003},
        {"stories260K-Q5_1.gguf", 4.2891, 0.003}, {"stories260K-Q5_0.gguf", 4.3473, 0.003}, {"stories260K-Q4_1.gguf", 4.5450, 0.003},
        {"stories260K-Q4_0.gguf", 4.6112, 0.003},
    };
    auto backend = std::make_shared<CpuBackend>(2);
    for (const auto& e : table) {
        auto model = Model::load((shared / "models" / e.file).string(), backend);
        PerplexityRequest request;
        request.text = text.str();
        request.context = 128;
        PerplexityReport r = measurePerplexity(*model, request, true);
        EXPECT_EQ(r.chunks, 20) << e.file;
        const double relative = std::fabs(r.perplexity - e.ppl) / e.ppl;
        std::printf("  %-24s PPL %.4f +/- %.4f (llama.cpp %.4f, %.3f%% apart)\n", e.file, r.perplexity, r.uncertainty, e.ppl,
                    100 * relative);
        EXPECT_LE(relative, e.tolerance) << e.file << ": " << r.perplexity << " vs " << e.ppl;
    }
}
