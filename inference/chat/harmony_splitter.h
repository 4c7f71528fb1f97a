// Splits a streamed gpt-oss reply (OpenAI's Harmony format) into reasoning and answer. A reply is
// a run of messages, each "[<|start|>assistant]<|channel|>NAME[ to=RECIPIENT][<|constrain|>TYPE]
// <|message|>CONTENT<|end|>"; the analysis channel is the reasoning, final (and commentary meant
// for the user) the answer. A call of a tool ("commentary to=functions.NAME ... <|message|>ARGS")
// becomes a Hermes-style <tool_call>{"name": NAME, "arguments": ARGS}</tool_call> in the answer,
// which the API server's tool-call parser reads like any other model's. The framing tokens reach
// the splitter as text because the vocabulary renders them in replies
// (Vocabulary::renderedInReplies); a tag split across chunks is held back.
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
    Delta endMessage();  // a tool call's arguments, complete, as the answer's <tool_call>
    State m_state = State::Header;
    std::string m_channel;  // of the message being read
    bool m_toTool = false;  // a message addressed to a tool (to=functions.x): not for the user as it is
    std::string m_tool;  // the function it calls ("get_weather"), "" for another recipient
    std::string m_toolArguments;
    std::string m_pending;
};

}  // namespace hearth
