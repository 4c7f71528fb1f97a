// Splits text into the pieces a byte-level BPE vocabulary was trained on, with the real
// pre-tokenizer regular expressions of each model family (PCRE2, Unicode properties).
// Regexes apply in sequence: each splits every piece the previous one produced into its
// matches and the text between them (which is kept too).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hearth {

class BpePretokenizer {
public:
    // `pre` is tokenizer.ggml.pre ("llama-bpe", "qwen2", "deepseek-r1-qwen", ...). Throws
    // hearth::Error(UnsupportedType) naming an unknown value.
    explicit BpePretokenizer(const std::string& pre);
    ~BpePretokenizer();
    BpePretokenizer(const BpePretokenizer&) = delete;
    BpePretokenizer& operator=(const BpePretokenizer&) = delete;

    std::vector<std::string> split(std::string_view text) const;
    // Llama 3 style vocabularies take a whole piece as one token when it exists (no merges).
    bool ignoreMerges() const { return m_ignoreMerges; }

private:
    struct Regex;
    std::vector<std::unique_ptr<Regex>> m_regexes;
    bool m_ignoreMerges = false;
};

}  // namespace hearth
