// A conversation's live state: the KV cache and the tokens it holds. Evaluating a new prompt
// reuses the longest common prefix with what is cached (for a hybrid model, whose recurrent
// state cannot be cut back, the longest checkpointed prefix within it); generation streams text
// through callbacks and shifts the context when it fills.
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
    // Hybrid models (recurrent layers): a checkpoint of the recurrent state every this many
    // tokens of a long prompt, besides the one at the end of every prompt.
    int64_t checkpointInterval = 1024;
};

class Session {
public:
    Session(const Model& model, SessionOptions options);

    // Makes the cache hold exactly `prompt` and returns the logits after its last token.
    // Only the part after the longest common prefix with the cache is evaluated.
    std::span<const float> evaluate(std::span<const TokenId> prompt);
    // Appends one token, shifting the context first when it is full; returns its logits.
    std::span<const float> decode(TokenId token);
    // decode() for a sampler that needs only the `count` best logits (Model::forwardBest).
    std::span<const LogitCandidate> decodeBest(TokenId token, int64_t count);
    // evaluate(prompt), then sample and stream until a stop condition.
    GenerateResult generate(std::span<const TokenId> prompt, const GenerateOptions& options, const GenerateCallbacks& callbacks);

    const std::vector<TokenId>& tokens() const { return m_tokens; }
    int shifts() const { return m_shifts; }
    int64_t lastEvaluatedCount() const { return m_lastEvaluated; }
    int contextShifts() const { return m_shifts; }
    const KvCache& cache() const { return *m_cache; }
    // Hybrid models: the recurrent-state checkpoints held now (at most kRecurrentCheckpoints) and
    // the positions they were taken at, oldest first.
    std::vector<int64_t> checkpointPositions() const;
    // Drops the oldest half of the tokens after the kept prefix (see SessionOptions::keepOnShift).
    int64_t shiftContext();

private:
    void evaluateFrom(std::span<const TokenId> tokens, int64_t firstSlot);
    std::span<const float> evaluateRecurrent(std::span<const TokenId> prompt, int64_t common);
    // A hybrid model's recurrent state cannot be cut back like a KV cache: these are copies of it
    // after a prefix of tokens (with the logits after it), to rewind to instead of starting over.
    struct Checkpoint {
        std::vector<TokenId> tokens;
        std::vector<float> state, logits;
        uint64_t lastUse = 0;
    };
    bool recurrent() const { return m_cache->hasRecurrent(); }
    void saveCheckpoint(int64_t length);  // after m_tokens' first `length` tokens, which the cache holds now
    // Restores the longest checkpoint whose tokens are a prefix of `tokens` no longer than
    // `limit` (the KV cache must still hold them), or starts the state over; returns its length.
    int64_t restoreCheckpoint(std::span<const TokenId> tokens, int64_t limit);
    std::vector<Checkpoint> m_checkpoints;
    uint64_t m_useClock = 0;

    const Model& m_model;
    SessionOptions m_options;
    std::unique_ptr<KvCache> m_cache;
    std::vector<TokenId> m_tokens;
    std::vector<float> m_logits;  // after m_tokens, or empty after decodeBest
    std::vector<LogitCandidate> m_best;
    int64_t m_lastEvaluated = 0;
    int64_t m_keep = 0;
    int m_shifts = 0;
};

}  // namespace hearth
