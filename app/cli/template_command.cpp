// hearth-cli template (--model F | --template FILE.jinja) --messages conv.json
//                    [--no-generation-prompt] [--bos-token S --eos-token S] [--tools tools.json]
// Prints exactly the formatted prompt to stdout and nothing else; which template was used
// goes to stderr.
#include "cli_args.h"
#include "commands.h"

#include "engine/engine.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace hearth::cli {

namespace {

std::string readFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(ErrorCode::Io, path + ": cannot open");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<ChatMessage> parseMessages(const std::string& path)
{
    nlohmann::ordered_json doc;
    try {
        doc = nlohmann::ordered_json::parse(readFile(path));
    } catch (const nlohmann::ordered_json::parse_error& e) {
        throw std::invalid_argument(path + ": invalid JSON: " + e.what());
    }
    if (!doc.is_array()) throw std::invalid_argument(path + ": expected a JSON array of {\"role\", \"content\"} objects");
    std::vector<ChatMessage> messages;
    for (size_t i = 0; i < doc.size(); ++i) {
        const auto& m = doc[i];
        // content may be null beside tool_calls (OpenAI's shape for an assistant that only calls tools).
        const bool nullContent = m.is_object() && m.contains("content") && m["content"].is_null() && m.contains("tool_calls");
        if (!m.is_object() || !m.contains("role") || !m["role"].is_string() || !m.contains("content") ||
            (!m["content"].is_string() && !nullContent))
            throw std::invalid_argument(path + ": message " + std::to_string(i + 1) + " needs string \"role\" and \"content\"");
        ChatMessage message {m["role"], nullContent ? std::string() : m["content"].get<std::string>(), std::nullopt};
        if (m.contains("reasoning_content") && m["reasoning_content"].is_string())
            message.reasoning = m["reasoning_content"].get<std::string>();
        if (m.contains("tool_calls") && m["tool_calls"].is_array()) message.toolCallsJson = m["tool_calls"].dump();
        if (m.contains("tool_call_id") && m["tool_call_id"].is_string()) message.toolCallId = m["tool_call_id"].get<std::string>();
        if (m.contains("name") && m["name"].is_string()) message.name = m["name"].get<std::string>();
        messages.push_back(message);
    }
    return messages;
}

}  // namespace

int runTemplate(const std::vector<std::string>& argv)
{
    CliArgs args(argv, {"--model", "--template", "--messages", "--bos-token", "--eos-token", "--think", "--tools"},
                 {"--no-generation-prompt"});
    auto messagesPath = args.value("--messages");
    if (!messagesPath || (args.value("--model").has_value() == args.value("--template").has_value()))
        throw std::invalid_argument("usage: hearth-cli template (--model F | --template FILE.jinja) --messages conv.json "
                                    "[--no-generation-prompt] [--bos-token S --eos-token S] [--think on|off]");
    const auto messages = parseMessages(*messagesPath);
    std::optional<bool> thinking;
    if (auto think = args.value("--think")) {
        if (*think != "on" && *think != "off") throw std::invalid_argument("--think takes on or off, not '" + *think + "'");
        thinking = *think == "on";
    }
    const bool generationPrompt = !args.flag("--no-generation-prompt");
    // --tools FILE: OpenAI's `tools` array (function definitions), rendered as the template's `tools`.
    std::string tools;
    if (auto toolsPath = args.value("--tools")) {
        const auto parsed = nlohmann::ordered_json::parse(readFile(*toolsPath), nullptr, false);
        if (parsed.is_discarded() || !parsed.is_array()) throw std::invalid_argument(*toolsPath + ": expected a JSON array of tools");
        tools = parsed.dump();
    }
    std::string prompt;
    if (auto templatePath = args.value("--template")) {
        prompt = renderChatTemplate(readFile(*templatePath), messages, generationPrompt, args.value("--bos-token").value_or(""),
                                    args.value("--eos-token").value_or(""), thinking, tools);
    } else {
        std::string description;
        prompt = ModelVocabulary::open(*args.value("--model"))
                     ->renderChat(messages, generationPrompt, description, args.value("--bos-token"), args.value("--eos-token"), thinking);
        std::fprintf(stderr, "template: %s\n", description.c_str());
    }
    std::fwrite(prompt.data(), 1, prompt.size(), stdout);
    return 0;
}

}  // namespace hearth::cli
