// Text <-> token ids for a model's vocabulary. Create one with Tokenizer::create; it picks the
// implementation the vocabulary needs (SentencePiece now; byte-level BPE in its own file).
#pragma once

#include "tokenizer/vocabulary.h"

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hearth {

class Tokenizer {
public:
    virtual ~Tokenizer() = default;

    // Throws hearth::Error(UnsupportedType) for a vocabulary kind Hearth cannot tokenize.
    static std::unique_ptr<Tokenizer> create(Vocabulary vocabulary);

    // addSpecial: prepend BOS / append EOS as the vocabulary asks. parseSpecial: control and
    // user-defined token texts in `text` (e.g. "<|im_end|>") become those tokens; when false
    // they are plain text, so user input can never inject a control token.
    std::vector<TokenId> encode(std::string_view text, bool addSpecial, bool parseSpecial) const;

    // Like encode with parseSpecial, except that no control token is matched in any byte of the
    // `literal` ranges (the message text inside a rendered chat prompt): those bytes are always
    // plain text, whatever the vocabulary's control strings are. Ranges are sorted, disjoint.
    struct TextRange {
        size_t begin = 0, end = 0;
    };
    std::vector<TokenId> encodeWithLiterals(std::string_view text, bool addSpecial, std::span<const TextRange> literal) const;

    // The bytes a token stands for (may be part of a UTF-8 character). Control tokens give
    // "" unless renderSpecial.
    std::string tokenBytes(TokenId id, bool renderSpecial = false) const;

    // The text of a whole token sequence (control tokens omitted). A SentencePiece dummy-prefix
    // space on the first token is removed, so decode(encode(text)) == text.
    std::string decode(std::span<const TokenId> ids) const;

    const Vocabulary& vocabulary() const { return m_vocabulary; }

protected:
    explicit Tokenizer(Vocabulary vocabulary);
    // Encodes one fragment of plain text (no special tokens in it); fragments are separated
    // by special tokens.
    virtual void encodeText(std::string_view text, std::vector<TokenId>& out) const = 0;
    virtual std::string pieceBytes(TokenId id) const = 0;
    std::vector<TokenId> encodeImpl(std::string_view text, bool addSpecial, bool parseSpecial, std::span<const TextRange> literal) const;

    Vocabulary m_vocabulary;
    std::vector<TokenId> m_specialTokens;  // control / user-defined ids, longest text first
};

}  // namespace hearth
