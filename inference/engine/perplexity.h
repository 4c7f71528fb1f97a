// Perplexity the way llama.cpp's perplexity tool measures it, so our numbers are directly
// comparable: tokenize the whole text with BOS, cut it into chunks of `context` tokens, put
// BOS in place of each chunk's first token, and score only the second half of each chunk.
// With a saved-logits file (llama.cpp's format, engine/logits_file.h) the same run writes the
// base for a later comparison, or compares with one on the file's own tokens (KL divergence).
#pragma once

#include "engine/perplexity_report.h"
#include "model/model.h"

#include <functional>

namespace hearth {

// onChunk(chunkIndex, reportSoFar) after each chunk. Throws hearth::Error when the text is
// shorter than one chunk, or when a logits file does not match the model.
PerplexityReport measurePerplexity(const Model& model, const PerplexityRequest& request, bool f16Cache,
                                   const std::function<void(int, const PerplexityReport&)>& onChunk = {});

}  // namespace hearth
