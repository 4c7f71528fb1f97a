// A model's chat template: turns a conversation into the exact prompt text the model was
// trained on, by rendering its Jinja `tokenizer.chat_template` with Hearth's interpreter.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hearth {

namespace jinja {
struct Template;
}

struct ChatMessage {
    std::string role;  // "system", "user", "assistant", "tool"
    std::string content;
    std::optional<std::string> reasoning;  // passed to templates as `reasoning_content`
    // Tool use (OpenAI's shapes, as JSON text): an assistant's `tool_calls` array, and a tool
    // message's `tool_call_id` and function `name`.
    std::string toolCallsJson;
    std::string toolCallId;
    std::string name;
};

struct ChatTemplateInputs {
    std::vector<ChatMessage> messages;
    bool addGenerationPrompt = true;
    std::string bosToken;
    std::string eosToken;
    // The chat's Think switch: set, it is passed as `enable_thinking` (Qwen3, SmolLM3, DeepSeek V3.1)
    // and `thinking` (DeepSeek V3.1, Granite 3.3), and as gpt-oss's `reasoning_effort` (on: "high",
    // off: "low"); unset, the template's own default applies (gpt-oss: "medium").
    std::optional<bool> thinking;
    // OpenAI's `tools` array as JSON text ("" when none): the template renders it as `tools`.
    std::string toolsJson;
};

class ChatTemplate {
public:
    // Parses the template; throws hearth::Error(InvalidArgument) with the line of a syntax error.
    explicit ChatTemplate(const std::string& source);
    // Whether the template reads a thinking switch (enable_thinking / thinking / gpt-oss's reasoning_effort).
    bool hasThinkingSwitch() const;
    // gpt-oss's Harmony template, whose reasoning_effort the Think switch sets.
    bool hasHarmonyEffort() const;
    // Whether the template renders a `tools` list (function calling).
    bool supportsTools() const;
    // Renders; throws hearth::Error(InvalidArgument) when the template raises or runs away.
    std::string render(const ChatTemplateInputs& inputs) const;
    const std::string& source() const { return m_source; }

private:
    std::string m_source;
    std::shared_ptr<jinja::Template> m_template;
};

}  // namespace hearth
