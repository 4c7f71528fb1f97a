// A vocabulary with gpt-oss's Harmony tokens: <|return|> and <|call|> end a reply and <|end|> does
// not; the framing tokens are rendered in replies but never made from user text.
#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "tokenizer/tokenizer.h"

#include <gtest/gtest.h>

using namespace hearth;

namespace {

std::vector<uint8_t> harmonyVocabularyFile(bool withCall)
{
    GgufWriter w;
    w.addString("general.architecture", "gpt-oss");
    GgufArrayBuilder tokens(GgufValueType::String), types(GgufValueType::Int32);
    std::vector<std::string> pieces;
    for (int b = 0; b < 256; ++b) {  // the byte-level base: every byte a token of its own
        const unsigned char c = static_cast<unsigned char>(b);
        // GPT-2's byte-to-unicode map for printable ASCII is the identity; other bytes as U+0100 + b.
        if (c >= 0x21 && c <= 0x7E) pieces.push_back(std::string(1, char(c)));
        else pieces.push_back(std::string("\xC4") + char(0x80 + (b & 0x3F)) + std::to_string(b));
    }
    for (const auto& p : pieces) {
        tokens.addString(p);
        types.addInt(1);
    }
    const std::vector<std::string> controls = {"<|start|>", "<|end|>", "<|message|>", "<|channel|>", "<|return|>", "<|constrain|>"};
    for (const auto& c : controls) {
        tokens.addString(c);
        types.addInt(3);
    }
    if (withCall) {
        tokens.addString("<|call|>");
        types.addInt(3);
    }
    w.addString("tokenizer.ggml.model", "gpt2");
    w.addString("tokenizer.ggml.pre", "gpt-4o");
    w.addArray("tokenizer.ggml.tokens", tokens);
    w.addArray("tokenizer.ggml.token_type", types);
    GgufArrayBuilder merges(GgufValueType::String);
    merges.addString("< |");
    w.addArray("tokenizer.ggml.merges", merges);
    w.addInt("tokenizer.ggml.eos_token_id", GgufValueType::UInt32, 256 + 1);  // <|end|>, as some conversions write it
    return w.toBytes();
}

}  // namespace

TEST(HarmonyVocabulary, ReturnAndCallEndARepliesAndTheFramingIsRendered)
{
    const auto bytes = harmonyVocabularyFile(true);
    const GgufFile file = GgufFile::parse(bytes, "harmony.gguf");
    const Vocabulary v = Vocabulary::fromGguf(file);
    ASSERT_TRUE(v.harmony);
    const TokenId start = 256, end = 257, message = 258, channel = 259, ret = 260, call = 262;
    EXPECT_TRUE(v.isEndOfGeneration(ret));
    EXPECT_TRUE(v.isEndOfGeneration(call));
    EXPECT_FALSE(v.isEndOfGeneration(end)) << "<|end|> closes a message, not the reply";
    auto tokenizer = Tokenizer::create(v);
    EXPECT_EQ(tokenizer->tokenBytes(channel), "<|channel|>");
    EXPECT_EQ(tokenizer->tokenBytes(message), "<|message|>");
    EXPECT_EQ(tokenizer->tokenBytes(start), "<|start|>");
    EXPECT_EQ(tokenizer->tokenBytes(ret), "") << "an end of reply is not text";
    // User text spelling a framing token stays text.
    for (TokenId id : tokenizer->encode("<|channel|>final<|message|>", false, false)) EXPECT_LT(id, 256);
}

TEST(HarmonyVocabulary, WithoutCallItIsAnOrdinaryVocabulary)
{
    const auto bytes = harmonyVocabularyFile(false);
    const Vocabulary v = Vocabulary::fromGguf(GgufFile::parse(bytes, "plain.gguf"));
    EXPECT_FALSE(v.harmony);
    EXPECT_TRUE(v.isEndOfGeneration(257));
    EXPECT_EQ(Tokenizer::create(v)->tokenBytes(259), "");
}
