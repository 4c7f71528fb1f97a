#include "chat/chat_template.h"

#include "chat/jinja_interpreter.h"
#include "core/error.h"

namespace hearth {

ChatTemplate::ChatTemplate(const std::string& source) : m_source(source)
{
    try {
        m_template = jinja::parseTemplate(source);
    } catch (const jinja::TemplateError& e) {
        throw Error(ErrorCode::InvalidArgument, std::string("chat template: ") + e.what());
    }
}

bool ChatTemplate::hasThinkingSwitch() const
{
    return m_source.find("enable_thinking") != std::string::npos || m_source.find("thinking is defined") != std::string::npos ||
        m_source.find("if thinking") != std::string::npos;
}

std::string ChatTemplate::render(const ChatTemplateInputs& inputs) const
{
    using jinja::Value;
    jinja::List messages;
    for (const auto& m : inputs.messages) {
        Value message = Value::dict({{"role", Value(m.role)}, {"content", Value(m.content)}});
        if (m.reasoning) message.set("reasoning_content", Value(*m.reasoning));
        messages.push_back(message);
    }
    jinja::Dict variables = {
        {"messages", Value::list(std::move(messages))},
        {"add_generation_prompt", Value(inputs.addGenerationPrompt)},
        {"bos_token", Value(inputs.bosToken)},
        {"eos_token", Value(inputs.eosToken)},
    };
    if (inputs.thinking) {
        variables.emplace_back("enable_thinking", Value(*inputs.thinking));
        variables.emplace_back("thinking", Value(*inputs.thinking));
    }
    try {
        jinja::Interpreter interpreter(m_template);
        return interpreter.render(variables);
    } catch (const jinja::TemplateError& e) {
        throw Error(ErrorCode::InvalidArgument, std::string("chat template: ") + e.what());
    }
}

}  // namespace hearth
