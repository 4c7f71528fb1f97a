// SentencePiece vocabularies (Llama 1/2, Mistral, TinyLlama, Phi-3, stories260K…), encoded by
// the sentencepiece library from a ModelProto built out of the GGUF vocabulary.
#pragma once

#include "tokenizer/tokenizer.h"

#include <memory>

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace hearth {

class SentencePieceTokenizer : public Tokenizer {
public:
    explicit SentencePieceTokenizer(Vocabulary vocabulary);
    ~SentencePieceTokenizer() override;

protected:
    void encodeText(std::string_view text, std::vector<TokenId>& out) const override;
    std::string pieceBytes(TokenId id) const override;

private:
    std::unique_ptr<sentencepiece::SentencePieceProcessor> m_processor;
};

}  // namespace hearth
