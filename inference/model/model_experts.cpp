// The mixture-of-experts feed-forward (llama.cpp's build_moe_ffn): the router's logits are read
// back and routed on the host, then each chosen expert runs once on the rows of the tokens that
// chose it, and the results are mixed by the router's weights in each token's order of choice.
#include "model/expert_router.h"
#include "model/model.h"

namespace hearth {

namespace {

// gpt-oss's SwiGLU constants (llama.cpp's LLM_FFN_SWIGLU_OAI_MOE).
constexpr float kOaiAlpha = 1.702f;
constexpr float kOaiLimit = 7.0f;

}  // namespace

Model::ExpertWorkspace::ExpertWorkspace(Backend& on, const ModelConfig& c, int64_t tokens)
    : backend(on), logits(on.activations(tokens, c.experts)), results(on.activations(tokens * c.expertsUsed, c.embedding))
{
}

Model::ExpertWorkspace::Scratch& Model::ExpertWorkspace::scratch(int64_t rows, const ModelConfig& c)
{
    Scratch& s = byRows[rows];
    if (!s.input)
        s = {backend.activations(rows, c.embedding), backend.activations(rows, c.expertFeedForward),
             backend.activations(rows, c.expertFeedForward), backend.activations(rows, c.embedding)};
    return s;
}

void Model::mixtureOfExperts(const LayerWeights& l, const Tensor& routerInput, const Tensor& normed, ExpertWorkspace& w, Tensor& out) const
{
    const ModelConfig& c = m_config;
    Backend& b = w.backend;
    const int64_t n = normed.rows(), k = c.expertsUsed, ff = c.expertFeedForward;

    b.matmul(*l.router, routerInput, *w.logits);
    if (l.routerBias) b.addBias(*w.logits, *l.routerBias);
    std::vector<float>& hostLogits = w.hostLogits;
    hostLogits.resize(size_t(n * c.experts));
    for (int64_t t = 0; t < n; ++t) b.readRow(*w.logits, t, std::span<float>(hostLogits.data() + t * c.experts, size_t(c.experts)));
    const ExpertRouting routing = routeExperts(hostLogits, n,
                                               {c.experts, k, c.expertGating, c.normalizeExpertWeights, c.expertWeightsScale,
                                                l.expertSelectionBias, c.expertGroups, c.expertGroupsUsed});
    std::vector<float> weights = routing.weights;
    if (!l.expertOutputScale.empty())  // Gemma 4's per-expert scale of its output, folded into its weight in the mix
        for (size_t i = 0; i < weights.size(); ++i) weights[i] *= l.expertOutputScale[size_t(routing.experts[i])];

    Tensor& results = *w.results;  // row t * k + j: token t's j-th expert's output
    const std::vector<std::vector<int32_t>> byExpert = choicesByExpert(routing, c.experts);
    std::vector<int32_t> tokens;
    for (int64_t e = 0; e < c.experts; ++e) {
        const std::vector<int32_t>& choices = byExpert[size_t(e)];
        if (choices.empty()) continue;
        const int64_t m = int64_t(choices.size());
        ExpertWorkspace::Scratch& s = w.scratch(m, c);
        tokens.clear();
        for (int32_t choice : choices) tokens.push_back(int32_t(choice / k));
        b.gatherRows(normed, tokens, *s.input);
        if (l.expertGateUpFused) {
            b.matmulRows(*l.expertGate, e * 2 * ff + ff, *s.input, *s.up);
            b.matmulRows(*l.expertGate, e * 2 * ff, *s.input, *s.gate);
        } else {
            b.matmulRows(*l.expertUp, e * ff, *s.input, *s.up);
            b.matmulRows(*l.expertGate, e * ff, *s.input, *s.gate);
        }
        if (l.expertUpBias) b.addBiasRow(*s.up, *l.expertUpBias, e);
        if (l.expertGateBias) b.addBiasRow(*s.gate, *l.expertGateBias, e);
        if (c.activation == FeedForwardActivation::SwigluOai) {
            b.swigluOai(*s.gate, *s.up, kOaiAlpha, kOaiLimit, *s.gate);
        } else if (c.activation == FeedForwardActivation::GeluTanh) {
            b.geglu(*s.gate, *s.up, *s.gate);
        } else {
            b.swiglu(*s.gate, *s.up, *s.gate);
        }
        b.matmulRows(*l.expertDown, e * c.embedding, *s.gate, *s.output);
        if (l.expertDownBias) b.addBiasRow(*s.output, *l.expertDownBias, e);
        b.scatterRows(*s.output, choices, results);
    }
    b.weightedRowSum(results, weights, k, out);
}

}  // namespace hearth
