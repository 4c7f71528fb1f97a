#include "tokenizer/sentencepiece_proto.h"

#include <cstring>

namespace hearth {

namespace {

// Field numbers from sentencepiece_model.proto.
enum : uint32_t {
    kModelPieces = 1,
    kModelTrainerSpec = 2,
    kModelNormalizerSpec = 3,
    kPiecePiece = 1,
    kPieceScore = 2,
    kPieceType = 3,
    kTrainerModelType = 3,
    kTrainerVocabSize = 4,
    kTrainerByteFallback = 35,
    kTrainerUnkId = 40,
    kTrainerBosId = 41,
    kTrainerEosId = 42,
    kTrainerPadId = 43,
    kNormalizerName = 1,
    kNormalizerAddDummyPrefix = 3,
    kNormalizerRemoveExtraWhitespaces = 4,
    kNormalizerEscapeWhitespaces = 5,
};
constexpr uint32_t kModelTypeBpe = 2;
enum : uint32_t { kWireVarint = 0, kWireLengthDelimited = 2, kWireFixed32 = 5 };

class ProtoWriter {
public:
    void varint(uint64_t v)
    {
        while (v >= 0x80) {
            m_out.push_back(char(uint8_t(v) | 0x80));
            v >>= 7;
        }
        m_out.push_back(char(v));
    }
    void tag(uint32_t field, uint32_t wire) { varint((uint64_t(field) << 3) | wire); }
    void varintField(uint32_t field, int64_t v)
    {
        tag(field, kWireVarint);
        varint(uint64_t(v));
    }  // negative ints: 10 bytes, as protobuf does
    void bytesField(uint32_t field, const std::string& bytes)
    {
        tag(field, kWireLengthDelimited);
        varint(bytes.size());
        m_out += bytes;
    }
    void floatField(uint32_t field, float v)
    {
        tag(field, kWireFixed32);
        char b[4];
        std::memcpy(b, &v, 4);  // little-endian hosts, like GGUF itself
        m_out.append(b, 4);
    }
    const std::string& str() const { return m_out; }

private:
    std::string m_out;
};

}  // namespace

std::string serializeSentencePieceModel(const Vocabulary& v)
{
    ProtoWriter model;
    bool hasBytes = false;
    // sentencepiece wants exactly one UNKNOWN piece, the unk id. GGUF files may mark the unk
    // token CONTROL and padding tokens UNKNOWN (Phi-3): neither is ever produced from text,
    // so the others become CONTROL, which the library treats the same way.
    const TokenId unk = v.unk.value_or(0);
    for (size_t i = 0; i < v.size(); ++i) {
        ProtoWriter piece;
        piece.bytesField(kPiecePiece, v.tokens[i]);
        piece.floatField(kPieceScore, v.scores.empty() ? 0.0f : v.scores[i]);
        TokenType type = v.types[i] == TokenType::Undefined ? TokenType::Normal : v.types[i];
        if (TokenId(i) == unk) type = TokenType::Unknown;
        else if (type == TokenType::Unknown) type = TokenType::Control;
        piece.varintField(kPieceType, int64_t(type));
        hasBytes = hasBytes || type == TokenType::Byte;
        model.bytesField(kModelPieces, piece.str());
    }

    ProtoWriter trainer;
    trainer.varintField(kTrainerModelType, kModelTypeBpe);
    trainer.varintField(kTrainerVocabSize, int64_t(v.size()));
    if (hasBytes) trainer.varintField(kTrainerByteFallback, 1);
    trainer.varintField(kTrainerUnkId, unk);
    trainer.varintField(kTrainerBosId, v.bos.value_or(-1));
    trainer.varintField(kTrainerEosId, v.eos.value_or(-1));
    trainer.varintField(kTrainerPadId, v.pad.value_or(-1));
    model.bytesField(kModelTrainerSpec, trainer.str());

    // llama.cpp's SentencePiece models keep whitespace as written: no normalization rules,
    // no collapsing of spaces; the dummy prefix follows add_space_prefix.
    ProtoWriter normalizer;
    normalizer.bytesField(kNormalizerName, "identity");
    normalizer.varintField(kNormalizerAddDummyPrefix, v.addSpacePrefix ? 1 : 0);
    normalizer.varintField(kNormalizerRemoveExtraWhitespaces, 0);
    normalizer.varintField(kNormalizerEscapeWhitespaces, 1);
    model.bytesField(kModelNormalizerSpec, normalizer.str());
    return model.str();
}

}  // namespace hearth
