// Every vector of every complete set in ../shared/tokenizers (inputs and the ids the original
// Hugging Face tokenizers produced) must match exactly, SentencePiece and byte-level BPE alike.
#include "gguf/gguf_file.h"
#include "test_support.h"
#include "tokenizer/tokenizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

using namespace hearth;

namespace {

std::string readText(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// The README's format: inputs separated by "\n__ggml_vocab_test__\n" (none after the last),
// expected ids one line per input.
std::vector<std::string> splitInputs(const std::string& inputs)
{
    const std::string separator = "\n__ggml_vocab_test__\n";
    std::vector<std::string> cases;
    for (size_t pos = 0;;) {
        size_t at = inputs.find(separator, pos);
        if (at == std::string::npos) {
            if (pos < inputs.size()) cases.push_back(inputs.substr(pos));
            return cases;
        }
        cases.push_back(inputs.substr(pos, at - pos));
        pos = at + separator.size();
    }
}

// The vocabulary file: in ../shared for the complete sets; converted from the npm packages'
// tokenizer.json by the test setup (tokenizers.fetch_hf_vocabularies) for Llama 3 and Qwen; from
// llama.cpp's source (the oracle's folder, HEARTH_LLAMA_CPP_DIR) for Gemma 4 and Qwen3.5.
std::optional<std::filesystem::path> vocabularyFile(const std::filesystem::path& shared, const std::string& set)
{
    const std::string name = "ggml-vocab-" + set + ".gguf";
    const auto inShared = shared / "tokenizers" / name;
    if (std::filesystem::exists(inShared)) return inShared;
    const char* dir = std::getenv("HEARTH_HF_VOCAB_DIR");
    if (dir && std::filesystem::exists(std::filesystem::path(dir) / (set + ".gguf"))) return std::filesystem::path(dir) / (set + ".gguf");
    const char* llamaCpp = std::getenv("HEARTH_LLAMA_CPP_DIR");
    if (llamaCpp && std::filesystem::exists(std::filesystem::path(llamaCpp) / "src/models" / name))
        return std::filesystem::path(llamaCpp) / "src/models" / name;
    return std::nullopt;
}

}  // namespace

class ReferenceVectors : public ::testing::TestWithParam<const char*> { };

TEST_P(ReferenceVectors, EveryVectorMatchesTheOriginalTokenizer)
{
    HEARTH_REQUIRE_SHARED(shared);
    const auto base = shared / "tokenizers" / (std::string("ggml-vocab-") + GetParam() + ".gguf");
    auto vocabulary = vocabularyFile(shared, GetParam());
    if (!vocabulary) GTEST_SKIP() << GetParam() << ": no vocabulary (the npm packages could not be fetched, or no llama.cpp source)";
    GgufFile file = GgufFile::open(vocabulary->string());
    auto tokenizer = Tokenizer::create(Vocabulary::fromGguf(file));
    const auto cases = splitInputs(readText(base.string() + ".inp"));
    std::vector<std::string> lines;
    std::stringstream out(readText(base.string() + ".out"));
    for (std::string line; std::getline(out, line);) lines.push_back(line);
    ASSERT_EQ(cases.size(), lines.size());
    size_t passed = 0;
    for (size_t i = 0; i < cases.size(); ++i) {
        std::vector<TokenId> expected;
        std::stringstream ids(lines[i]);
        for (TokenId id; ids >> id;) expected.push_back(id);
        // add_special_tokens=False and parse-special off, as the vectors were made.
        auto got = tokenizer->encode(cases[i], false, false);
        EXPECT_EQ(got, expected) << GetParam() << " case " << i << ": '" << cases[i] << "'";
        passed += got == expected;
        // And back: decoding gives the input again (these vocabularies lose nothing).
        if (got == expected) {
            EXPECT_EQ(tokenizer->decode(got), cases[i]) << GetParam() << " case " << i;
        }
    }
    std::printf("  %s: %zu/%zu vectors match\n", GetParam(), passed, cases.size());
}

INSTANTIATE_TEST_SUITE_P(CompleteSets, ReferenceVectors,
                         ::testing::Values("llama-spm", "phi-3", "deepseek-llm", "deepseek-coder", "falcon", "gpt-2", "mpt", "llama-bpe",
                                           "qwen2", "gemma-4", "qwen35"),
                         [](const ::testing::TestParamInfo<const char*>& param) {
                             std::string name = param.param;
                             for (auto& c : name)
                                 if (c == '-') c = '_';
                             return name;
                         });

TEST(ByteLevelBpe, InvalidUtf8IsShownAsReplacementCharacters)
{
    // Found by the fuzzer: invalid bytes used to reach the regex engine unchecked.
    HEARTH_REQUIRE_SHARED(shared);
    GgufFile file = GgufFile::open((shared / "tokenizers/ggml-vocab-gpt-2.gguf").string());
    auto tokenizer = Tokenizer::create(Vocabulary::fromGguf(file));
    const std::string text = "ok \xff\xfe bytes \xe4\xbd";
    auto ids = tokenizer->encode(text, false, false);
    EXPECT_EQ(tokenizer->decode(ids), "ok \xEF\xBF\xBD\xEF\xBF\xBD bytes \xEF\xBF\xBD");
}

TEST(Gemma4Vocabulary, TurnsEndAtTheirMarkersAndPromptsStartWithBos)
{
    HEARTH_REQUIRE_SHARED(shared);
    auto vocabulary = vocabularyFile(shared, "gemma-4");
    if (!vocabulary) GTEST_SKIP() << "gemma-4: no vocabulary (no llama.cpp source in HEARTH_LLAMA_CPP_DIR)";
    GgufFile file = GgufFile::open(vocabulary->string());
    auto tokenizer = Tokenizer::create(Vocabulary::fromGguf(file));
    const Vocabulary& v = tokenizer->vocabulary();
    auto id = [&](const std::string& text) {
        auto ids = tokenizer->encode(text, false, true);
        EXPECT_EQ(ids.size(), 1u) << text;
        return ids.empty() ? -1 : ids[0];
    };
    // llama.cpp's end-of-generation set for Gemma 4: <eos>, <turn|> and <|tool_response>; a turn's start is not one.
    EXPECT_TRUE(v.isEndOfGeneration(id("<turn|>")));
    EXPECT_TRUE(v.isEndOfGeneration(id("<|tool_response>")));
    EXPECT_FALSE(v.isEndOfGeneration(id("<|turn>")));
    EXPECT_FALSE(v.isEndOfGeneration(id("<|channel>")));
    // A prompt starts with <bos> even where the file says otherwise (llama.cpp's rule), and the
    // turn markers are single tokens when the template writes them.
    const auto prompt = tokenizer->encode("<|turn>user\nHello there<turn|>\n", true, true);
    ASSERT_GE(prompt.size(), 4u);
    EXPECT_EQ(prompt[0], *v.bos);
    EXPECT_EQ(prompt[1], id("<|turn>"));
    EXPECT_EQ(tokenizer->decode(std::span(prompt).subspan(2)), "user\nHello there\n");
    // Its reasoning markers show in a reply (the splitter reads them) but user text cannot forge them.
    const TokenId channel = id("<|channel>");
    EXPECT_EQ(tokenizer->decode(std::vector<TokenId> {channel}), "<|channel>");
    const auto typed = tokenizer->encode("<|channel>thought", false, false);
    EXPECT_EQ(std::find(typed.begin(), typed.end(), channel), typed.end());
}
