#include "tokenizer/vocabulary.h"

#include "core/error.h"
#include "gguf/gguf_file.h"

namespace hearth {

bool Vocabulary::isEndOfGeneration(TokenId id) const
{
    return (eos && id == *eos) || (eot && id == *eot) || (eom && id == *eom) ||
        std::find(turnEnds.begin(), turnEnds.end(), id) != turnEnds.end();
}

namespace {

[[noreturn]] void fail(const GgufFile& file, const std::string& what)
{
    throw Error(ErrorCode::InvalidFile, file.displayName() + ": tokenizer: " + what);
}

std::optional<TokenId> specialId(const GgufFile& file, const char* key, size_t vocabSize)
{
    const GgufValue* v = file.find(key);
    if (!v) return std::nullopt;
    auto id = v->toInt();
    if (!id) fail(file, std::string(key) + " is not an integer");
    if (*id == -1 || *id == 0xFFFFFFFFll) return std::nullopt;  // converters write -1 (or its u32 form) for "none"
    if (*id < 0 || uint64_t(*id) >= vocabSize)
        fail(file, std::string(key) + " = " + std::to_string(*id) + " is outside the vocabulary of " + std::to_string(vocabSize));
    return TokenId(*id);
}

void readHarmony(Vocabulary& v)
{
    std::optional<TokenId> returnId, callId, endId;
    std::vector<TokenId> framing;
    for (size_t i = 0; i < v.tokens.size(); ++i) {
        if (v.types[i] != TokenType::Control) continue;
        const std::string& t = v.tokens[i];
        if (t == "<|return|>") returnId = TokenId(i);
        else if (t == "<|call|>") callId = TokenId(i);
        else if (t == "<|end|>") endId = TokenId(i);
        if (t == "<|channel|>" || t == "<|message|>" || t == "<|start|>" || t == "<|end|>" || t == "<|constrain|>")
            framing.push_back(TokenId(i));
    }
    if (!returnId || !callId) return;
    v.harmony = true;
    v.renderedInReplies = framing;
    if (!v.eos || v.eos == endId) v.eos = returnId;
    v.eot = returnId;
    v.eom = callId;
}

}  // namespace

Vocabulary Vocabulary::fromGguf(const GgufFile& file)
{
    Vocabulary v;
    auto model = file.getString("tokenizer.ggml.model");
    if (!model) fail(file, "tokenizer.ggml.model is missing");
    v.modelName = std::string(*model);
    if (v.modelName == "llama") v.kind = Kind::SentencePiece;
    else if (v.modelName == "gpt2") v.kind = Kind::BytePairEncoding;
    else if (v.modelName == "gemma4") v.kind = Kind::BytePairEncoding, v.rawUtf8Bpe = true;
    else
        throw Error(ErrorCode::UnsupportedType,
                    file.displayName() + ": tokenizer kind '" + v.modelName +
                        "' is not supported (Hearth reads 'llama' SentencePiece, 'gpt2' byte-level BPE and Gemma 4's 'gemma4')");
    // llama.cpp gives Gemma 4's vocabulary its own pre-tokenizer whatever the file says.
    v.pre = v.rawUtf8Bpe ? "gemma4" : std::string(file.getString("tokenizer.ggml.pre").value_or("default"));

    const GgufValue* tokens = file.find("tokenizer.ggml.tokens");
    if (!tokens || !tokens->isArray() || tokens->elementType() != GgufValueType::String)
        fail(file, "tokenizer.ggml.tokens must be an array of strings");
    if (tokens->arraySize() == 0 || tokens->arraySize() > (uint64_t(1) << 31)) fail(file, "the vocabulary is empty or too large");
    const size_t n = size_t(tokens->arraySize());
    v.tokens.reserve(n);
    for (size_t i = 0; i < n; ++i) v.tokens.emplace_back(tokens->stringAt(i));

    if (const GgufValue* scores = file.find("tokenizer.ggml.scores")) {
        if (!scores->isArray() || scores->elementType() != GgufValueType::Float32 || scores->arraySize() != n)
            fail(file, "tokenizer.ggml.scores must be f32 with one entry per token");
        v.scores.resize(n);
        for (size_t i = 0; i < n; ++i) v.scores[i] = scores->numberAt<float>(i);
    }
    v.types.assign(n, TokenType::Normal);
    if (const GgufValue* types = file.find("tokenizer.ggml.token_type")) {
        if (!types->isArray() || types->arraySize() != n) fail(file, "tokenizer.ggml.token_type must have one entry per token");
        for (size_t i = 0; i < n; ++i) {
            auto t = types->arrayInt(i);
            if (!t || *t < 0 || *t > 6) fail(file, "token " + std::to_string(i) + " has an invalid type");
            v.types[i] = TokenType(*t);
        }
    }
    if (const GgufValue* merges = file.find("tokenizer.ggml.merges")) {
        if (!merges->isArray() || merges->elementType() != GgufValueType::String)
            fail(file, "tokenizer.ggml.merges must be an array of strings");
        v.merges.reserve(size_t(merges->arraySize()));
        for (uint64_t i = 0; i < merges->arraySize(); ++i) v.merges.emplace_back(merges->stringAt(i));
    }
    if (v.kind == Kind::BytePairEncoding && v.merges.empty()) fail(file, "a gpt2 vocabulary needs tokenizer.ggml.merges");

    v.bos = specialId(file, "tokenizer.ggml.bos_token_id", n);
    v.eos = specialId(file, "tokenizer.ggml.eos_token_id", n);
    v.eot = specialId(file, "tokenizer.ggml.eot_token_id", n);
    v.eom = specialId(file, "tokenizer.ggml.eom_token_id", n);
    v.unk = specialId(file, "tokenizer.ggml.unknown_token_id", n);
    v.pad = specialId(file, "tokenizer.ggml.padding_token_id", n);
    // Defaults follow llama.cpp: SentencePiece vocabularies add BOS and a space prefix.
    v.addBos = file.getBool("tokenizer.ggml.add_bos_token").value_or(v.kind == Kind::SentencePiece);
    v.addEos = file.getBool("tokenizer.ggml.add_eos_token").value_or(false);
    v.addSpacePrefix = file.getBool("tokenizer.ggml.add_space_prefix").value_or(v.kind == Kind::SentencePiece);
    if (v.rawUtf8Bpe) {
        v.addBos = true;  // llama.cpp's rule for Gemma 4 (its PR 21500)
        // Gemma 4's channel, tool-call and quote markers are user-defined so that replies show
        // them (its reasoning and tool calls are parsed from them); as control tokens rendered in
        // replies they show there too, and user text cannot forge them.
        for (size_t i = 0; i < n; ++i) {
            const std::string& t = v.tokens[i];
            if (v.types[i] == TokenType::UserDefined && t.size() > 3 && (t.starts_with("<|") || t.ends_with("|>"))) {
                v.types[i] = TokenType::Control;
                v.renderedInReplies.push_back(TokenId(i));
            }
        }
    }
    if (v.addBos && !v.bos) fail(file, "add_bos_token is set but there is no bos_token_id");
    for (size_t i = 0; i < n; ++i)
        if (v.types[i] == TokenType::Control &&
            (v.tokens[i] == "<end_of_turn>" || v.tokens[i] == "<turn|>" || v.tokens[i] == "<|tool_response>"))
            v.turnEnds.push_back(TokenId(i));
    readHarmony(v);
    return v;
}

}  // namespace hearth
