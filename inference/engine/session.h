// A conversation's live state: the KV cache and the tokens it holds. Evaluating a new prompt
// reuses the longest common prefix with what is cached; generation streams text through
// callbacks and shifts the context when it fills.
#pragma once

#include "backend/backend.h"
#include "engine/generation.h"
#include "model/model.h"
#include "sampling/sampler.h"

#include <atomic>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace hearth {

struct SessionOptions {
    int64_t contextLength = 4096;
    bool f16Cache = true;
    int64_t batchSize = 512;  // prompt tokens per forward pass
    int64_t keepOnShift = -1;  // tokens kept at the start on a context shift; -1: the first prompt's length, capped at half
};

class Session {
public:
    Session(const Model& model, SessionOptions options);

    // Makes the cache hold exactly `prompt` and returns the logits after its last token.
    // Only the part after the longest common prefix with the cache is evaluated.
    std::span<const float> evaluate(std::span<const TokenId> prompt);
    // Appends one token, shifting the context first when it is full; returns its logits.
    std::span<const float> decode(TokenId token);
    // evaluate(prompt), then sample and stream until a stop condition.
    GenerateResult generate(std::span<const TokenId> prompt, const GenerateOptions& options, const GenerateCallbacks& callbacks);

    const std::vector<TokenId>& tokens() const { return m_tokens; }
    int shifts() const { return m_shifts; }
    int64_t lastEvaluatedCount() const { return m_lastEvaluated; }
    int contextShifts() const { return m_shifts; }
    const KvCache& cache() const { return *m_cache; }
    // Drops the oldest half of the tokens after the kept prefix (see SessionOptions::keepOnShift).
    int64_t shiftContext();

private:
    void evaluateFrom(std::span<const TokenId> tokens, int64_t firstSlot);

    const Model& m_model;
    SessionOptions m_options;
    std::unique_ptr<KvCache> m_cache;
    std::vector<TokenId> m_tokens;
    std::vector<float> m_logits;
    int64_t m_lastEvaluated = 0;
    int64_t m_keep = 0;
    int m_shifts = 0;
};

}  // namespace hearth
