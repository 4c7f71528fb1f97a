#include "sampling/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>
#include <vector>

namespace hearth {

Sampler::Sampler(const SamplerSettings& settings) : m_settings(settings), m_rng(settings.seed) { }

void Sampler::accept(TokenId token)
{
    if (m_settings.penaltyLastN <= 0) return;
    m_recent.push_back(token);
    while (int(m_recent.size()) > m_settings.penaltyLastN) m_recent.pop_front();
}

void Sampler::applyPenalties(std::span<float> logits) const
{
    const auto& s = m_settings;
    if (m_recent.empty() || (s.repeatPenalty == 1.0f && s.frequencyPenalty == 0.0f && s.presencePenalty == 0.0f)) return;
    std::unordered_map<TokenId, int> counts;
    for (TokenId t : m_recent) ++counts[t];
    for (const auto& [token, count] : counts) {
        if (token < 0 || size_t(token) >= logits.size()) continue;
        float& l = logits[size_t(token)];
        // As llama.cpp: divide positive logits, multiply negative ones, then OpenAI-style penalties.
        l = l > 0 ? l / s.repeatPenalty : l * s.repeatPenalty;
        l -= float(count) * s.frequencyPenalty + (count > 0 ? s.presencePenalty : 0.0f);
    }
}

TokenId Sampler::sample(std::span<float> logits)
{
    applyPenalties(logits);
    const auto& s = m_settings;
    if (s.temperature <= 0.0f) return TokenId(std::max_element(logits.begin(), logits.end()) - logits.begin());

    // Candidates sorted by logit, best first (ties: lower id first, for reproducibility).
    std::vector<TokenId> ids(logits.size());
    std::iota(ids.begin(), ids.end(), 0);
    auto better = [&](TokenId a, TokenId b) {
        return logits[size_t(a)] != logits[size_t(b)] ? logits[size_t(a)] > logits[size_t(b)] : a < b;
    };
    size_t keep = ids.size();
    if (s.topK > 0 && size_t(s.topK) < keep) {
        keep = size_t(s.topK);
        std::partial_sort(ids.begin(), ids.begin() + std::ptrdiff_t(keep), ids.end(), better);
    } else {
        std::sort(ids.begin(), ids.end(), better);
    }
    ids.resize(keep);

    // Probabilities at temperature 1 for the top-p / min-p cuts (llama.cpp's order).
    auto softmax = [&](float temperature) {
        std::vector<double> p(ids.size());
        const double top = logits[size_t(ids[0])];
        double sum = 0;
        for (size_t i = 0; i < ids.size(); ++i) sum += p[i] = std::exp((logits[size_t(ids[i])] - top) / temperature);
        for (auto& x : p) x /= sum;
        return p;
    };
    std::vector<double> p = softmax(1.0f);
    if (s.topP < 1.0f) {
        double cumulative = 0;
        size_t cut = ids.size();
        for (size_t i = 0; i < ids.size(); ++i) {
            cumulative += p[i];
            if (cumulative >= s.topP) {
                cut = i + 1;
                break;
            }
        }
        ids.resize(cut);
        p.resize(cut);
    }
    if (s.minP > 0.0f) {
        const double threshold = p[0] * s.minP;
        size_t cut = 1;
        while (cut < ids.size() && p[cut] >= threshold) ++cut;
        ids.resize(cut);
    }
    p = softmax(s.temperature);
    std::discrete_distribution<size_t> pick(p.begin(), p.end());
    return ids[pick(m_rng)];
}

}  // namespace hearth
