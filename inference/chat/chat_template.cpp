#include "chat/chat_template.h"

#include "chat/jinja_interpreter.h"
#include "core/error.h"

#include <nlohmann/json.hpp>

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
        m_source.find("if thinking") != std::string::npos || hasHarmonyEffort();
}

bool ChatTemplate::hasHarmonyEffort() const
{
    // gpt-oss's: other templates read a reasoning_effort of their own, with other values.
    return m_source.find("<|channel|>") != std::string::npos && m_source.find("reasoning_effort") != std::string::npos;
}

bool ChatTemplate::supportsTools() const { return m_source.find("tools") != std::string::npos; }

namespace {

// Client JSON as template values, keys in the client's order (templates print tools with tojson).
jinja::Value fromJson(const nlohmann::ordered_json& j)
{
    using jinja::Value;
    switch (j.type()) {
    case nlohmann::ordered_json::value_t::null: return Value::none();
    case nlohmann::ordered_json::value_t::boolean: return Value(j.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer: return Value(j.get<int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: return Value(int64_t(j.get<uint64_t>()));
    case nlohmann::ordered_json::value_t::number_float: return Value(j.get<double>());
    case nlohmann::ordered_json::value_t::string: return Value(j.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
        jinja::List items;
        for (const auto& item : j) items.push_back(fromJson(item));
        return Value::list(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
        Value dict = Value::dict();
        for (auto it = j.begin(); it != j.end(); ++it) dict.set(it.key(), fromJson(it.value()));
        return dict;
    }
    default: return Value::none();
    }
}

nlohmann::ordered_json parseJson(const std::string& text, const char* what)
{
    auto j = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) throw Error(ErrorCode::InvalidArgument, std::string("chat template: ") + what + " is not valid JSON");
    return j;
}

// OpenAI sends a call's arguments as a JSON string; templates expect the object (llama.cpp
// passes it so too), so `arguments | tojson` prints the arguments, not a quoted string.
nlohmann::ordered_json toolCallsForTemplate(const std::string& text)
{
    nlohmann::ordered_json calls = parseJson(text, "a message's tool_calls");
    if (!calls.is_array()) throw Error(ErrorCode::InvalidArgument, "chat template: tool_calls must be a list");
    for (auto& call : calls) {
        if (!call.is_object() || !call.contains("function") || !call["function"].is_object()) continue;
        auto& function = call["function"];
        if (function.contains("arguments") && function["arguments"].is_string()) {
            auto parsed = nlohmann::ordered_json::parse(function["arguments"].get<std::string>(), nullptr, false);
            if (!parsed.is_discarded()) function["arguments"] = parsed;
        }
    }
    return calls;
}

}  // namespace

std::string ChatTemplate::render(const ChatTemplateInputs& inputs) const
{
    using jinja::Value;
    jinja::List messages;
    for (const auto& m : inputs.messages) {
        Value message = Value::dict({{"role", Value(m.role)}, {"content", Value(m.content)}});
        if (m.reasoning) message.set("reasoning_content", Value(*m.reasoning));
        if (!m.toolCallsJson.empty()) message.set("tool_calls", fromJson(toolCallsForTemplate(m.toolCallsJson)));
        if (!m.toolCallId.empty()) message.set("tool_call_id", Value(m.toolCallId));
        if (!m.name.empty()) message.set("name", Value(m.name));
        messages.push_back(message);
    }
    jinja::Dict variables = {
        {"messages", Value::list(std::move(messages))},
        {"add_generation_prompt", Value(inputs.addGenerationPrompt)},
        {"bos_token", Value(inputs.bosToken)},
        {"eos_token", Value(inputs.eosToken)},
    };
    if (!inputs.toolsJson.empty()) variables.emplace_back("tools", fromJson(parseJson(inputs.toolsJson, "tools")));
    if (inputs.thinking) {
        variables.emplace_back("enable_thinking", Value(*inputs.thinking));
        variables.emplace_back("thinking", Value(*inputs.thinking));
        // gpt-oss (Harmony) has an effort instead of a switch: on is high, off is low, unset its medium.
        if (hasHarmonyEffort()) variables.emplace_back("reasoning_effort", Value(std::string(*inputs.thinking ? "high" : "low")));
    }
    try {
        jinja::Interpreter interpreter(m_template);
        return interpreter.render(variables);
    } catch (const jinja::TemplateError& e) {
        throw Error(ErrorCode::InvalidArgument, std::string("chat template: ") + e.what());
    }
}

}  // namespace hearth
