#include "tokenizer/sentencepiece_tokenizer.h"

#include "core/error.h"
#include "tokenizer/sentencepiece_proto.h"

#include <sentencepiece_processor.h>

namespace hearth {

namespace {

const std::string kSpaceMarker = "\xE2\x96\x81";  // U+2581 '▁'

std::unique_ptr<sentencepiece::SentencePieceProcessor> loadProcessor(const Vocabulary& v)
{
    auto processor = std::make_unique<sentencepiece::SentencePieceProcessor>();
    auto status = processor->LoadFromSerializedProto(serializeSentencePieceModel(v));
    if (!status.ok())
        throw Error(ErrorCode::InvalidFile, "the SentencePiece vocabulary was rejected by the sentencepiece library: " + status.ToString());
    return processor;
}

int hexDigit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

}  // namespace

SentencePieceTokenizer::SentencePieceTokenizer(Vocabulary vocabulary) : Tokenizer(std::move(vocabulary))
{
    m_processor = loadProcessor(m_vocabulary);
}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;

void SentencePieceTokenizer::encodeText(std::string_view text, std::vector<TokenId>& out) const
{
    // Fragments always start the input or follow a special token, which is exactly where
    // llama.cpp adds the space prefix, so the library's dummy prefix applies to each.
    std::vector<int> ids;
    auto status = m_processor->Encode(std::string(text), &ids);
    if (!status.ok()) throw Error(ErrorCode::InvalidArgument, "SentencePiece could not encode the text: " + status.ToString());
    out.insert(out.end(), ids.begin(), ids.end());
}

std::string SentencePieceTokenizer::pieceBytes(TokenId id) const
{
    const std::string& piece = m_vocabulary.tokens[size_t(id)];
    if (m_vocabulary.types[size_t(id)] == TokenType::Byte) {
        // "<0xAB>" stands for the raw byte 0xAB.
        if (piece.size() == 6 && piece.compare(0, 3, "<0x") == 0 && piece[5] == '>') {
            int hi = hexDigit(piece[3]), lo = hexDigit(piece[4]);
            if (hi >= 0 && lo >= 0) return std::string(1, char(hi * 16 + lo));
        }
        return piece;
    }
    std::string text;
    text.reserve(piece.size());
    for (size_t i = 0; i < piece.size();) {
        if (piece.compare(i, kSpaceMarker.size(), kSpaceMarker) == 0) {
            text += ' ';
            i += kSpaceMarker.size();
        } else {
            text += piece[i++];
        }
    }
    return text;
}

}  // namespace hearth
