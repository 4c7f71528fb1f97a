#include "chat/chat_formatter.h"

#include "core/error.h"
#include "gguf/gguf_file.h"

#include <algorithm>
#include <map>

namespace hearth {

const char* chatFamilyName(ChatFamily family)
{
    switch (family) {
    case ChatFamily::ChatML: return "ChatML";
    case ChatFamily::Llama2: return "Llama 2";
    case ChatFamily::Llama3: return "Llama 3";
    case ChatFamily::Mistral: return "Mistral";
    case ChatFamily::Zephyr: return "Zephyr/TinyLlama";
    case ChatFamily::DeepSeekR1: return "DeepSeek R1/V3";
    case ChatFamily::Gemma: return "Gemma";
    case ChatFamily::Phi3: return "Phi-3";
    }
    return "?";
}

const std::string& familyTemplateSource(ChatFamily family)
{
    // Written from each family's published prompt format; system prompts go where the family
    // expects them (Gemma and Mistral have none: it is prefixed to the first user turn).
    static const std::map<ChatFamily, std::string> sources = {
        {ChatFamily::ChatML,
         "{% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{% endfor %}"
         "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"},
        {ChatFamily::Llama3,
         "{{ bos_token }}{% for m in messages %}{{ '<|start_header_id|>' + m.role + '<|end_header_id|>\\n\\n' + m.content | trim + "
         "'<|eot_id|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}"},
        {ChatFamily::Llama2,
         "{% set ns = namespace(system='') %}{% for m in messages %}{% if m.role == 'system' %}{% set ns.system = m.content %}"
         "{% elif m.role == 'user' %}{{ bos_token + '[INST] ' }}{% if ns.system %}{{ '<<SYS>>\\n' + ns.system + '\\n<</SYS>>\\n\\n' }}"
         "{% set ns.system = '' %}{% endif %}{{ m.content | trim + ' [/INST]' }}{% else %}{{ ' ' + m.content | trim + ' ' + eos_token }}"
         "{% endif %}{% endfor %}"},
        {ChatFamily::Mistral,
         "{{ bos_token }}{% set ns = namespace(system='') %}{% for m in messages %}{% if m.role == 'system' %}"
         "{% set ns.system = m.content + '\\n\\n' %}{% elif m.role == 'user' %}{{ '[INST] ' + ns.system + m.content + ' [/INST]' }}"
         "{% set ns.system = '' %}{% else %}{{ m.content + eos_token }}{% endif %}{% endfor %}"},
        {ChatFamily::Zephyr,
         "{% for m in messages %}{{ '<|' + m.role + '|>\\n' + m.content + eos_token + '\\n' }}{% endfor %}"
         "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}"},
        {ChatFamily::DeepSeekR1,
         "{{ bos_token }}{% for m in messages %}{% if m.role == 'system' %}{{ m.content }}{% endif %}{% endfor %}"
         "{% for m in messages %}{% if m.role == 'user' %}{{ '<｜User｜>' + m.content }}{% elif m.role == 'assistant' %}"
         "{% set content = m.content %}{% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}{% endif %}"
         "{{ '<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>' }}{% endif %}{% endfor %}"
         "{% if add_generation_prompt %}{{ '<｜Assistant｜><think>\\n' }}{% endif %}"},
        {ChatFamily::Gemma,
         "{{ bos_token }}{% set ns = namespace(system='') %}{% for m in messages %}{% if m.role == 'system' %}"
         "{% set ns.system = m.content + '\\n\\n' %}{% else %}{{ '<start_of_turn>' + ('model' if m.role == 'assistant' else 'user') + "
         "'\\n' + (ns.system if m.role == 'user' else '') + m.content | trim + '<end_of_turn>\\n' }}{% if m.role == 'user' %}"
         "{% set ns.system = '' %}{% endif %}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<start_of_turn>model\\n' }}{% endif "
         "%}"},
        {ChatFamily::Phi3,
         "{% for m in messages %}{{ '<|' + m.role + '|>\\n' + m.content + '<|end|>\\n' }}{% endfor %}"
         "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}"},
    };
    return sources.at(family);
}

ChatFamily guessChatFamily(const Vocabulary& v, const std::string& architecture)
{
    auto has = [&](const char* token) { return std::find(v.tokens.begin(), v.tokens.end(), token) != v.tokens.end(); };
    if (has("<｜User｜>")) return ChatFamily::DeepSeekR1;
    if (has("<|start_header_id|>")) return ChatFamily::Llama3;
    if (has("<|im_start|>")) return ChatFamily::ChatML;
    if (has("<start_of_turn>")) return ChatFamily::Gemma;
    if (has("<|user|>") && has("<|end|>")) return ChatFamily::Phi3;
    if (has("<|user|>")) return ChatFamily::Zephyr;
    if (has("[INST]")) return ChatFamily::Mistral;
    if (architecture == "llama" && v.kind == Vocabulary::Kind::SentencePiece) return ChatFamily::Llama2;
    return ChatFamily::ChatML;
}

ChatFormatter::ChatFormatter(const std::string& templateSource, const Vocabulary& vocabulary, const std::string& architecture)
    : m_family(guessChatFamily(vocabulary, architecture))
{
    if (vocabulary.bos) m_bos = vocabulary.tokens[size_t(*vocabulary.bos)];
    if (vocabulary.eos) m_eos = vocabulary.tokens[size_t(*vocabulary.eos)];
    if (templateSource.empty()) {
        useFallback("the model has no chat template");
        return;
    }
    try {
        m_modelTemplate = std::make_unique<ChatTemplate>(templateSource);
        m_description = "the model's own chat template";
    } catch (const Error& e) {
        useFallback(std::string("its template cannot be read: ") + e.what());
    }
}

ChatFormatter ChatFormatter::fromModelFile(const GgufFile& file, const Vocabulary& vocabulary)
{
    return ChatFormatter(std::string(file.getString("tokenizer.chat_template").value_or("")), vocabulary,
                         std::string(file.getString("general.architecture").value_or("")));
}

void ChatFormatter::useFallback(const std::string& why)
{
    m_modelTemplate.reset();
    m_fallback = std::make_unique<ChatTemplate>(familyTemplateSource(m_family));
    m_description = std::string("built-in ") + chatFamilyName(m_family) + " format (" + why + ")";
}

std::string ChatFormatter::render(const std::vector<ChatMessage>& messages, bool addGenerationPrompt, std::optional<bool> thinking,
                                  const std::string& toolsJson)
{
    ChatTemplateInputs inputs {messages, addGenerationPrompt, m_bos, m_eos, thinking, toolsJson};
    bool toolMessages = !toolsJson.empty();
    for (const auto& m : messages) toolMessages = toolMessages || m.role == "tool" || !m.toolCallsJson.empty();
    if (toolMessages && !(m_modelTemplate && m_modelTemplate->supportsTools()))
        throw Error(ErrorCode::InvalidArgument, "this model's chat format (" + m_description + ") has no tool calling");
    if (m_modelTemplate && toolMessages) return m_modelTemplate->render(inputs);  // no fallback would keep the tools
    if (m_modelTemplate) {
        try {
            return m_modelTemplate->render(inputs);
        } catch (const Error& e) {
            useFallback(std::string("its template failed: ") + e.what());
        }
    }
    return m_fallback->render(inputs);
}

}  // namespace hearth
