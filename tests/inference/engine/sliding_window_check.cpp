#include "sliding_window_check.h"

#include "core/error.h"
#include "model/model.h"
#include "test_model_writer.h"

#include <gtest/gtest.h>

namespace hearth::test {

std::string writeSlidingWindowModel(const std::filesystem::path& dir)
{
    TestModelSpec spec;
    spec.architecture = "gemma3";
    spec.embedding = 128;
    spec.feedForward = 256;
    spec.layers = 6;
    spec.heads = 4;
    spec.kvHeads = 2;
    spec.slidingWindow = 16;
    spec.weightScale = 0.2f;
    const std::string path = (dir / "gemma3-window16.gguf").string();
    writeTestModel(path, spec);
    return path;
}

void expectRingEqualsFullCache(const std::filesystem::path& dir, std::shared_ptr<Backend> backend)
{
    auto model = Model::load(writeSlidingWindowModel(dir), backend);
    const ModelConfig& c = model->config();
    const int64_t context = 256, maxBatch = 8;
    auto full = backend->kvCache(c.layers, context, c.kvDim(), true);
    auto ring = backend->kvCache(c.layers, context, c.kvDim(), true, c.kvLayerSlots(context, maxBatch));
    ASSERT_EQ(ring->layerSlots(0), 16 + maxBatch);
    ASSERT_EQ(ring->layerSlots(5), context);
    std::vector<float> logitsFull, logitsRing;
    int64_t position = 0, batches = 0;
    while (position < 200) {
        const int64_t n = 1 + (position * 5 + 3) % maxBatch;  // 1 to 8 tokens: prefill and decode sizes
        std::vector<TokenId> batch;
        for (int64_t i = 0; i < n; ++i) batch.push_back(TokenId(259 + (position + i) * 11 % 61));
        model->forward(batch, position, *full, true, logitsFull);
        model->forward(batch, position, *ring, true, logitsRing);
        ASSERT_EQ(logitsRing, logitsFull) << "batch of " << n << " at position " << position;
        position += n;
        ++batches;
    }
    EXPECT_GT(batches, 20);  // 200 positions: the 24-slot rings wrapped eight times
    std::vector<TokenId> tooMany(maxBatch + 1, 300);
    EXPECT_THROW(model->forward(tooMany, position, *ring, false, logitsRing), Error);
}

}  // namespace hearth::test
