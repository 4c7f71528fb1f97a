// One chat turn on a loaded model: the conversation rendered by the model's chat format (its
// own template or its family's), message text kept out of control tokens, the BOS rule, the
// reply generated on the conversation's session (its cache reused across turns), stop strings,
// and the reply split into reasoning and answer as it streams. Behind Engine::chat.
#pragma once

#include "chat/chat_formatter.h"
#include "engine/engine.h"
#include "engine/session.h"

namespace hearth {

class ChatTurn {
public:
    ChatTurn(const Model& model, Session& session);

    const std::string& formatDescription() const { return m_formatter.description(); }
    bool hasThinkingSwitch() const { return m_formatter.hasThinkingSwitch(); }
    bool hasReasoningEffort() const { return m_formatter.hasReasoningEffort(); }
    bool supportsTools() const { return m_formatter.supportsTools(); }
    std::string toolCallFormat() const;
    RenderedChat render(const std::vector<ChatMessage>& messages, const std::string& replyPrefix, std::optional<bool> thinking,
                        const std::string& toolsJson = {});
    ChatTurnResult run(const ChatTurnRequest& request, const ChatTurnCallbacks& callbacks);

private:
    const Model& m_model;
    Session& m_session;
    ChatFormatter m_formatter;
};

}  // namespace hearth
