#include "engine/perplexity.h"

#include "core/error.h"

#include <cmath>

namespace hearth {

PerplexityResult measurePerplexity(const Model& model, const std::string& text, int64_t context, bool f16Cache,
                                   const std::function<void(int, double)>& onChunk)
{
    const Tokenizer& tokenizer = model.tokenizer();
    std::vector<TokenId> tokens = tokenizer.encode(text, /*addSpecial=*/true, /*parseSpecial=*/false);
    const int64_t chunks = int64_t(tokens.size()) / context;
    if (chunks < 1 || context < 4)
        throw Error(ErrorCode::InvalidArgument,
                    "the text has " + std::to_string(tokens.size()) + " tokens; perplexity needs at least one chunk of " +
                        std::to_string(context));
    const ModelConfig& c = model.config();
    auto cache = model.backend().kvCache(c.layers, context, c.kvDim(), f16Cache);
    const auto bos = tokenizer.vocabulary().bos;
    const int64_t first = context / 2;

    PerplexityResult r;
    double nll = 0, nll2 = 0;
    std::vector<float> logits;
    for (int64_t chunk = 0; chunk < chunks; ++chunk) {
        std::vector<TokenId> batch(tokens.begin() + chunk * context, tokens.begin() + (chunk + 1) * context);
        if (bos && tokenizer.vocabulary().addBos) batch[0] = *bos;
        model.forward(batch, 0, *cache, /*allLogits=*/true, logits);
        for (int64_t j = first; j < context - 1; ++j) {
            const float* row = logits.data() + j * c.vocabulary;
            const TokenId target = tokens[size_t(chunk * context + j + 1)];
            float maxLogit = row[0];
            for (int64_t v = 1; v < c.vocabulary; ++v) maxLogit = std::max(maxLogit, row[v]);
            double sumExp = 0;
            for (int64_t v = 0; v < c.vocabulary; ++v) sumExp += std::exp(double(row[v] - maxLogit));
            const double logProb = double(row[target] - maxLogit) - std::log(sumExp);
            nll -= logProb;
            nll2 += logProb * logProb;
            ++r.scoredTokens;
        }
        ++r.chunks;
        if (onChunk) onChunk(int(chunk), std::exp(nll / double(r.scoredTokens)));
    }
    const double mean = nll / double(r.scoredTokens);
    const double meanSquare = nll2 / double(r.scoredTokens);
    r.perplexity = std::exp(mean);
    const double variance = meanSquare - mean * mean;
    r.uncertainty = variance > 0 && r.scoredTokens > 1 ? std::sqrt(variance / double(r.scoredTokens - 1)) * r.perplexity : 0;
    return r;
}

}  // namespace hearth
