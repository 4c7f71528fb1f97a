// Serializes a GGUF SentencePiece vocabulary as a sentencepiece ModelProto (protobuf wire
// format), so the sentencepiece library itself can tokenize exactly as the original model did.
#pragma once

#include "tokenizer/vocabulary.h"

#include <string>

namespace hearth {

std::string serializeSentencePieceModel(const Vocabulary& vocabulary);

}  // namespace hearth
