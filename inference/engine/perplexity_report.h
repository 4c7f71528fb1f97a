// What a perplexity run asks for and reports, including llama.cpp's KL-divergence statistics
// (part of the engine's public door: engine.h includes it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace hearth {

struct PerplexityRequest {
    std::string text;  // tokenized with BOS; unused when compareLogitsPath is set
    int64_t context = 512;
    int64_t maxChunks = 0;  // 0: every chunk the text has
    std::string saveLogitsPath;  // write llama.cpp's --kl-divergence-base file
    std::string compareLogitsPath;  // read one (llama.cpp's or ours): its tokens and context are used
};

// A value with llama.cpp's "±" uncertainty.
struct Estimate {
    double value = 0;
    double uncertainty = 0;
};

// The statistics llama-perplexity --kl-divergence prints, computed the same way.
struct KlDivergenceReport {
    int64_t tokens = 0;
    Estimate pplQ, pplBase;
    double logPplCorrelation = 0;
    Estimate logPplRatio, pplRatio, pplDifference;
    Estimate meanKld;
    // KLD quantiles: maximum, 99.9, 99, 95, 90, median, 10, 5, 1, 0.1 %, minimum.
    double kldQuantiles[11] = {};
    Estimate meanDeltaP;  // Δp = p(token) - p_base(token), as fractions
    // Δp quantiles: maximum, 99.9, 99, 95, 90, 75, median, 25, 10, 5, 1, 0.1 %, minimum.
    double deltaPQuantiles[13] = {};
    Estimate rmsDeltaP;
    Estimate sameTop;  // fraction of tokens whose most likely next token is the base's
};

struct PerplexityReport {
    int chunks = 0;
    int64_t scoredTokens = 0;
    double perplexity = 0;
    double uncertainty = 0;
    std::optional<KlDivergenceReport> kld;  // when compared with a logits file
};

// llama.cpp's "====== Perplexity statistics ======" … "Same top p" block, line for line.
std::string formatKlDivergenceReport(const KlDivergenceReport& report);

}  // namespace hearth
