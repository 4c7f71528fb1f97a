// Splits a streamed reply of a reasoning model (DeepSeek-R1 style "<think>…</think>answer")
// into reasoning and answer as tokens arrive. Tags split across chunks are held back until
// they are complete. A prompt that already opened <think> (the R1 distills' generation
// prompt) starts the reply inside the reasoning.
#pragma once

#include <string>

namespace hearth {

class ReasoningSplitter {
public:
    struct Delta {
        std::string reasoning;
        std::string answer;
    };

    explicit ReasoningSplitter(bool startsInReasoning = false);
    // True when a rendered prompt ends inside an opened <think> block.
    static bool promptOpensReasoning(const std::string& prompt);

    Delta push(const std::string& text);
    Delta flush();  // the end of the reply: release anything held back
    bool inReasoning() const { return m_state == State::Reasoning; }

private:
    enum class State { Start, Reasoning, Answer };
    State m_state;
    std::string m_pending;
};

}  // namespace hearth
