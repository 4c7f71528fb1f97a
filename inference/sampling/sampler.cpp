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

bool Sampler::penaltiesActive() const
{
    const auto& s = m_settings;
    return !m_recent.empty() && (s.repeatPenalty != 1.0f || s.frequencyPenalty != 0.0f || s.presencePenalty != 0.0f);
}

std::unordered_map<TokenId, int> Sampler::recentCounts() const
{
    std::unordered_map<TokenId, int> counts;
    for (TokenId t : m_recent) ++counts[t];
    return counts;
}

float Sampler::penalized(float l, int count) const
{
    const auto& s = m_settings;
    // As llama.cpp: divide positive logits, multiply negative ones, then OpenAI-style penalties.
    l = l > 0 ? l / s.repeatPenalty : l * s.repeatPenalty;
    return l - (float(count) * s.frequencyPenalty + (count > 0 ? s.presencePenalty : 0.0f));
}

void Sampler::applyPenalties(std::span<float> logits) const
{
    if (!penaltiesActive()) return;
    for (const auto& [token, count] : recentCounts())
        if (token >= 0 && size_t(token) < logits.size()) logits[size_t(token)] = penalized(logits[size_t(token)], count);
}

int64_t Sampler::bestNeeded() const
{
    const auto& s = m_settings;
    if (!(s.repeatPenalty >= 1.0f && s.frequencyPenalty >= 0.0f && s.presencePenalty >= 0.0f)) return 0;  // could raise a logit
    const int64_t kept = s.temperature <= 0.0f ? 1 : s.topK;
    if (kept <= 0) return 0;
    const int64_t needed = kept + (penaltiesActive() ? int64_t(recentCounts().size()) : 0);
    return needed <= kMaxBestLogits ? needed : 0;
}

TokenId Sampler::sample(std::span<float> logits)
{
    applyPenalties(logits);
    const auto& s = m_settings;
    if (s.temperature <= 0.0f) return TokenId(std::max_element(logits.begin(), logits.end()) - logits.begin());
    return choose(bestCandidates(logits, s.topK > 0 ? s.topK : int64_t(logits.size())));
}

TokenId Sampler::sampleBest(std::vector<LogitCandidate> best)
{
    if (best.empty()) return 0;
    if (penaltiesActive()) {
        const auto counts = recentCounts();
        for (LogitCandidate& c : best)
            if (auto it = counts.find(c.id); it != counts.end()) c.logit = penalized(c.logit, it->second);
        std::sort(best.begin(), best.end(), betterCandidate);
    }
    const auto& s = m_settings;
    if (s.temperature <= 0.0f) return best.front().id;  // max_element's first maximum: the lowest id of a tie
    if (s.topK > 0 && best.size() > size_t(s.topK)) best.resize(size_t(s.topK));
    return choose(best);
}

TokenId Sampler::choose(const std::vector<LogitCandidate>& candidates)
{
    const auto& s = m_settings;
    size_t count = candidates.size();
    // Probabilities at temperature 1 for the top-p / min-p cuts (llama.cpp's order).
    auto softmax = [&](float temperature) {
        std::vector<double> p(count);
        const double top = candidates[0].logit;
        double sum = 0;
        for (size_t i = 0; i < count; ++i) sum += p[i] = std::exp((candidates[i].logit - top) / temperature);
        for (auto& x : p) x /= sum;
        return p;
    };
    std::vector<double> p = softmax(1.0f);
    if (s.topP < 1.0f) {
        double cumulative = 0;
        for (size_t i = 0; i < count; ++i) {
            cumulative += p[i];
            if (cumulative >= s.topP) {
                count = i + 1;
                break;
            }
        }
        p.resize(count);
    }
    if (s.minP > 0.0f) {
        const double threshold = p[0] * s.minP;
        size_t cut = 1;
        while (cut < count && p[cut] >= threshold) ++cut;
        count = cut;
    }
    p = softmax(s.temperature);
    std::discrete_distribution<size_t> pick(p.begin(), p.end());
    return candidates[pick(m_rng)].id;
}

}  // namespace hearth
