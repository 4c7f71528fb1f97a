#include "engine/chat_turn.h"

#include "chat/chat_prompt.h"
#include "chat/harmony_splitter.h"
#include "chat/reasoning_splitter.h"

#include <algorithm>

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

std::string ChatTurn::toolCallFormat() const
{
    if (!m_formatter.supportsTools()) return {};
    const std::string source = m_formatter.modelTemplateSource();
    if (source.find("<tool_call>") != std::string::npos) return "hermes";  // Qwen 2.5/3, Hermes, SmolLM3 …
    if (source.find("<|python_tag|>") != std::string::npos || source.find("\"parameters\"") != std::string::npos) return "llama3";
    return {};
}

ChatTurnResult ChatTurn::run(const ChatTurnRequest& request, const ChatTurnCallbacks& callbacks)
{
    // Structured output asks for the value, not a long think first: a template with a thinking
    // switch gets it off unless the caller chose.
    std::optional<bool> thinking = request.thinking;
    if (request.generate.jsonSchema && !thinking && m_formatter.hasThinkingSwitch()) thinking = false;
    const RenderedChat prompt = render(request.messages, request.replyPrefix, thinking, request.toolsJson);
    // gpt-oss frames its reply in Harmony channels; the others may think in <think> tags.
    const Vocabulary& vocabulary = m_model.tokenizer().vocabulary();
    const bool harmony = vocabulary.harmony;
    // Gemma 4 thinks in a "thought" channel; the others in <think> tags.
    const bool channels = std::find(vocabulary.tokens.begin(), vocabulary.tokens.end(), "<|channel>") != vocabulary.tokens.end();
    const ReasoningSplitter::Tags tags = channels ? ReasoningSplitter::gemma4Tags() : ReasoningSplitter::Tags {};
    const bool opensReasoning = ReasoningSplitter::promptOpensReasoning(prompt.text, tags);
    ReasoningSplitter thinkSplitter(opensReasoning, tags);
    HarmonySplitter harmonySplitter;
    auto deliver = [&](const ReasoningSplitter::Delta& d) {
        if (callbacks.onDelta && (!d.answer.empty() || !d.reasoning.empty())) callbacks.onDelta(d.answer, d.reasoning);
    };
    auto split = [&](const std::string& text) { return harmony ? harmonySplitter.push(text) : thinkSplitter.push(text); };
    GenerateCallbacks generate;
    generate.cancel = callbacks.cancel;
    generate.onContextShift = callbacks.onContextShift;
    generate.onText = [&](const std::string& text) { deliver(split(text)); };
    GenerateResult r;
    if (request.generate.jsonSchema && (opensReasoning || harmony)) {
        // A template that opens <think> itself (the R1 distills), or Harmony's channels: the model
        // thinks freely up to </think> (up to the final channel), then the answer is the
        // constrained value, on the same session.
        const std::string answerStarts = harmony ? HarmonySplitter::kFinalChannel : tags.close;
        GenerateOptions think = request.generate;
        think.jsonSchema.reset();
        think.stopStrings = {answerStarts};
        r = m_session.generate(prompt.tokens, think, generate);
        const int64_t left = request.generate.maxTokens - int64_t(r.tokens.size());
        if (r.reason == FinishReason::Stop && left > 0) {
            deliver(split(answerStarts));  // the stop string itself is not emitted
            std::vector<TokenId> continued = prompt.tokens;
            continued.insert(continued.end(), r.tokens.begin(), r.tokens.end());
            GenerateOptions answer = request.generate;
            answer.maxTokens = left;
            const GenerateResult a = m_session.generate(continued, answer, generate);
            r.reason = a.reason;
            r.tokens.insert(r.tokens.end(), a.tokens.begin(), a.tokens.end());
            r.text += a.text;
            r.generateSeconds += a.promptSeconds + a.generateSeconds;
            r.contextShifts += a.contextShifts;
        }
    } else {
        r = m_session.generate(prompt.tokens, request.generate, generate);
    }
    deliver(harmony ? harmonySplitter.flush() : thinkSplitter.flush());
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
