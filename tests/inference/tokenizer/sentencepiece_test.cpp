// SentencePiece vocabularies through the sentencepiece library: stories260K's known ids and a
// round trip over a varied corpus.
#include "gguf/gguf_file.h"
#include "test_support.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8_stream.h"

#include <gtest/gtest.h>

using namespace hearth;

namespace {

std::unique_ptr<Tokenizer> tokenizerFor(const std::filesystem::path& path)
{
    GgufFile file = GgufFile::open(path.string());
    return Tokenizer::create(Vocabulary::fromGguf(file));
}

}  // namespace

TEST(SentencePiece, Stories260KKnownIds)
{
    HEARTH_REQUIRE_SHARED(shared);
    auto tok = tokenizerFor(shared / "models/stories260K.gguf");
    EXPECT_EQ(tok->encode("Once upon a time, there was a little girl named Lily.", true, false),
              (std::vector<TokenId> {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426}));
    EXPECT_EQ(tok->encode("Hello world", true, false), (std::vector<TokenId> {1, 346, 306, 414, 263, 304, 341}));
    EXPECT_EQ(tok->encode("", true, false), (std::vector<TokenId> {1}));
    EXPECT_EQ(tok->encode("", false, false), (std::vector<TokenId> {}));
}

TEST(SentencePiece, ControlTokensOnlyWhenParsingSpecials)
{
    HEARTH_REQUIRE_SHARED(shared);
    auto tok = tokenizerFor(shared / "models/stories260K.gguf");
    auto plain = tok->encode("Hi</s>there", false, false);
    EXPECT_EQ(std::count(plain.begin(), plain.end(), 2), 0) << "user text cannot inject </s>";
    auto parsed = tok->encode("Hi</s>there", false, true);
    EXPECT_EQ(std::count(parsed.begin(), parsed.end(), 2), 1);
    EXPECT_EQ(tok->decode(plain), "Hi</s>there");
}

TEST(SentencePiece, RoundTripOverAVariedCorpus)
{
    HEARTH_REQUIRE_SHARED(shared);
    auto tok = tokenizerFor(shared / "models/stories260K.gguf");
    const char* corpus[] = {
        "The quick brown fox jumps over the lazy dog.",
        "  two leading spaces, trailing three   ",
        "tabs\tand\nnewlines\n\n\nand \r\n windows lines",
        "Accents: café, naïve, Ångström, São Paulo, Łódź",
        "CJK: 你好，世界。日本語のテキスト。한국어 문장",
        "Emoji: 🔥🏠 👩‍👩‍👧 ✓ ☕",
        "Code: for (int i = 0; i < n; ++i) { sum += a[i] * b[i]; } // done",
        "Numbers 1234567890 and symbols !@#$%^&*()_+-=[]{}|;':\",./<>?`~",
        "\xF0\x9F\x98\x80 grinning face, U+10FFFF: \xF4\x8F\xBF\xBF",
        " ",
        "\n",
    };
    size_t checked = 0;
    for (const char* text : corpus) {
        auto ids = tok->encode(text, true, false);
        EXPECT_EQ(tok->decode(ids), text) << text;
        // Streaming the same tokens piece by piece yields the same text, in whole characters.
        Utf8Stream stream;
        std::string streamed;
        for (size_t i = 1; i < ids.size(); ++i) streamed += stream.push(tok->tokenBytes(ids[i]));
        streamed += stream.flush();
        EXPECT_EQ(streamed, std::string(" ") + text) << "the dummy prefix space is part of the stream";
        ++checked;
    }
    EXPECT_EQ(checked, std::size(corpus));
}

TEST(Utf8Stream, HoldsBackSplitCharactersAndReplacesInvalidBytes)
{
    Utf8Stream s;
    EXPECT_EQ(s.push("a\xE4"), "a");
    EXPECT_EQ(s.push("\xBD"), "");
    EXPECT_EQ(s.push("\xA0!"), "\xE4\xBD\xA0!");
    EXPECT_EQ(s.push("\xFF"), "\xEF\xBF\xBD");
    EXPECT_EQ(s.push("\xF0\x9F"), "");
    EXPECT_EQ(s.flush(), "\xEF\xBF\xBD") << "an unfinished character at the end becomes U+FFFD";
    // Found by the fuzzer: sequences beyond U+10FFFF, overlongs and surrogates are invalid too.
    Utf8Stream strict;
    std::string out = strict.push("\xF4\xB4\xB4\xB4|\xE0\x80\x80|\xED\xA0\x80|\xF0\x9F\x98\x80");
    out += strict.flush();
    EXPECT_EQ(out,
              "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|"
              "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|\xF0\x9F\x98\x80");
}
