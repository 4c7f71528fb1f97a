#include "tokenizer/tokenizer.h"

#include "core/error.h"
#ifndef HEARTH_NO_TOKENIZER_LIBRARIES
#include "tokenizer/bpe_tokenizer.h"
#include "tokenizer/sentencepiece_tokenizer.h"
#endif

#include <algorithm>

namespace hearth {

Tokenizer::Tokenizer(Vocabulary vocabulary) : m_vocabulary(std::move(vocabulary))
{
    for (size_t i = 0; i < m_vocabulary.size(); ++i) {
        TokenType t = m_vocabulary.types[i];
        if ((t == TokenType::Control || t == TokenType::UserDefined) && !m_vocabulary.tokens[i].empty())
            m_specialTokens.push_back(TokenId(i));
    }
    std::stable_sort(m_specialTokens.begin(), m_specialTokens.end(), [this](TokenId a, TokenId b) {
        return m_vocabulary.tokens[size_t(a)].size() > m_vocabulary.tokens[size_t(b)].size();
    });
}

std::unique_ptr<Tokenizer> Tokenizer::create(Vocabulary vocabulary)
{
    switch (vocabulary.kind) {
#ifndef HEARTH_NO_TOKENIZER_LIBRARIES
    case Vocabulary::Kind::SentencePiece: return std::make_unique<SentencePieceTokenizer>(std::move(vocabulary));
    case Vocabulary::Kind::BytePairEncoding: return std::make_unique<BpeTokenizer>(std::move(vocabulary));
#else
    case Vocabulary::Kind::SentencePiece:
    case Vocabulary::Kind::BytePairEncoding: break;
#endif
    }
    throw Error(ErrorCode::UnsupportedType, "tokenizer kind '" + vocabulary.modelName + "' cannot be tokenized by this build");
}

std::vector<TokenId> Tokenizer::encode(std::string_view text, bool addSpecial, bool parseSpecial) const
{
    return encodeImpl(text, addSpecial, parseSpecial, {});
}

std::vector<TokenId> Tokenizer::encodeWithLiterals(std::string_view text, bool addSpecial, std::span<const TextRange> literal) const
{
    return encodeImpl(text, addSpecial, /*parseSpecial=*/true, literal);
}

namespace {

// Whether [at, at + length) overlaps one of the sorted, disjoint ranges.
bool overlapsLiteral(std::span<const Tokenizer::TextRange> literal, size_t at, size_t length)
{
    auto it = std::upper_bound(literal.begin(), literal.end(), at, [](size_t pos, const Tokenizer::TextRange& r) { return pos < r.end; });
    return it != literal.end() && it->begin < at + length;
}

}  // namespace

std::vector<TokenId> Tokenizer::encodeImpl(std::string_view text, bool addSpecial, bool parseSpecial,
                                           std::span<const TextRange> literal) const
{
    std::vector<TokenId> out;
    if (addSpecial && m_vocabulary.addBos && m_vocabulary.bos) out.push_back(*m_vocabulary.bos);
    size_t pos = 0;
    while (pos < text.size()) {
        // Find the earliest special token (longest at that position). User-defined tokens
        // (e.g. MPT's whitespace runs) always count, as in the reference tokenizers; control
        // tokens only when parsing specials, and never inside a literal range, so user text
        // cannot inject them.
        size_t bestAt = text.size();
        TokenId best = -1;
        for (TokenId id : m_specialTokens) {
            const bool control = m_vocabulary.types[size_t(id)] != TokenType::UserDefined;
            if (!parseSpecial && control) continue;
            const std::string& s = m_vocabulary.tokens[size_t(id)];
            size_t at = text.find(s, pos);
            while (control && at < bestAt && at != std::string_view::npos && overlapsLiteral(literal, at, s.size()))
                at = text.find(s, at + 1);
            if (at < bestAt) {
                bestAt = at;
                best = id;
            }
        }
        if (bestAt > pos) {
            encodeText(text.substr(pos, bestAt - pos), out);
        }
        if (best < 0) break;
        out.push_back(best);
        pos = bestAt + m_vocabulary.tokens[size_t(best)].size();
    }
    if (addSpecial && m_vocabulary.addEos && m_vocabulary.eos) out.push_back(*m_vocabulary.eos);
    return out;
}

std::string Tokenizer::decode(std::span<const TokenId> ids) const
{
    std::string text;
    bool first = true;
    for (TokenId id : ids) {
        std::string piece = tokenBytes(id);
        if (first && !piece.empty()) {
            if (m_vocabulary.kind == Vocabulary::Kind::SentencePiece && m_vocabulary.addSpacePrefix && piece[0] == ' ') piece.erase(0, 1);
            first = false;
        }
        text += piece;
    }
    return text;
}

std::string Tokenizer::tokenBytes(TokenId id, bool renderSpecial) const
{
    if (id < 0 || size_t(id) >= m_vocabulary.size())
        throw Error(ErrorCode::InvalidArgument, "token id " + std::to_string(id) + " is outside the vocabulary");
    TokenType t = m_vocabulary.types[size_t(id)];
    if (t == TokenType::Control || t == TokenType::Unknown || t == TokenType::Unused)
        return renderSpecial || m_vocabulary.isRenderedInReplies(id) ? m_vocabulary.tokens[size_t(id)] : std::string();
    if (t == TokenType::UserDefined) return m_vocabulary.tokens[size_t(id)];
    return pieceBytes(id);
}

}  // namespace hearth
