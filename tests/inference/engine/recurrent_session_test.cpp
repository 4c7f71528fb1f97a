// Sessions on a hybrid model (Qwen3.5's Gated DeltaNet layers): the recurrent state cannot be cut
// back like a KV cache, so regenerate, the next turn, an edited earlier turn, a branch switch and
// a context shift each go back to a checkpoint. Each must give the logits of the resulting
// conversation evaluated from scratch, and evaluate only the tokens after the reused checkpoint.
#include "backend/cpu/cpu_backend.h"
#include "core/error.h"
#include "engine/session.h"
#include "model/model.h"
#include "test_model_writer.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace hearth;

namespace {

class RecurrentSession : public ::testing::Test {
protected:
    void SetUp() override
    {
        test::TestModelSpec spec;
        spec.architecture = "qwen35";
        spec.weightType = GgmlType::Q8_0;
        spec.layers = 4;
        m_path = (m_dir.path() / "qwen35.gguf").string();
        test::writeTestModel(m_path, spec);
        m_model = Model::load(m_path, std::make_shared<CpuBackend>(2));
    }

    static std::vector<TokenId> tokens(size_t n, TokenId start)
    {
        std::vector<TokenId> out;
        for (size_t i = 0; i < n; ++i) out.push_back(TokenId(259 + (start + TokenId(i) * 7) % 61));
        return out;
    }
    static std::vector<TokenId> join(std::initializer_list<std::vector<TokenId>> parts)
    {
        std::vector<TokenId> all;
        for (const auto& p : parts) all.insert(all.end(), p.begin(), p.end());
        return all;
    }
    SessionOptions options(int64_t context = 256) const
    {
        SessionOptions o;
        o.contextLength = context;
        o.batchSize = 16;
        o.checkpointInterval = 24;
        return o;
    }
    // The logits of `prompt` evaluated from scratch in a fresh session.
    std::vector<float> fresh(std::span<const TokenId> prompt) const
    {
        Session s(*m_model, options());
        auto l = s.evaluate(prompt);
        return {l.begin(), l.end()};
    }
    static void expectSameLogits(std::span<const float> got, std::span<const float> want, const std::string& what)
    {
        ASSERT_EQ(got.size(), want.size()) << what;
        double worst = 0;
        for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, double(std::fabs(got[i] - want[i])));
        EXPECT_LE(worst, 1e-4) << what << ": the logits differ from a fresh evaluation";
    }

    test::ScratchDir m_dir;
    std::string m_path;
    std::unique_ptr<Model> m_model;
};

}  // namespace

TEST_F(RecurrentSession, RegenerateReusesTheStateAfterThePromptAndEvaluatesNothing)
{
    Session chat(*m_model, options());
    const std::vector<TokenId> prompt = tokens(30, 1);
    chat.evaluate(prompt);
    EXPECT_EQ(chat.lastEvaluatedCount(), 30);
    for (TokenId t : tokens(5, 40)) chat.decode(t);  // the reply that is thrown away
    auto again = chat.evaluate(prompt);
    EXPECT_EQ(chat.lastEvaluatedCount(), 0) << "the checkpoint at the prompt's end holds its state and logits";
    expectSameLogits(again, fresh(prompt), "regenerate");
    // And generating from it goes on as from a fresh prompt.
    auto next = chat.decode(prompt[3]);
    Session other(*m_model, options());
    other.evaluate(prompt);
    expectSameLogits(next, other.decode(prompt[3]), "the first token after a regenerate");
}

TEST_F(RecurrentSession, TheNextTurnContinuesTheLiveState)
{
    Session chat(*m_model, options());
    const std::vector<TokenId> turn1 = tokens(20, 1), reply = tokens(6, 50), turn2 = tokens(9, 9);
    chat.evaluate(turn1);
    for (TokenId t : reply) chat.decode(t);
    const std::vector<TokenId> conversation = join({turn1, reply, turn2});
    auto logits = chat.evaluate(conversation);
    EXPECT_EQ(chat.lastEvaluatedCount(), 9) << "only the new turn runs";
    expectSameLogits(logits, fresh(conversation), "second turn");
}

TEST_F(RecurrentSession, AfterDecodingWithOnlyTheBestLogitsTheSameTokensGiveTheirFullLogits)
{
    Session chat(*m_model, options());
    std::vector<TokenId> all = tokens(20, 1);
    chat.evaluate(all);
    for (TokenId t : tokens(4, 30)) {
        auto best = chat.decodeBest(t, 5);
        ASSERT_EQ(best.size(), 5u);
        all.push_back(t);
    }
    auto logits = chat.evaluate(all);  // decodeBest kept no full logits: the last token runs again
    EXPECT_EQ(chat.lastEvaluatedCount(), 4) << "back to the checkpoint at the prompt's end";
    const std::vector<float> want = fresh(all);
    expectSameLogits(logits, want, "the same tokens again");
    const std::vector<LogitCandidate> expected = bestCandidates(want, 5);
    Session other(*m_model, options());
    other.evaluate(std::span<const TokenId>(all).first(all.size() - 1));
    auto best = other.decodeBest(all.back(), 5);
    ASSERT_EQ(best.size(), 5u);
    for (size_t i = 0; i < 5; ++i) EXPECT_EQ(best[i].id, expected[i].id) << "place " << i;
}

