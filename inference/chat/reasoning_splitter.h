// Splits a streamed reply of a reasoning model (DeepSeek-R1 style "<think>…</think>answer",
// Gemma 4's "<|channel>thought\n…<channel|>answer") into reasoning and answer as tokens arrive. Tags split across chunks are held back until
// they are complete. A prompt that already opened <think> (the R1 distills' generation
// prompt) starts the reply inside the reasoning.
#pragma once

#include <string>

namespace hearth {

// The markers around a reply's reasoning.
struct ReasoningTags {
    std::string open = "<think>", close = "</think>";
    bool trimLeadingNewlines = false;  // the newline after Gemma 4's "thought" is the channel's syntax, not reasoning
};

class ReasoningSplitter {
public:
    struct Delta {
        std::string reasoning;
        std::string answer;
    };
    using Tags = ReasoningTags;
    static Tags gemma4Tags() { return {"<|channel>thought", "<channel|>", true}; }

    explicit ReasoningSplitter(bool startsInReasoning = false, Tags tags = {});
    // True when a rendered prompt ends inside an opened reasoning block.
    static bool promptOpensReasoning(const std::string& prompt, const Tags& tags = {});

    Delta push(const std::string& text);
    Delta flush();  // the end of the reply: release anything held back
    bool inReasoning() const { return m_state == State::Reasoning; }

private:
    enum class State { Start, Reasoning, Answer };
    State m_state;
    Tags m_tags;
    std::string m_pending;
    bool m_trimNewlines = false;  // the reasoning's first newlines follow its open marker: dropped
};

}  // namespace hearth
