// A mixture-of-experts router on the host: from a layer's router logits to each token's chosen
// experts and their weights, as llama.cpp's build_moe_ffn computes them (softmax, top k,
// renormalisation, scale). Both backends route with this one function, so they choose the same
// experts for the same logits.
#pragma once

#include "model/model_config.h"

#include <cstdint>
#include <span>
#include <vector>

namespace hearth {

struct ExpertRouting {
    int64_t tokens = 0, k = 0;
    std::vector<int32_t> experts;  // [token][k]: the chosen experts, highest probability first
    std::vector<float> weights;  // [token][k]: their weights in the mix
};

struct RouterRules {
    int64_t experts = 0;  // logits per token
    int64_t chosen = 0;  // k
    ExpertGating gating = ExpertGating::Softmax;
    bool normalize = false;
    float scale = 0;  // 0 or 1: none
};

// logits: [tokens][rules.experts]. Throws hearth::Error on a shape mismatch.
ExpertRouting routeExperts(std::span<const float> logits, int64_t tokens, const RouterRules& rules);

// The tokens routed to each expert: for expert e, the indices t * k + j (token t's j-th choice)
// that chose it, in token order.
std::vector<std::vector<int32_t>> choicesByExpert(const ExpertRouting& routing, int64_t experts);

}  // namespace hearth
