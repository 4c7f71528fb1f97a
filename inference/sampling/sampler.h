// Chooses the next token from logits: penalties, then top-k, top-p, min-p, temperature, and a
// seeded draw (or greedy when temperature <= 0). A fixed seed reproduces a run exactly.
#pragma once

#include "tokenizer/vocabulary.h"

#include <cstdint>
#include <deque>
#include <random>
#include <span>

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
    // Records a token of the context (prompt or generated) for the penalties.
    void accept(TokenId token);
    const SamplerSettings& settings() const { return m_settings; }

private:
    void applyPenalties(std::span<float> logits) const;

    SamplerSettings m_settings;
    std::mt19937_64 m_rng;
    std::deque<TokenId> m_recent;
};

}  // namespace hearth
