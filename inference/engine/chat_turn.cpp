#include "engine/chat_turn.h"

#include "chat/chat_prompt.h"
#include "chat/reasoning_splitter.h"

namespace hearth {

ChatTurn::ChatTurn(const Model& model, Session& session)
    : m_model(model), m_session(session), m_formatter(ChatFormatter::fromModelFile(model.file(), model.tokenizer().vocabulary()))
{
}

RenderedChat ChatTurn::render(const std::vector<ChatMessage>& messages, const std::string& replyPrefix, std::optional<bool> thinking,
                              const std::string& toolsJson)
{
    ChatPrompt prompt =
        renderChatPrompt(m_formatter, m_model.tokenizer(), messages, /*addGenerationPrompt=*/true, replyPrefix, thinking, toolsJson);
    return {std::move(prompt.text), std::move(prompt.tokens)};
}

ChatTurnResult ChatTurn::run(const ChatTurnRequest& request, const ChatTurnCallbacks& callbacks)
{
    const RenderedChat prompt = render(request.messages, request.replyPrefix, request.thinking, request.toolsJson);
    ReasoningSplitter splitter(ReasoningSplitter::promptOpensReasoning(prompt.text));
    auto deliver = [&](const ReasoningSplitter::Delta& d) {
        if (callbacks.onDelta && (!d.answer.empty() || !d.reasoning.empty())) callbacks.onDelta(d.answer, d.reasoning);
    };
    GenerateCallbacks generate;
    generate.cancel = callbacks.cancel;
    generate.onContextShift = callbacks.onContextShift;
    generate.onText = [&](const std::string& text) { deliver(splitter.push(text)); };
    const GenerateResult r = m_session.generate(prompt.tokens, request.generate, generate);
    deliver(splitter.flush());
    ChatTurnResult result;
    result.reason = r.reason;
    result.promptTokens = int64_t(prompt.tokens.size());
    result.completionTokens = int64_t(r.tokens.size());
    result.tokensPerSecond = r.generateSeconds > 0 ? double(r.tokens.size()) / r.generateSeconds : 0;
    result.contextShifts = r.contextShifts;
    result.contextUsed = int64_t(m_session.tokens().size());
    return result;
}

}  // namespace hearth
