// The sampler chain on hand-made logits.
#include "sampling/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <set>

using namespace hearth;

TEST(Sampler, GreedyPicksTheLargestLogit)
{
    SamplerSettings s;
    s.temperature = 0;
    Sampler sampler(s);
    std::vector<float> logits = {0.1f, 2.5f, -1.0f, 2.4f};
    EXPECT_EQ(sampler.sample(logits), 1);
}

TEST(Sampler, TopKOneIsGreedyAtAnyTemperature)
{
    SamplerSettings s;
    s.temperature = 5.0f;
    s.topK = 1;
    Sampler sampler(s);
    for (int i = 0; i < 20; ++i) {
        std::vector<float> logits = {0.0f, 1.0f, 3.0f, 2.9f};
        EXPECT_EQ(sampler.sample(logits), 2);
    }
}

TEST(Sampler, MinPAndTopPCutTheTail)
{
    SamplerSettings s;
    s.temperature = 1.0f;
    s.topK = 0;
    s.topP = 1.0f;
    s.minP = 0.5f;  // keep tokens with at least half the top probability
    Sampler sampler(s);
    std::map<TokenId, int> seen;
    for (int i = 0; i < 400; ++i) {
        std::vector<float> logits = {2.0f, 2.0f - 0.5f, 2.0f - 3.0f, -5.0f};  // p ratios 1, 0.61, 0.05, ...
        ++seen[sampler.sample(logits)];
    }
    EXPECT_GT(seen[0], 0);
    EXPECT_GT(seen[1], 0);
    EXPECT_EQ(seen.count(2) + seen.count(3), 0u);

    s.minP = 0;
    s.topP = 0.5f;  // the top token alone holds more than half the mass
    Sampler nucleus(s);
    for (int i = 0; i < 50; ++i) {
        std::vector<float> logits = {3.0f, 1.0f, 0.5f, 0.0f};
        EXPECT_EQ(nucleus.sample(logits), 0);
    }
}

TEST(Sampler, PenaltiesFollowLlamaCpp)
{
    SamplerSettings s;
    s.temperature = 0;
    s.repeatPenalty = 2.0f;
    s.frequencyPenalty = 0.25f;
    s.presencePenalty = 0.5f;
    Sampler sampler(s);
    sampler.accept(0);
    sampler.accept(0);
    sampler.accept(2);
    std::vector<float> logits = {4.0f, 1.0f, -1.0f, 1.5f};
    sampler.sample(logits);
    EXPECT_FLOAT_EQ(logits[0], 4.0f / 2 - 2 * 0.25f - 0.5f);  // positive: divided
    EXPECT_FLOAT_EQ(logits[2], -1.0f * 2 - 0.25f - 0.5f);  // negative: multiplied
    EXPECT_FLOAT_EQ(logits[1], 1.0f);  // unseen: untouched
}

TEST(Sampler, SameSeedSameChoices)
{
    SamplerSettings s;
    s.temperature = 1.0f;
    s.topK = 0;
    s.topP = 1.0f;
    s.minP = 0;
    s.seed = 99;
    Sampler a(s), b(s);
    std::vector<TokenId> x, y;
    for (int i = 0; i < 50; ++i) {
        std::vector<float> l1 = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f}, l2 = l1;
        x.push_back(a.sample(l1));
        y.push_back(b.sample(l2));
    }
    EXPECT_EQ(x, y);
    EXPECT_GT(std::set<TokenId>(x.begin(), x.end()).size(), 2u) << "it really samples";
}

// Only the best few logits: sampleBest must pick, draw for draw, what sample() picks from all of
// them, penalties included (they lower tokens that were among the best).
TEST(Sampler, TheBestLogitsAloneGiveTheSameChoices)
{
    struct Case {
        float temperature;
        int topK;
        float topP, minP, repeat, frequency, presence;
    };
    const Case cases[] = {
        {0.0f, 40, 0.95f, 0.05f, 1.0f, 0.0f, 0.0f},  // greedy
        {0.0f, 0, 1.0f, 0.0f, 1.3f, 0.2f, 0.5f},  // greedy with penalties (top-k off: greedy needs one)
        {0.8f, 40, 0.95f, 0.05f, 1.0f, 0.0f, 0.0f},  // the defaults
        {1.5f, 5, 1.0f, 0.0f, 1.1f, 0.0f, 0.0f},    {0.7f, 40, 0.9f, 0.0f, 1.3f, 0.2f, 0.5f}, {1.0f, 1, 1.0f, 0.0f, 2.0f, 0.0f, 0.0f},
    };
    std::mt19937 rng(5);
    std::normal_distribution<float> normal(0.0f, 3.0f);
    for (const Case& c : cases) {
        SamplerSettings s;
        s.temperature = c.temperature;
        s.topK = c.topK;
        s.topP = c.topP;
        s.minP = c.minP;
        s.repeatPenalty = c.repeat;
        s.frequencyPenalty = c.frequency;
        s.presencePenalty = c.presence;
        s.penaltyLastN = 16;
        Sampler all(s), best(s);
        std::set<TokenId> chosen;
        for (int step = 0; step < 300; ++step) {
            // Coarse values: ties at the edge of the best, and a few tokens far ahead, which the
            // penalties then push down among the others.
            std::vector<float> logits(3000);
            for (float& l : logits) l = std::round(normal(rng) * 4.0f) / 4.0f;
            for (int i = 0; i < 6; ++i) logits[size_t(rng() % logits.size())] += 12.0f;
            const int64_t needed = best.bestNeeded();
            ASSERT_GT(needed, 0) << "temperature " << c.temperature << " top-k " << c.topK;
            const std::vector<LogitCandidate> candidates = bestCandidates(logits, needed);
            const TokenId want = all.sample(logits);
            ASSERT_EQ(best.sampleBest(candidates), want) << "step " << step << ", temperature " << c.temperature << " top-k " << c.topK;
            all.accept(want);
            best.accept(want);
            chosen.insert(want);
        }
        if (c.temperature > 0 && c.topK != 1) {
            EXPECT_GT(chosen.size(), 10u) << "it really samples";
        }
    }
}

TEST(Sampler, AllTheLogitsAreNeededWithoutATopKCutOrWithAPenaltyThatRaises)
{
    SamplerSettings s;
    s.topK = 0;
    EXPECT_EQ(Sampler(s).bestNeeded(), 0) << "no top-k cut";
    s.topK = 40;
    EXPECT_EQ(Sampler(s).bestNeeded(), 40);
    s.topK = int(Sampler::kMaxBestLogits) + 1;
    EXPECT_EQ(Sampler(s).bestNeeded(), 0) << "too many to be worth it";
    s.topK = 40;
    s.presencePenalty = -0.5f;  // raises the tokens seen: one outside the best could rise into them
    EXPECT_EQ(Sampler(s).bestNeeded(), 0);
    s.presencePenalty = 0;
    s.repeatPenalty = 0.9f;
    EXPECT_EQ(Sampler(s).bestNeeded(), 0);
    s.repeatPenalty = 1.2f;
    Sampler penalized(s);
    for (TokenId t : {7, 7, 9, 11}) penalized.accept(t);
    EXPECT_EQ(penalized.bestNeeded(), 40 + 3) << "one more for each distinct token a penalty lowers";
}
