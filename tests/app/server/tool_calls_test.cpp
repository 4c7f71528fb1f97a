// Tool calls found in replies as the supported families write them, and held back while a reply
// streams only as long as they might be one.
#include "tool_calls.h"

#include <gtest/gtest.h>

using namespace hearth::server;

TEST(ToolCalls, HermesAndQwenBlocks)
{
    const auto r =
        parseToolCalls("Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n"
                       "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>");
    ASSERT_EQ(r.calls.size(), 2u);
    EXPECT_EQ(r.calls[0].name, "get_weather");
    EXPECT_EQ(r.calls[0].arguments, "{\"city\":\"Paris\"}");
    EXPECT_EQ(r.calls[1].name, "get_time");
    EXPECT_EQ(r.calls[1].arguments, "{}");
    EXPECT_EQ(r.content, "Let me check.");
    EXPECT_EQ(r.calls[0].id.size(), 5u + 9u);  // call_ + 9 alphanumerics (Mistral's templates insist)
    EXPECT_NE(r.calls[0].id, r.calls[1].id);
    // A reply cut off before </tool_call> still yields the call; a block that is not a call stays text.
    EXPECT_EQ(parseToolCalls("<tool_call>{\"name\": \"f\", \"arguments\": {\"x\": 1}}").calls.size(), 1u);
    const auto broken = parseToolCalls("<tool_call>not json</tool_call>");
    EXPECT_TRUE(broken.calls.empty());
    EXPECT_EQ(broken.content, "<tool_call>not json</tool_call>");
}

TEST(ToolCalls, Llama3JsonAndPythonTag)
{
    auto r = parseToolCalls("{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Oslo\"}}");
    ASSERT_EQ(r.calls.size(), 1u);
    EXPECT_EQ(r.calls[0].arguments, "{\"city\":\"Oslo\"}");
    EXPECT_TRUE(r.content.empty());
    r = parseToolCalls("<|python_tag|>{\"name\": \"a\", \"parameters\": {}}; {\"name\": \"b\", \"parameters\": {\"k\": \"v\"}}");
    ASSERT_EQ(r.calls.size(), 2u);
    EXPECT_EQ(r.calls[1].name, "b");
    // JSON that is not a call is the answer.
    r = parseToolCalls("{\"answer\": 42}");
    EXPECT_TRUE(r.calls.empty());
    EXPECT_EQ(r.content, "{\"answer\": 42}");
}

TEST(ToolCalls, MistralList)
{
    const auto r = parseToolCalls(
        "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}, {\"name\": \"f\", \"arguments\": \"{}\"}]");
    ASSERT_EQ(r.calls.size(), 2u);
    EXPECT_EQ(r.calls[0].arguments, "{\"city\":\"Rome\"}");
    EXPECT_EQ(r.calls[1].arguments, "{}");
}

TEST(ToolCalls, PlainTextHasNone)
{
    const auto r = parseToolCalls("The weather in Paris is mild; bring a coat {just in case}.");
    EXPECT_TRUE(r.calls.empty());
    EXPECT_EQ(r.content, "The weather in Paris is mild; bring a coat {just in case}.");
}

// Streamed in single characters: text before a call goes out at once, the call never does, and
// what is sent plus what finish() returns is the whole content.
TEST(ToolCalls, StreamHoldsBackOnlyWhatMayBeACall)
{
    const std::string reply = "Checking now. <tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";
    ToolCallStream stream;
    std::string sent;
    for (char c : reply) sent += stream.push(std::string(1, c));
    EXPECT_EQ(sent, "Checking now. ");
    const auto rest = stream.finish();
    ASSERT_EQ(rest.calls.size(), 1u);
    EXPECT_EQ(rest.calls[0].name, "get_weather");
    EXPECT_TRUE(rest.content.empty());

    ToolCallStream plain;
    std::string text;
    const std::string story = "Once upon a time <there> was a [cat].";
    for (char c : story) text += plain.push(std::string(1, c));
    const auto end = plain.finish();
    EXPECT_TRUE(end.calls.empty());
    EXPECT_EQ(text + end.content, story);
    EXPECT_GT(text.size(), story.size() / 2) << "plain text streams, it is not held to the end";

    ToolCallStream json;
    std::string early;
    for (char c : std::string("{\"name\": \"f\", \"parameters\": {}}")) early += json.push(std::string(1, c));
    EXPECT_TRUE(early.empty()) << "a reply opening with '{' may be a Llama call";
    EXPECT_EQ(json.finish().calls.size(), 1u);
}

TEST(ToolCalls, GptOssCallsAsTheHarmonySplitterWritesThem)
{
    // inference/chat/harmony_splitter turns "commentary to=functions.NAME ... <|message|>ARGS" into
    // this block (after any preamble the model showed the user).
    const auto r =
        parseToolCalls("Checking the weather.<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\":\"Oslo\"}}</tool_call>");
    ASSERT_EQ(r.calls.size(), 1u);
    EXPECT_EQ(r.calls[0].name, "get_weather");
    EXPECT_EQ(r.calls[0].arguments, "{\"city\":\"Oslo\"}");
    EXPECT_EQ(r.content, "Checking the weather.");
}
