// Chooses the next token from logits: penalties, then top-k, top-p, min-p, temperature, and a
// seeded draw (or greedy when temperature <= 0). A fixed seed reproduces a run exactly.
#pragma once

#include "sampling/logit_candidate.h"
#include "tokenizer/vocabulary.h"

#include <cstdint>
#include <deque>
#include <random>
#include <span>
#include <unordered_map>
#include <vector>

namespace hearth {

struct SamplerSettings {
    float temperature = 0.8f;  // <= 0: greedy
    int topK = 40;  // <= 0: off
    float topP = 0.95f;  // >= 1: off
    float minP = 0.05f;  // <= 0: off
    float repeatPenalty = 1.0f;  // 1: off
    float frequencyPenalty = 0.0f;
    float presencePenalty = 0.0f;
    int penaltyLastN = 64;  // how many recent tokens the penalties look at
    uint64_t seed = 0xC0FFEE;
};

class Sampler {
public:
    explicit Sampler(const SamplerSettings& settings);
    // Picks a token; logits are modified in place (penalties, masking).
    TokenId sample(std::span<float> logits);
    // How many of the best logits sampleBest() needs to pick exactly what sample() would pick from
    // all of them (the top-k cut, or 1 when greedy, plus one for each token a penalty lowers:
    // lowered tokens can only fall out of the best, never rise into them); 0 when it needs them
    // all (no top-k cut, a penalty that can raise a logit, or more than kMaxBestLogits).
    int64_t bestNeeded() const;
    // sample() from only the best logits: at least bestNeeded() of them, in betterCandidate's order.
    TokenId sampleBest(std::vector<LogitCandidate> best);
    static constexpr int64_t kMaxBestLogits = 512;
    // Records a token of the context (prompt or generated) for the penalties.
    void accept(TokenId token);
    const SamplerSettings& settings() const { return m_settings; }

private:
    bool penaltiesActive() const;
    std::unordered_map<TokenId, int> recentCounts() const;
    float penalized(float logit, int count) const;
    void applyPenalties(std::span<float> logits) const;
    // The top-p / min-p cuts and the draw at the temperature, from the candidates left after
    // the top-k cut (best first).
    TokenId choose(const std::vector<LogitCandidate>& candidates);

    SamplerSettings m_settings;
    std::mt19937_64 m_rng;
    std::deque<TokenId> m_recent;
};

}  // namespace hearth
