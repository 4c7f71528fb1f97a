// A model's vocabulary as its GGUF file describes it (tokenizer.ggml.*).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hearth {

class GgufFile;

using TokenId = int32_t;

// Token types as GGUF stores them (the same numbering as SentencePiece's piece types).
enum class TokenType : int32_t {
    Undefined = 0,
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
};

struct Vocabulary {
    enum class Kind { SentencePiece, BytePairEncoding };

    Kind kind = Kind::SentencePiece;
    std::string modelName;  // tokenizer.ggml.model as written ("llama", "gpt2")
    std::string pre;  // tokenizer.ggml.pre ("default" when absent)
    std::vector<std::string> tokens;  // piece text by id
    std::vector<float> scores;  // merge priority (SentencePiece), may be empty for BPE
    std::vector<TokenType> types;
    std::vector<std::string> merges;  // "left right" pairs by rank (BPE)
    std::optional<TokenId> bos, eos, eot, eom, unk, pad;
    bool addBos = false;
    bool addEos = false;
    bool addSpacePrefix = true;
    // gpt-oss's o200k_harmony: replies are framed by control tokens that carry meaning (channel,
    // message, start, end, constrain). They are rendered into a reply's text for the Harmony
    // splitter, never matched in user text; <|return|> and <|call|> end a reply, <|end|> only a
    // message inside it (llama.cpp's rule). Gemma 4's channel and tool-call markers likewise.
    bool harmony = false;
    std::vector<TokenId> renderedInReplies;
    bool isRenderedInReplies(TokenId id) const
    {
        return std::find(renderedInReplies.begin(), renderedInReplies.end(), id) != renderedInReplies.end();
    }

    // Gemma 4's "gemma4" vocabulary: BPE merges over raw UTF-8 with spaces written as U+2581 (as
    // SentencePiece does) and <0xXX> byte tokens, not GPT-2's byte-to-code-point mapping.
    bool rawUtf8Bpe = false;
    // Control tokens that end a turn although the file names none of them EOS/EOT (llama.cpp
    // matches these by text: Gemma's <end_of_turn>, Gemma 4's <turn|> and <|tool_response>).
    std::vector<TokenId> turnEnds;

    size_t size() const { return tokens.size(); }
    // Ids that end a reply: EOS, EOT, EOM and the turn ends (and nothing else).
    bool isEndOfGeneration(TokenId id) const;

    // Reads and validates the vocabulary. Throws hearth::Error naming the key that is missing
    // or wrong, or the tokenizer kind that is not supported.
    static Vocabulary fromGguf(const GgufFile& file);
};

}  // namespace hearth
