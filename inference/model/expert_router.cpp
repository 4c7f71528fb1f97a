#include "model/expert_router.h"

#include "core/error.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace hearth {

namespace {

// ggml's soft_max on one row: exp(x - max) summed in double, then scaled by the reciprocal.
void softmaxInPlace(std::span<float> values)
{
    float max = -INFINITY;
    for (float v : values) max = std::max(max, v);
    double sum = 0;
    for (float& v : values) {
        v = std::exp(v - max);
        sum += double(v);
    }
    const float inverse = float(1.0 / sum);
    for (float& v : values) v *= inverse;
}

// DeepSeek-V3's group-limited routing (llama.cpp's build_moe_ffn): each group scored by the sum of
// its two best selection values, the experts outside the best `used` groups no longer eligible.
void excludeWeakGroups(std::vector<float>& selection, int64_t groups, int64_t used)
{
    const size_t perGroup = selection.size() / size_t(groups);
    std::vector<float> score(static_cast<size_t>(groups));
    for (size_t g = 0; g < size_t(groups); ++g) {
        float best = -INFINITY, second = -INFINITY;
        for (size_t i = g * perGroup; i < (g + 1) * perGroup; ++i) {
            const float v = selection[i];
            if (v > best) {
                second = best;
                best = v;
            } else if (v > second) {
                second = v;
            }
        }
        score[g] = perGroup > 1 ? best + second : best;
    }
    std::vector<int32_t> order(static_cast<size_t>(groups));
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + used, order.end(), [&](int32_t a, int32_t b) {
        return score[size_t(a)] > score[size_t(b)] || (score[size_t(a)] == score[size_t(b)] && a < b);
    });
    std::vector<bool> kept(static_cast<size_t>(groups), false);
    for (int64_t j = 0; j < used; ++j) kept[size_t(order[size_t(j)])] = true;
    for (size_t i = 0; i < selection.size(); ++i)
        if (!kept[i / perGroup]) selection[i] = -INFINITY;
}

}  // namespace

ExpertRouting routeExperts(std::span<const float> logits, int64_t tokens, const RouterRules& rules)
{
    const int64_t n = rules.experts, k = rules.chosen;
    if (n <= 0 || k <= 0 || k > n || int64_t(logits.size()) != tokens * n)
        throw Error(ErrorCode::InvalidArgument,
                    "routeExperts: " + std::to_string(logits.size()) + " logits for " + std::to_string(tokens) + " tokens of " +
                        std::to_string(n) + " experts, " + std::to_string(k) + " chosen");
    ExpertRouting r;
    r.tokens = tokens;
    r.k = k;
    r.experts.resize(size_t(tokens * k));
    r.weights.resize(size_t(tokens * k));
    if (!rules.selectionBias.empty() && int64_t(rules.selectionBias.size()) != n)
        throw Error(ErrorCode::InvalidArgument,
                    "routeExperts: a selection bias of " + std::to_string(rules.selectionBias.size()) + " values for " + std::to_string(n) +
                        " experts");
    const bool grouped = rules.groups > 1;
    if (grouped &&
        (n % rules.groups != 0 || rules.groupsUsed < 1 || rules.groupsUsed > rules.groups || k > n / rules.groups * rules.groupsUsed))
        throw Error(ErrorCode::InvalidArgument,
                    "routeExperts: " + std::to_string(rules.groupsUsed) + " of " + std::to_string(rules.groups) + " groups cannot route " +
                        std::to_string(k) + " of " + std::to_string(n) + " experts");
    std::vector<float> probabilities(static_cast<size_t>(n)), selection(static_cast<size_t>(n));
    std::vector<int32_t> order(static_cast<size_t>(n));
    for (int64_t t = 0; t < tokens; ++t) {
        std::copy_n(logits.begin() + t * n, n, probabilities.begin());
        if (rules.gating == ExpertGating::Softmax) softmaxInPlace(probabilities);
        if (rules.gating == ExpertGating::Sigmoid)
            for (float& p : probabilities) p = 1.0f / (1.0f + std::exp(-p));
        selection = probabilities;
        if (!rules.selectionBias.empty())
            for (int64_t e = 0; e < n; ++e) selection[size_t(e)] = probabilities[size_t(e)] + rules.selectionBias[size_t(e)];
        if (grouped) excludeWeakGroups(selection, rules.groups, rules.groupsUsed);
        std::iota(order.begin(), order.end(), 0);
        // The k largest, highest first (ties: the lower expert first).
        std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int32_t a, int32_t b) {
            return selection[size_t(a)] > selection[size_t(b)] || (selection[size_t(a)] == selection[size_t(b)] && a < b);
        });
        const std::span<float> weights(r.weights.data() + t * k, size_t(k));
        for (int64_t j = 0; j < k; ++j) {
            r.experts[size_t(t * k + j)] = order[size_t(j)];
            weights[size_t(j)] = probabilities[size_t(order[size_t(j)])];
        }
        if (rules.gating == ExpertGating::SoftmaxOfChosen) softmaxInPlace(weights);
        if (rules.normalize) {
            double sum = 0;  // ggml's sum_rows accumulates in double
            for (float w : weights) sum += double(w);
            const float total = std::max(float(sum), 6.103515625e-5f);  // ggml clamps to F16's smallest normal
            for (float& w : weights) w /= total;
        }
        if (rules.scale != 0 && rules.scale != 1)
            for (float& w : weights) w *= rules.scale;
    }
    return r;
}

std::vector<std::vector<int32_t>> choicesByExpert(const ExpertRouting& routing, int64_t experts)
{
    std::vector<std::vector<int32_t>> byExpert(static_cast<size_t>(experts));
    for (size_t i = 0; i < routing.experts.size(); ++i) {
        const int32_t e = routing.experts[i];
        if (e < 0 || e >= experts)
            throw Error(ErrorCode::InvalidArgument, "choicesByExpert: expert " + std::to_string(e) + " out of range");
        byExpert[size_t(e)].push_back(int32_t(i));
    }
    return byExpert;
}

}  // namespace hearth
