// One entry of a row of logits, and the order samplers keep them in: what a sampler that keeps
// only the best few needs (the backends find them; the sampler chooses among them).
#pragma once

#include "tokenizer/vocabulary.h"

#include <cstdint>
#include <span>
#include <vector>

namespace hearth {

struct LogitCandidate {
    TokenId id = 0;
    float logit = 0;
};
// The samplers' order: the higher logit first, ties to the lower id (reproducible).
inline bool betterCandidate(const LogitCandidate& a, const LogitCandidate& b)
{
    return a.logit != b.logit ? a.logit > b.logit : a.id < b.id;
}
// The `count` best of `values` (all of them when fewer), in betterCandidate's order.
std::vector<LogitCandidate> bestCandidates(std::span<const float> values, int64_t count);

}  // namespace hearth