TEST_F(RecurrentSession, EditingAnEarlierTurnAndSwitchingBranchesGoBackToACheckpoint)
{
    Session chat(*m_model, options());
    const std::vector<TokenId> turn1 = tokens(20, 1), reply1 = tokens(6, 50), turn2 = tokens(9, 9), reply2 = tokens(4, 30);
    chat.evaluate(turn1);
    for (TokenId t : reply1) chat.decode(t);
    const std::vector<TokenId> branchA = join({turn1, reply1, turn2});
    chat.evaluate(branchA);
    for (TokenId t : reply2) chat.decode(t);
    // Edit the second turn's fourth token: the last checkpoint within the common prefix (26 + 3
    // tokens) is the one after the first turn's 20 (none was taken at the interval's 24: the
    // reply and the second turn went on from the live state at 20 and 26).
    std::vector<TokenId> edited = turn2;
    edited[3] = TokenId(300);
    const std::vector<TokenId> branchB = join({turn1, reply1, edited});
    auto b = chat.evaluate(branchB);
    EXPECT_EQ(chat.lastEvaluatedCount(), int64_t(branchB.size()) - 20);
    expectSameLogits(b, fresh(branchB), "edited second turn");
    // Back to the first branch: its own checkpoint is past the common prefix (the cache now holds
    // branch B there), so it goes back to the one branch B's evaluation took at the interval, 24.
    EXPECT_EQ(chat.checkpointPositions(), (std::vector<int64_t> {20, 35, 24, 35}));
    auto a = chat.evaluate(branchA);
    EXPECT_EQ(chat.lastEvaluatedCount(), int64_t(branchA.size()) - 24);
    expectSameLogits(a, fresh(branchA), "switched back to the first branch");
    // Editing the first turn: no checkpoint within the prefix, everything runs again.
    std::vector<TokenId> earlier = turn1;
    earlier[2] = TokenId(301);
    const std::vector<TokenId> branchC = join({earlier, reply1});
    auto c = chat.evaluate(branchC);
    EXPECT_EQ(chat.lastEvaluatedCount(), int64_t(branchC.size()));
    expectSameLogits(c, fresh(branchC), "edited first turn");
}

TEST_F(RecurrentSession, LongPromptsAreCheckpointedEveryIntervalAndTheCountIsBounded)
{
    Session chat(*m_model, options());
    const std::vector<TokenId> prompt = tokens(100, 5);
    chat.evaluate(prompt);
    EXPECT_EQ(chat.checkpointPositions(), (std::vector<int64_t> {24, 48, 72, 96, 100}));
    // An edit at position 60 rewinds to the checkpoint at 48.
    std::vector<TokenId> edited = prompt;
    edited[60] = TokenId(302);
    auto logits = chat.evaluate(edited);
    EXPECT_EQ(chat.lastEvaluatedCount(), 100 - 48);
    expectSameLogits(logits, fresh(edited), "edit inside a long prompt");
    // Many more prompts: never more than kRecurrentCheckpoints kept.
    for (TokenId start = 0; start < 6; ++start) chat.evaluate(tokens(60, start * 11 + 2));
    EXPECT_LE(int64_t(chat.checkpointPositions().size()), kRecurrentCheckpoints);
}

TEST_F(RecurrentSession, AContextShiftRecomputesFromACheckpointInsteadOfCorruptingTheState)
{
    Session chat(*m_model, options(64));
    const std::vector<TokenId> prompt = tokens(20, 3);  // kept on a shift: the first prompt
    chat.evaluate(prompt);
    std::span<const float> last;
    int steps = 0;
    while (chat.shifts() == 0 && steps < 100) last = chat.decode(TokenId(259 + (steps++ * 13) % 61));
    ASSERT_EQ(chat.shifts(), 1);
    // The state is that of the tokens that remain, evaluated from scratch at their new positions.
    std::vector<float> got(last.begin(), last.end());
    expectSameLogits(got, fresh(chat.tokens()), "after a context shift");
    auto more = chat.decode(TokenId(270));
    std::vector<TokenId> after = chat.tokens();
    expectSameLogits(more, fresh(after), "a token after the shift");
}

TEST_F(RecurrentSession, ACacheWithoutRecurrentStateIsAClearError)
{
    auto bare = m_model->backend().kvCache(m_model->config().layers, 32, m_model->config().kvDim(), true);
    std::vector<float> logits;
    const std::vector<TokenId> prompt = tokens(4, 1);
    try {
        m_model->forward(prompt, 0, *bare, false, logits);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("recurrent state"), std::string::npos) << e.what();
    }
}
