// The host-side mixture-of-experts router against hand-computed routings: llama.cpp's softmax,
// top k, renormalisation and scale (qwen3moe), and the softmax over the chosen logits (gpt-oss).
#include "core/error.h"
#include "model/expert_router.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace hearth;

TEST(ExpertRouter, SoftmaxTopKRenormalisedAsQwen3Moe)
{
    // Two tokens, four experts, two chosen.
    const std::vector<float> logits = {1.0f, 3.0f, 2.0f, -1.0f, 0.0f, 0.0f, 5.0f, 0.0f};
    const ExpertRouting r = routeExperts(logits, 2, {4, 2, ExpertGating::Softmax, true, 0});
    EXPECT_EQ(r.experts, (std::vector<int32_t> {1, 2, 2, 0}));  // highest first; a tie goes to the lower expert
    // After renormalisation the pair's weights are the softmax of their two logits.
    const double e = std::exp(1.0);
    EXPECT_NEAR(r.weights[0], e / (e + 1), 1e-6);
    EXPECT_NEAR(r.weights[1], 1 / (e + 1), 1e-6);
    const double e5 = std::exp(5.0);
    EXPECT_NEAR(r.weights[2], e5 / (e5 + 1), 1e-6);
    EXPECT_NEAR(r.weights[3], 1 / (e5 + 1), 1e-6);
}

TEST(ExpertRouter, WithoutRenormalisationTheWeightsAreTheFullSoftmaxTimesTheScale)
{
    const std::vector<float> logits = {0.0f, 1.0f, 2.0f};
    const ExpertRouting r = routeExperts(logits, 1, {3, 1, ExpertGating::Softmax, false, 2.5f});
    const double total = 1 + std::exp(1.0) + std::exp(2.0);
    ASSERT_EQ(r.experts, (std::vector<int32_t> {2}));
    EXPECT_NEAR(r.weights[0], 2.5 * std::exp(2.0) / total, 1e-6);
}

TEST(ExpertRouter, SoftmaxOfTheChosenLogitsAsGptOss)
{
    const std::vector<float> logits = {-4.0f, 0.5f, 0.25f, 9.0f};
    const ExpertRouting r = routeExperts(logits, 1, {4, 2, ExpertGating::SoftmaxOfChosen, false, 0});
    ASSERT_EQ(r.experts, (std::vector<int32_t> {3, 1}));
    const double a = std::exp(9.0 - 9.0), b = std::exp(0.5 - 9.0);
    EXPECT_NEAR(r.weights[0], a / (a + b), 1e-6);
    EXPECT_NEAR(r.weights[1], b / (a + b), 1e-6);
}

TEST(ExpertRouter, ChoicesAreGroupedByExpertInTokenOrder)
{
    ExpertRouting r;
    r.tokens = 3;
    r.k = 2;
    r.experts = {0, 2, 2, 1, 0, 2};
    r.weights.assign(6, 0.5f);
    const auto byExpert = choicesByExpert(r, 4);
    EXPECT_EQ(byExpert[0], (std::vector<int32_t> {0, 4}));
    EXPECT_EQ(byExpert[1], (std::vector<int32_t> {3}));
    EXPECT_EQ(byExpert[2], (std::vector<int32_t> {1, 2, 5}));
    EXPECT_TRUE(byExpert[3].empty());
    r.experts[1] = 9;
    EXPECT_THROW(choicesByExpert(r, 4), Error);
}

TEST(ExpertRouter, ShapeMismatchesAreErrors)
{
    const std::vector<float> logits(6, 0.0f);
    EXPECT_THROW(routeExperts(logits, 2, {4, 2, ExpertGating::Softmax, true, 0}), Error);  // 6 is not 2 x 4
    EXPECT_THROW(routeExperts(logits, 2, {3, 4, ExpertGating::Softmax, true, 0}), Error);  // k > experts
}

TEST(ExpertRouter, SigmoidWithASelectionBiasAndGroupsAsDeepSeekV3)
{
    // Eight experts in four groups of two, two groups eligible, two experts chosen. The bias moves
    // the choice (expert 7) but not the weight, which is the unbiased sigmoid, renormalised.
    const std::vector<float> logits = {3.0f, 2.9f, 0.0f, 0.1f, -1.0f, -1.0f, 1.0f, -2.0f};
    const std::vector<float> bias = {0, 0, 0, 0, 0, 0, 0, 10.0f};
    const ExpertRouting r = routeExperts(logits, 1, {8, 2, ExpertGating::Sigmoid, true, 0, bias, 4, 2});
    // Group scores (the sum of each group's best two): group 3 (the bias) and group 0 are eligible.
    ASSERT_EQ(r.experts, (std::vector<int32_t> {7, 0}));
    const double s7 = 1 / (1 + std::exp(2.0)), s0 = 1 / (1 + std::exp(-3.0));
    EXPECT_NEAR(r.weights[0], s7 / (s7 + s0), 1e-6);
    EXPECT_NEAR(r.weights[1], s0 / (s7 + s0), 1e-6);
    // Without groups: the best three overall.
    const ExpertRouting open = routeExperts(logits, 1, {8, 3, ExpertGating::Sigmoid, false, 0, bias, 0, 0});
    EXPECT_EQ(open.experts, (std::vector<int32_t> {7, 0, 1}));
    // Only one group eligible: both choices come from it.
    const ExpertRouting narrow = routeExperts(logits, 1, {8, 2, ExpertGating::Sigmoid, false, 0, bias, 4, 1});
    EXPECT_EQ(narrow.experts, (std::vector<int32_t> {7, 6}));
}
