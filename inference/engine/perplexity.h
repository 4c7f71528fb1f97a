// Perplexity the way llama.cpp's perplexity tool measures it, so our numbers are directly
// comparable: tokenize the whole text with BOS, cut it into chunks of `context` tokens, put
// BOS in place of each chunk's first token, and score only the second half of each chunk.
#pragma once

#include "model/model.h"

#include <functional>
#include <string>

namespace hearth {

struct PerplexityResult {
    int chunks = 0;
    int64_t scoredTokens = 0;
    double perplexity = 0;
    double uncertainty = 0;  // the ± of llama.cpp's "Final estimate"
};

// onChunk(chunkIndex, runningPerplexity) after each chunk. Throws hearth::Error when the
// text is shorter than one chunk.
PerplexityResult measurePerplexity(const Model& model, const std::string& text, int64_t context, bool f16Cache,
                                   const std::function<void(int, double)>& onChunk = {});

}  // namespace hearth
