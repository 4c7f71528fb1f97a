// Every vector of every complete set in ../shared/tokenizers (inputs and the ids the original
// Hugging Face tokenizers produced) must match exactly, SentencePiece and byte-level BPE alike.
#include "gguf/gguf_file.h"
#include "test_support.h"
#include "tokenizer/tokenizer.h"

#include <gtest/gtest.h>

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
// tokenizer.json by the test setup (tokenizers.fetch_hf_vocabularies) for Llama 3 and Qwen.
std::optional<std::filesystem::path> vocabularyFile(const std::filesystem::path& shared, const std::string& set)
{
    const auto inShared = shared / "tokenizers" / ("ggml-vocab-" + set + ".gguf");
    if (std::filesystem::exists(inShared)) return inShared;
    const char* dir = std::getenv("HEARTH_HF_VOCAB_DIR");
    if (dir && std::filesystem::exists(std::filesystem::path(dir) / (set + ".gguf"))) return std::filesystem::path(dir) / (set + ".gguf");
    return std::nullopt;
}

}  // namespace

class ReferenceVectors : public ::testing::TestWithParam<const char*> { };

TEST_P(ReferenceVectors, EveryVectorMatchesTheOriginalTokenizer)
{
    HEARTH_REQUIRE_SHARED(shared);
    const auto base = shared / "tokenizers" / (std::string("ggml-vocab-") + GetParam() + ".gguf");
    auto vocabulary = vocabularyFile(shared, GetParam());
    if (!vocabulary) GTEST_SKIP() << GetParam() << ": no vocabulary (the npm packages could not be fetched)";
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
                                           "qwen2"),
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
