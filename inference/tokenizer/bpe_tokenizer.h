// Byte-level BPE vocabularies (GPT-2 style: Llama 3, Qwen, DeepSeek, Falcon, MPT...): pre-tokenize,
// map bytes to GPT-2's printable code points, merge by rank, look up ids.
#pragma once

#include "tokenizer/bpe_pretokenizer.h"
#include "tokenizer/string_index.h"
#include "tokenizer/tokenizer.h"

#include <array>
#include <string>
#include <unordered_map>

namespace hearth {

class BpeTokenizer : public Tokenizer {
public:
    explicit BpeTokenizer(Vocabulary vocabulary);

protected:
    void encodeText(std::string_view text, std::vector<TokenId>& out) const override;
    std::string pieceBytes(TokenId id) const override;

private:
    void encodeWord(const std::string& mapped, std::vector<TokenId>& out) const;

    BpePretokenizer m_pretokenizer;
    // The id of a token's text, a piece's merge rank (its index in the merges, "left right").
    TokenId idOf(std::string_view text) const { return m_tokenIndex.find(m_vocabulary.tokens, text); }
    int mergeRank(std::string_view left, std::string_view right) const
    {
        return m_mergeIndex.find(m_vocabulary.merges, {left, " ", right});
    }

    StringIndex m_tokenIndex;
    StringIndex m_mergeIndex;
    std::array<std::string, 256> m_byteToText;  // byte -> UTF-8 of its code point
    std::unordered_map<uint32_t, uint8_t> m_codepointToByte;
};

}  // namespace hearth
