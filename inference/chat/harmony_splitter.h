// Splits a streamed gpt-oss reply (OpenAI's Harmony format) into reasoning and answer. A reply is
// a run of messages, each "[<|start|>assistant]<|channel|>NAME[ to=RECIPIENT][<|constrain|>TYPE]
// <|message|>CONTENT<|end|>"; the analysis channel is the reasoning, final (and commentary meant
// for the user) the answer. The framing tokens reach the splitter as text because the vocabulary
// renders them in replies (Vocabulary::renderedInReplies); a tag split across chunks is held back.
#pragma once

#include "chat/reasoning_splitter.h"

#include <string>

namespace hearth {

class HarmonySplitter {
public:
    using Delta = ReasoningSplitter::Delta;
    // The text that opens the answer channel: what a constrained (JSON) answer starts after.
    static constexpr const char* kFinalChannel = "<|channel|>final<|message|>";

    Delta push(const std::string& text);
    Delta flush();
    bool inReasoning() const { return m_state == State::Content && m_channel == "analysis"; }

private:
    enum class State { Header, Content };
    Delta release(size_t count);  // the first count bytes of m_pending, to the current channel
    State m_state = State::Header;
    std::string m_channel;  // of the message being read
    bool m_toTool = false;  // a commentary message addressed to a tool (to=functions.x): not for the user
    std::string m_pending;
};

}  // namespace hearth
