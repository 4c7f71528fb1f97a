// Sessions: KV-cache reuse across turns, context shift, cancellation, stop strings, seeds.
#include "backend/cpu/cpu_backend.h"
#include "engine/session.h"
#include "model/model.h"
#include "test_model_writer.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace hearth;

namespace {

class SessionTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        test::TestModelSpec spec;
        spec.weightType = GgmlType::Q8_0;
        spec.architecture = "qwen2";
        m_path = (m_dir.path() / "model.gguf").string();
        test::writeTestModel(m_path, spec);
        m_model = Model::load(m_path, std::make_shared<CpuBackend>(2));
    }

    std::vector<TokenId> tokens(size_t n, TokenId start) const
    {
        std::vector<TokenId> out;
        for (size_t i = 0; i < n; ++i) out.push_back(TokenId(259 + (start + TokenId(i) * 7) % 61));
        return out;
    }

    test::ScratchDir m_dir;
    std::string m_path;
    std::unique_ptr<Model> m_model;
};

double maxAbsDiff(std::span<const float> a, std::span<const float> b)
{
    double m = 0;
    for (size_t i = 0; i < a.size(); ++i) m = std::max(m, double(std::fabs(a[i] - b[i])));
    return m;
}

}  // namespace

TEST_F(SessionTest, SecondTurnReusesTheCacheAndMatchesAFreshEvaluation)
{
    SessionOptions options;
    options.contextLength = 128;
    options.batchSize = 16;
    Session chat(*m_model, options);
    std::vector<TokenId> turn1 = tokens(20, 3);
    chat.evaluate(turn1);
    EXPECT_EQ(chat.lastEvaluatedCount(), 20);
    GenerateOptions generate;
    generate.maxTokens = 6;
    generate.sampler.temperature = 0;
    GenerateResult reply = chat.generate(turn1, generate, {});
    EXPECT_EQ(reply.promptTokensEvaluated, 1) << "the whole first turn was cached";

    std::vector<TokenId> turn2 = turn1;
    turn2.insert(turn2.end(), reply.tokens.begin(), reply.tokens.end());
    auto more = tokens(9, 11);
    turn2.insert(turn2.end(), more.begin(), more.end());
    auto reused = chat.evaluate(turn2);
    std::vector<float> reusedLogits(reused.begin(), reused.end());
    EXPECT_EQ(chat.lastEvaluatedCount(), int64_t(turn2.size() - turn1.size() - reply.tokens.size() + 1));

    Session fresh(*m_model, options);
    auto scratch = fresh.evaluate(turn2);
    EXPECT_EQ(maxAbsDiff(reusedLogits, scratch), 0.0) << "rows are computed independently of batching";
}

TEST_F(SessionTest, ContextShiftKeepsGoingAndMatchesTheKeptTokensFromScratch)
{
    // One layer: its keys and values depend only on each token and its position, so after a
    // shift the cache must equal a from-scratch evaluation of the kept tokens. (With more
    // layers the kept tokens' states also remember the dropped ones, by design.)
    test::TestModelSpec spec;
    spec.layers = 1;
    spec.architecture = "llama";
    const std::string path = (m_dir.path() / "one-layer.gguf").string();
    test::writeTestModel(path, spec);
    auto oneLayer = Model::load(path, std::make_shared<CpuBackend>(2));
    SessionOptions options;
    options.contextLength = 48;
    options.keepOnShift = 8;
    options.f16Cache = false;
    Session session(*oneLayer, options);
    std::vector<TokenId> prompt = tokens(40, 5);
    session.evaluate(prompt);
    std::vector<TokenId> all = prompt;
    for (TokenId t : tokens(8, 9)) {
        session.decode(t);
        all.push_back(t);
    }
    ASSERT_EQ(session.contextShifts(), 0);
    ASSERT_EQ(session.tokens().size(), 48u);
    const TokenId next = 300;
    auto shifted = session.decode(next);  // the context is full: shift first
    std::vector<float> shiftedLogits(shifted.begin(), shifted.end());
    EXPECT_EQ(session.contextShifts(), 1);
    // Kept: the first 8 tokens and the newer half of the rest (40 of them: 20 dropped).
    std::vector<TokenId> kept(all.begin(), all.begin() + 8);
    kept.insert(kept.end(), all.begin() + 28, all.end());
    kept.push_back(next);
    EXPECT_EQ(session.tokens(), kept);

    Session fresh(*oneLayer, options);
    auto expected = fresh.evaluate(kept);
    double maxLogit = 0;
    for (float v : expected) maxLogit = std::max(maxLogit, double(std::fabs(v)));
    EXPECT_LE(maxAbsDiff(shiftedLogits, expected), 1e-3 * maxLogit) << "re-rotated keys equal keys rotated at their new positions";

    GenerateOptions generate;
    generate.maxTokens = 40;
    generate.sampler.temperature = 0;
    int shifts = 0;
    GenerateCallbacks callbacks;
    callbacks.onContextShift = [&](int64_t) { ++shifts; };
    auto result = session.generate(session.tokens(), generate, callbacks);
    EXPECT_EQ(result.tokens.size(), 40u) << "a long reply keeps going past a full context";
    EXPECT_GE(shifts, 1);
}

