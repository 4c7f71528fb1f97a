// Sliding-window layers keep a ring of window + batch slots instead of the whole context: the
// logits must be exactly those of a full cache, through many wraps of the ring, prefix reuse and
// context shifts, and the memory must be the ring's.
#include "backend/cpu/cpu_backend.h"
#include "core/error.h"
#include "engine/session.h"
#include "model/model.h"
#include "model/model_summary.h"
#include "sliding_window_check.h"
#include "test_model_writer.h"
#include "test_support.h"

#include <gtest/gtest.h>

using namespace hearth;

namespace {

// A 64-token session on a model with rings: a regenerate that reuses the ring's prefix and a
// context shift (which the rings turn into a recomputation) give the logits of a fresh evaluation.
void expectReuseAndShiftGiveFreshLogits(const Model& model)
{
    SessionOptions options;
    options.contextLength = 64;
    options.batchSize = 8;
    options.keepOnShift = 4;
    Session session(model, options);
    std::vector<TokenId> prompt;
    for (int i = 0; i < 50; ++i) prompt.push_back(TokenId(259 + (i * 7) % 61));
    session.evaluate(prompt);
    // Regenerating: the same prompt less its last 5 tokens plus 3 others reuses the ring's prefix.
    std::vector<TokenId> edited(prompt.begin(), prompt.end() - 5);
    for (TokenId t : {300, 301, 302}) edited.push_back(t);
    const auto reusedSpan = session.evaluate(edited);
    const std::vector<float> reused(reusedSpan.begin(), reusedSpan.end());
    Session fresh(model, options);
    const auto scratch = fresh.evaluate(edited);
    EXPECT_EQ(std::vector<float>(scratch.begin(), scratch.end()), reused) << "a reused prefix gives the logits of a fresh evaluation";

    // Past the context: the ring cannot move positions, so the kept tokens are evaluated again.
    std::span<const float> last;
    for (int i = 0; i < 20; ++i) last = session.decode(TokenId(259 + i % 50));
    EXPECT_GT(session.shifts(), 0);
    const std::vector<float> shifted(last.begin(), last.end());
    Session again(model, options);
    const auto recomputed = again.evaluate(session.tokens());
    EXPECT_EQ(std::vector<float>(recomputed.begin(), recomputed.end()), shifted);
}

}  // namespace

TEST(SlidingWindow, RingCacheGivesTheFullCachesLogitsOnTheCpu)
{
    test::ScratchDir dir;
    test::expectRingEqualsFullCache(dir.path(), std::make_shared<CpuBackend>(2));
}

TEST(SlidingWindow, SessionsReuseAndShiftCorrectlyAndTheMemoryIsTheRings)
{
    test::ScratchDir dir;
    const std::string path = test::writeSlidingWindowModel(dir.path());
    auto model = Model::load(path, std::make_shared<CpuBackend>(2));
    const ModelConfig& c = model->config();
    ASSERT_EQ(c.slidingWindow, 16);
    ASSERT_TRUE(c.isSliding(0) && !c.isSliding(5));

    // 32k tokens of context: five of six layers hold 16 + 512 slots, not 32768.
    const uint64_t full = kvCacheBytes(uint64_t(c.layers), uint64_t(c.kvHeads), uint64_t(c.headDim), uint64_t(c.headDim), 32768, true);
    const uint64_t rings = kvCacheBytes(c, 32768, true, 512);
    EXPECT_EQ(rings, full / 6 + 5 * (full / 6) * (16 + 512) / 32768);
    // The fit check's summary (read without loading weights) counts the same.
    const ModelSummary summary = summarizeModel(model->file());
    EXPECT_EQ(summary.slidingLayers, 5u);
    EXPECT_EQ(summary.kvCacheBytes(32768), rings);
    EXPECT_EQ(summary.kvCacheBytes(256), kvCacheBytes(c, 256, true, 512));

    expectReuseAndShiftGiveFreshLogits(*model);
}

TEST(SlidingWindow, Gemma4CachesOnlyItsOwnLayersAtTheirSizesAndSessionsStayExact)
{
    // Layers 0-1 slide (2 KV heads of 32), layer 2 is full (1 KV head of 64), layers 3-5 read the
    // caches of layers 1 and 2 and keep none.
    test::ScratchDir dir;
    test::TestModelSpec spec;
    spec.architecture = "gemma4";
    spec.embedding = 128;
    spec.feedForward = 256;
    spec.layers = 6;
    spec.heads = 4;
    spec.kvHeads = 2;
    spec.slidingWindow = 16;
    spec.weightScale = 0.2f;
    const std::string path = (dir.path() / "gemma4.gguf").string();
    test::writeTestModel(path, spec);
    auto model = Model::load(path, std::make_shared<CpuBackend>(2));
    const ModelConfig& c = model->config();
    ASSERT_EQ(c.cacheLayers(), 3);
    EXPECT_EQ(c.cacheLayerOf(3), 1);
    EXPECT_EQ(c.cacheLayerOf(5), 2);
    EXPECT_EQ(c.kvDimAt(0), 2 * 32);
    EXPECT_EQ(c.kvDimAt(2), 1 * 64);
    const uint64_t expected = 2 * kvCacheBytes(1, 2, 32, 32, 16 + 512, true) + kvCacheBytes(1, 1, 64, 64, 32768, true);
    EXPECT_EQ(kvCacheBytes(c, 32768, true, 512), expected);
    EXPECT_EQ(summarizeModel(model->file()).kvCacheBytes(32768), expected);

    expectReuseAndShiftGiveFreshLogits(*model);
}
