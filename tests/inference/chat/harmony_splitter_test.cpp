// gpt-oss's Harmony replies split into reasoning (analysis) and answer (final), streamed a few
// bytes at a time so that every tag arrives split across chunks.
#include "chat/chat_template.h"
#include "chat/harmony_splitter.h"

#include <gtest/gtest.h>

using namespace hearth;

namespace {

ReasoningSplitter::Delta splitInChunks(const std::string& reply, size_t chunk)
{
    HarmonySplitter s;
    ReasoningSplitter::Delta all;
    for (size_t i = 0; i < reply.size(); i += chunk) {
        const auto d = s.push(reply.substr(i, chunk));
        all.reasoning += d.reasoning;
        all.answer += d.answer;
    }
    const auto d = s.flush();
    all.reasoning += d.reasoning;
    all.answer += d.answer;
    return all;
}

}  // namespace

TEST(HarmonySplitter, AnalysisIsReasoningAndFinalIsTheAnswer)
{
    const std::string reply = "<|channel|>analysis<|message|>The user greets; reply kindly.<|end|>"
                              "<|start|>assistant<|channel|>final<|message|>Hello! How can I help?";
    for (size_t chunk : {1u, 2u, 3u, 7u, 1000u}) {
        const auto d = splitInChunks(reply, chunk);
        EXPECT_EQ(d.reasoning, "The user greets; reply kindly.") << chunk;
        EXPECT_EQ(d.answer, "Hello! How can I help?") << chunk;
    }
}

TEST(HarmonySplitter, ToolCallsBecomeToolCallBlocksAndPreamblesAreShown)
{
    const std::string reply =
        "<|channel|>analysis<|message|>Need the weather.<|end|>"
        "<|start|>assistant<|channel|>commentary<|message|>Checking the weather.<|end|>"
        "<|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{\"city\":\"Oslo\"}";
    for (size_t chunk : {1u, 5u, 1000u}) {
        const auto d = splitInChunks(reply, chunk);
        EXPECT_EQ(d.reasoning, "Need the weather.");
        // The reply ended at <|call|>: the call, whole, in the form the API server parses.
        EXPECT_EQ(d.answer, "Checking the weather.<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\":\"Oslo\"}}</tool_call>")
            << chunk;
    }
    // A message to another recipient (not a function) is not shown.
    EXPECT_EQ(splitInChunks("<|channel|>commentary to=browser.search<|message|>{}<|end|><|start|>assistant<|channel|>final<|message|>ok", 3)
                  .answer,
              "ok");
}

TEST(HarmonySplitter, TextWithoutFramingIsShownAsTheAnswer)
{
    const std::string plain(300, 'x');
    EXPECT_EQ(splitInChunks(plain, 10).answer, plain);
    // A reply cut off inside its header shows nothing rather than the header.
    EXPECT_EQ(splitInChunks("<|channel|>anal", 4).answer, "");
    // A reply cut off inside a message keeps what arrived, and a partial tag at the end is released.
    EXPECT_EQ(splitInChunks("<|channel|>final<|message|>Hi <|en", 4).answer, "Hi <|en");
}

TEST(HarmonyTemplate, TheThinkSwitchSetsTheReasoningEffort)
{
    // gpt-oss's template's own default, in a template that frames with Harmony's channels.
    const ChatTemplate t("{%- if reasoning_effort is not defined %}{%- set reasoning_effort = 'medium' %}{%- endif %}"
                         "Reasoning: {{ reasoning_effort }}<|channel|>");
    EXPECT_TRUE(t.hasThinkingSwitch());
    auto render = [&](std::optional<bool> thinking) { return t.render({{}, true, "", "", thinking, ""}); };
    EXPECT_EQ(render(true), "Reasoning: high<|channel|>");
    EXPECT_EQ(render(false), "Reasoning: low<|channel|>");
    EXPECT_EQ(render(std::nullopt), "Reasoning: medium<|channel|>");
    // Another family's reasoning_effort (its own values) is left to the template.
    const ChatTemplate other("{{ reasoning_effort | default('none') }}");
    EXPECT_EQ(other.render({{}, true, "", "", true, ""}), "none");
}
