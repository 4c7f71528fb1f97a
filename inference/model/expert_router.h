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
    std::span<const float> selectionBias;  // added for choosing only, not to the weights (DeepSeek-V3), or empty
    // Group-limited routing (DeepSeek-V3): the experts in `groups` equal groups, each group scored by
    // its two best experts, only the best groupsUsed groups' experts eligible. groups <= 1: none.
    int64_t groups = 0, groupsUsed = 0;
};

// logits: [tokens][rules.experts]. Throws hearth::Error on a shape mismatch.
ExpertRouting routeExperts(std::span<const float> logits, int64_t tokens, const RouterRules& rules);

// The tokens routed to each expert: for expert e, the indices t * k + j (token t's j-th choice)
// that chose it, in token order.
std::vector<std::vector<int32_t>> choicesByExpert(const ExpertRouting& routing, int64_t experts);

}  // namespace hearth
