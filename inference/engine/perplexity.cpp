#include "engine/perplexity.h"

#include "core/error.h"
#include "engine/kl_divergence.h"
#include "engine/logits_file.h"

#include <cmath>
#include <optional>

namespace hearth {

namespace {

// Running negative log-likelihood, llama.cpp's "Final estimate" arithmetic.
struct NllSum {
    double sum = 0, sum2 = 0;
    int64_t count = 0;

    void add(double nll)
    {
        sum += nll;
        sum2 += nll * nll;
        ++count;
    }
    void fill(PerplexityReport& r) const
    {
        const double mean = sum / double(count), meanSquare = sum2 / double(count);
        r.scoredTokens = count;
        r.perplexity = std::exp(mean);
        const double variance = meanSquare - mean * mean;
        r.uncertainty = variance > 0 && count > 1 ? std::sqrt(variance / double(count - 1)) * r.perplexity : 0;
    }
};

double negativeLogLikelihood(std::span<const float> row, TokenId target)
{
    float maxLogit = row[0];
    for (float l : row) maxLogit = std::max(maxLogit, l);
    double sumExp = 0;
    for (float l : row) sumExp += std::exp(double(l - maxLogit));
    return std::log(sumExp) - double(row[size_t(target)] - maxLogit);
}

}  // namespace

PerplexityReport measurePerplexity(const Model& model, const PerplexityRequest& request, bool f16Cache,
                                   const std::function<void(int, const PerplexityReport&)>& onChunk)
{
    const Tokenizer& tokenizer = model.tokenizer();
    const ModelConfig& c = model.config();
    std::optional<LogitsFileReader> base;
    std::vector<TokenId> tokens;
    int64_t context = request.context;
    if (!request.compareLogitsPath.empty()) {
        base.emplace(request.compareLogitsPath);
        const LogitsFileHeader& h = base->header();
        if (h.vocabulary != c.vocabulary)
            throw Error(ErrorCode::InvalidArgument,
                        request.compareLogitsPath + ": the logits are over " + std::to_string(h.vocabulary) +
                            " tokens, the model's vocabulary has " + std::to_string(c.vocabulary));
        context = h.context;
        tokens.assign(h.tokens.begin(), h.tokens.end());
    } else {
        tokens = tokenizer.encode(request.text, /*addSpecial=*/true, /*parseSpecial=*/false);
    }
    int64_t chunks = context >= 4 ? int64_t(tokens.size()) / context : 0;
    if (request.maxChunks > 0) chunks = std::min(chunks, request.maxChunks);
    if (chunks < 1)
        throw Error(ErrorCode::InvalidArgument,
                    "the text has " + std::to_string(tokens.size()) + " tokens; perplexity needs at least one chunk of " +
                        std::to_string(context));

    std::optional<LogitsFileWriter> save;
    if (!request.saveLogitsPath.empty()) {
        LogitsFileHeader h {int32_t(context), int32_t(c.vocabulary), int32_t(chunks), {}};
        h.tokens.assign(tokens.begin(), tokens.begin() + chunks * context);
        save.emplace(request.saveLogitsPath, h);
    }
    const size_t rowLength = logProbRowLength(int32_t(c.vocabulary));
    std::vector<uint16_t> encodedRows(save ? size_t(context - 1 - context / 2) * rowLength : 0);

    auto cache = model.makeKvCache(context, f16Cache, {});
    const auto bos = tokenizer.vocabulary().bos;
    const int64_t first = context / 2;
    PerplexityReport report;
    NllSum nll;
    KlDivergenceAccumulator kld;
    std::vector<float> logits;
    for (int64_t chunk = 0; chunk < chunks; ++chunk) {
        std::vector<TokenId> batch(tokens.begin() + chunk * context, tokens.begin() + (chunk + 1) * context);
        if (bos && tokenizer.vocabulary().addBos) batch[0] = *bos;
        model.forward(batch, 0, *cache, /*allLogits=*/true, logits);
        const std::vector<uint16_t>* baseRows = base ? &base->readChunk() : nullptr;
        for (int64_t j = first; j < context - 1; ++j) {
            const std::span<const float> row(logits.data() + j * c.vocabulary, size_t(c.vocabulary));
            const TokenId target = tokens[size_t(chunk * context + j + 1)];
            const size_t rowIndex = size_t(j - first);
            if (save) {
                nll.add(encodeLogProbRow(row, target, std::span<uint16_t>(encodedRows.data() + rowIndex * rowLength, rowLength)));
            } else {
                nll.add(negativeLogLikelihood(row, target));
            }
            if (baseRows) kld.add(row, std::span<const uint16_t>(baseRows->data() + rowIndex * rowLength, rowLength), target);
        }
        if (save) save->writeChunk(encodedRows);
        report.chunks = int(chunk + 1);
        nll.fill(report);
        if (base) report.kld = kld.report();
        if (onChunk) onChunk(int(chunk), report);
    }
    if (save) save->finish();
    return report;
}

}  // namespace hearth