TEST_F(SessionTest, CancellationStopsWithinOneToken)
{
    Session session(*m_model, SessionOptions {});
    std::atomic<bool> cancel = false;
    GenerateOptions generate;
    generate.maxTokens = 50;
    generate.sampler.temperature = 0;
    int pieces = 0;
    GenerateCallbacks callbacks;
    callbacks.cancel = &cancel;
    callbacks.onText = [&](const std::string&) {
        if (++pieces == 3) cancel = true;
    };
    auto result = session.generate(tokens(5, 1), generate, callbacks);
    EXPECT_EQ(result.reason, FinishReason::Cancelled);
    EXPECT_LE(result.tokens.size(), 4u);
}

TEST_F(SessionTest, SeedsReproduceAndStopStringsEndTheReply)
{
    GenerateOptions generate;
    generate.maxTokens = 24;
    generate.sampler.temperature = 1.0f;
    generate.sampler.seed = 1234;
    Session a(*m_model, SessionOptions {}), b(*m_model, SessionOptions {});
    auto first = a.generate(tokens(6, 2), generate, {});
    auto second = b.generate(tokens(6, 2), generate, {});
    EXPECT_EQ(first.tokens, second.tokens);
    EXPECT_EQ(first.text, second.text);
    ASSERT_GT(first.text.size(), 8u);

    // Stop at a piece of text the seeded run is known to produce.
    const std::string stop = first.text.substr(first.text.size() / 2, 4);
    generate.stopStrings = {stop};
    Session c(*m_model, SessionOptions {});
    std::string streamed;
    GenerateCallbacks callbacks;
    callbacks.onText = [&](const std::string& t) { streamed += t; };
    auto stopped = c.generate(tokens(6, 2), generate, callbacks);
    EXPECT_EQ(stopped.reason, FinishReason::Stop);
    EXPECT_EQ(stopped.text, first.text.substr(0, first.text.find(stop)));
    EXPECT_EQ(streamed, stopped.text) << "the stop string itself is never streamed";
}

// The generation loop samples from only the best logits when the sampler allows it: the same
// tokens as from all of them, through penalties and context shifts, and the session's state
// after it is the same.
TEST_F(SessionTest, SamplingFromTheBestLogitsPicksTheTokensOfAllOfThem)
{
    for (float temperature : {0.0f, 0.9f}) {
        GenerateOptions generate;
        generate.maxTokens = 48;
        generate.sampler.temperature = temperature;
        generate.sampler.repeatPenalty = 1.2f;
        generate.sampler.presencePenalty = 0.3f;
        generate.sampler.seed = 77;
        SessionOptions options;
        options.contextLength = 40;  // the reply shifts the context
        Session all(*m_model, options), best(*m_model, options);
        generate.bestLogitsOnly = false;
        const GenerateResult want = all.generate(tokens(8, 3), generate, {});
        generate.bestLogitsOnly = true;
        const GenerateResult got = best.generate(tokens(8, 3), generate, {});
        ASSERT_EQ(want.tokens.size(), 48u);
        EXPECT_EQ(got.tokens, want.tokens) << "temperature " << temperature;
        EXPECT_GT(got.contextShifts, 0);
        EXPECT_EQ(best.tokens(), all.tokens());
        auto a = all.evaluate(all.tokens());
        auto b = best.evaluate(best.tokens());
        EXPECT_EQ(maxAbsDiff(a, b), 0.0) << "the next evaluation sees the same state";
    }
}
