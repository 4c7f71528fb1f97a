// What a generation is asked to do and what it reports: the value types shared by the session,
// the chat turn and the engine's door (no backend or model types here).
#pragma once

#include "sampling/sampler.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hearth {

enum class FinishReason { Stop, Length, Cancelled };
const char* finishReasonName(FinishReason reason);

struct GenerateOptions {
    int64_t maxTokens = 256;
    SamplerSettings sampler;
    std::vector<std::string> stopStrings;
    // Structured output: the reply is one JSON value matching this JSON schema ("{}": any JSON
    // value; unset: free text). Tokens that would break it are never sampled, and generation
    // ends when the value is complete. See sampling/json_constraint.h for the schema subset.
    std::optional<std::string> jsonSchema;
    // Sample from only the best few logits when the sampler allows it (Sampler::bestNeeded):
    // the same tokens, and a GPU sends back a few values per token instead of the vocabulary.
    // false: every logit is read back, always (for comparing the two).
    bool bestLogitsOnly = true;
};

struct GenerateCallbacks {
    std::function<void(const std::string& text)> onText;  // complete UTF-8 only
    std::function<void(int64_t discarded)> onContextShift;
    const std::atomic<bool>* cancel = nullptr;  // checked before every token
};

struct GenerateResult {
    FinishReason reason = FinishReason::Stop;
    std::vector<TokenId> tokens;  // generated tokens
    std::string text;
    int64_t promptTokensEvaluated = 0;  // after prefix reuse
    double promptSeconds = 0;
    double generateSeconds = 0;
    int contextShifts = 0;
};

}  // namespace hearth
