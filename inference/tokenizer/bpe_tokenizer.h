// Byte-level BPE vocabularies (GPT-2 style: Llama 3, Qwen, DeepSeek, Falcon, MPT...): pre-tokenize,
// map bytes to GPT-2's printable code points, merge by rank, look up ids.
#pragma once

#include "tokenizer/bpe_pretokenizer.h"
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
    std::unordered_map<std::string, TokenId> m_ids;
    std::unordered_map<std::string, int> m_mergeRanks;  // "left right" -> rank
    std::array<std::string, 256> m_byteToText;  // byte -> UTF-8 of its code point
    std::unordered_map<uint32_t, uint8_t> m_codepointToByte;
};

}  // namespace hearth
