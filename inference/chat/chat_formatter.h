// Chooses how to format a model's conversations: its own chat template when it has one that
// renders, otherwise a known family's format picked from its special tokens. Says which.
#pragma once

#include "chat/chat_template.h"
#include "tokenizer/vocabulary.h"

#include <memory>
#include <string>

namespace hearth {

class GgufFile;

enum class ChatFamily { ChatML, Llama2, Llama3, Mistral, Zephyr, DeepSeekR1, Gemma, Phi3 };
const char* chatFamilyName(ChatFamily family);
// The built-in template of a family (Jinja source, rendered by the same interpreter).
const std::string& familyTemplateSource(ChatFamily family);
// The family a vocabulary's special tokens point to (ChatML when nothing matches).
ChatFamily guessChatFamily(const Vocabulary& vocabulary, const std::string& architecture);

class ChatFormatter {
public:
    // templateSource: tokenizer.chat_template ("" when absent).
    ChatFormatter(const std::string& templateSource, const Vocabulary& vocabulary, const std::string& architecture);
    static ChatFormatter fromModelFile(const GgufFile& file, const Vocabulary& vocabulary);

    // Renders with the model's template; if that fails, with the family fallback (and
    // description() says so). Throws only if both fail.
    // toolsJson: OpenAI's `tools` (JSON text); only a model template that renders tools takes
    // them (Error(InvalidArgument) otherwise: a built-in format would drop them silently).
    std::string render(const std::vector<ChatMessage>& messages, bool addGenerationPrompt, std::optional<bool> thinking = {},
                       const std::string& toolsJson = {});
    // Whether the model's own template has a thinking switch (the built-in formats have none).
    bool hasThinkingSwitch() const { return m_modelTemplate && m_modelTemplate->hasThinkingSwitch(); }
    // gpt-oss: the switch is a reasoning effort (on high, off low, unset medium).
    bool hasReasoningEffort() const { return m_modelTemplate && m_modelTemplate->hasHarmonyEffort(); }
    const std::string& description() const { return m_description; }
    bool usesModelTemplate() const { return m_modelTemplate != nullptr; }
    bool supportsTools() const { return m_modelTemplate && m_modelTemplate->supportsTools(); }
    // The model's own template source ("" when a built-in format is used).
    std::string modelTemplateSource() const { return m_modelTemplate ? m_modelTemplate->source() : std::string(); }

private:
    void useFallback(const std::string& why);

    std::unique_ptr<ChatTemplate> m_modelTemplate;
    std::unique_ptr<ChatTemplate> m_fallback;
    ChatFamily m_family;
    std::string m_bos, m_eos;
    std::string m_description;
};

}  // namespace hearth
