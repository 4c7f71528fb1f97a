// Every real chat template in ../shared/tokenizers/templates, rendered by Hearth's interpreter,
// must give byte-identical output to Python's Jinja2 as Hugging Face configures it (the oracle
// script tests/tools/render_templates.py), for single-turn, multi-turn, system-prompt and
// reasoning conversations with and without the generation prompt.
#include "chat/chat_template.h"
#include "core/error.h"
#include "test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>

using namespace hearth;
using nlohmann::json;

namespace {

std::vector<ChatTemplateInputs> loadConversations(json& raw)
{
    std::ifstream in(HEARTH_TESTS_DIR "/inference/chat/conversations.json");
    raw = json::parse(in);
    std::vector<ChatTemplateInputs> out;
    for (const auto& c : raw) {
        ChatTemplateInputs inputs;
        for (const auto& m : c["messages"]) {
            ChatMessage message {m["role"], m["content"], std::nullopt};
            if (m.contains("reasoning_content")) message.reasoning = m["reasoning_content"].get<std::string>();
            inputs.messages.push_back(message);
        }
        inputs.addGenerationPrompt = c["add_generation_prompt"];
        inputs.bosToken = "<s>";
        inputs.eosToken = "</s>";
        if (c.contains("thinking")) inputs.thinking = c["thinking"].get<bool>();  // enable_thinking / thinking
        out.push_back(inputs);
    }
    return out;
}

std::optional<json> runOracle(const std::filesystem::path& templates)
{
    const std::string command = "python3 \"" HEARTH_TESTS_DIR "/tools/render_templates.py\" \"" HEARTH_TESTS_DIR
                                "/inference/chat/conversations.json\" \"" +
        templates.string() + "\"/*.jinja 2>/dev/null";
    auto output = test::runCommand(command);
    if (!output) return std::nullopt;
    return json::parse(*output);
}

}  // namespace

// Every template in a folder against Python's Jinja2 on every test conversation.
static void expectFolderMatchesJinja2(const std::filesystem::path& templates)
{
    auto oracle = runOracle(templates);
    if (!oracle) GTEST_SKIP() << "python3 with jinja2 is not available (Debian: python3-jinja2)";
    json raw;
    auto conversations = loadConversations(raw);
    size_t templatesPassed = 0, casesPassed = 0, cases = 0;
    for (const auto& [name, expected] : oracle->items()) {
        std::ifstream in(templates / name, std::ios::binary);
        std::string source((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        size_t passed = 0;
        std::string firstFailure;
        for (size_t i = 0; i < conversations.size(); ++i) {
            ++cases;
            const json& want = expected[i];
            std::string got;
            bool failed = false;
            try {
                ChatTemplate t(source);
                got = t.render(conversations[i]);
            } catch (const Error& e) {
                got = e.what();
                failed = true;
            }
            const bool ok = want.is_string() ? (!failed && got == want.get<std::string>()) : failed;
            passed += ok;
            if (!ok && firstFailure.empty())
                firstFailure = raw[i]["name"].get<std::string>() + (conversations[i].addGenerationPrompt ? "+gen" : "") + ": expected " +
                    (want.is_string() ? json(want.get<std::string>()).dump() : "an error (" + want["error"].get<std::string>() + ")") +
                    "\n     got " + (failed ? "error: " + got : json(got).dump());
        }
        casesPassed += passed;
        templatesPassed += passed == conversations.size();
        EXPECT_EQ(passed, conversations.size()) << name << ": " << firstFailure;
    }
    std::printf("  %s: %zu/%zu templates identical to Jinja2 on every conversation; %zu/%zu renders identical\n",
                templates.string().c_str(), templatesPassed, oracle->size(), casesPassed, cases);
}

TEST(ChatTemplates, EveryRealTemplateMatchesPythonJinja2)
{
    HEARTH_REQUIRE_SHARED(shared);
    expectFolderMatchesJinja2(shared / "tokenizers/templates");
}

// llama.cpp's own collection of real templates (Gemma 2/3/4, Qwen3, Mistral Small 3.2, Phi, Granite,
// SmolLM3, …), from the oracle's source tree (tests/tools/llama_cpp_oracle.sh).
TEST(ChatTemplates, LlamaCppsTemplateCollectionMatchesPythonJinja2)
{
    const char* oracle = std::getenv("HEARTH_LLAMA_CPP_DIR");
    if (!oracle || !std::filesystem::is_directory(std::filesystem::path(oracle) / "src/models/templates"))
        GTEST_SKIP() << "no llama.cpp oracle (HEARTH_LLAMA_CPP_DIR)";
    expectFolderMatchesJinja2(std::filesystem::path(oracle) / "src/models/templates");
}

TEST(ChatTemplates, TemplatesWithAThinkingSwitchAreRecognised)
{
    HEARTH_REQUIRE_SHARED(shared);
    auto read = [&](const char* name) {
        std::ifstream in(shared / "tokenizers/templates" / name, std::ios::binary);
        return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    };
    for (const char* name : {"HuggingFaceTB-SmolLM3-3B.jinja", "Qwen3.5-4B.jinja", "deepseek-ai-DeepSeek-V3.1.jinja",
                             "ibm-granite-granite-3.3-2B-Instruct.jinja"})
        EXPECT_TRUE(ChatTemplate(read(name)).hasThinkingSwitch()) << name;
    for (const char* name : {"meta-llama-Llama-3.1-8B-Instruct.jinja", "mistralai-Mistral-Nemo-Instruct-2407.jinja"})
        EXPECT_FALSE(ChatTemplate(read(name)).hasThinkingSwitch()) << name;
}
