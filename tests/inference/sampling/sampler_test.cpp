// The sampler chain on hand-made logits.
#include "sampling/sampler.h"

#include <gtest/gtest.h>

#include <map>
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
