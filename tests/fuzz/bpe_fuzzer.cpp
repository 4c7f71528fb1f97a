// libFuzzer entry for the byte-level BPE tokenizer: any bytes, under every pre-tokenizer
// family, must tokenize without crashing and decode back to the same bytes.
#include "core/error.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8_stream.h"

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace {

// A small GPT-2 style vocabulary: the 256 byte tokens, a few merges and special tokens.
std::unique_ptr<hearth::Tokenizer> makeTokenizer(const std::string& pre)
{
    hearth::Vocabulary v;
    v.kind = hearth::Vocabulary::Kind::BytePairEncoding;
    v.modelName = "gpt2";
    v.pre = pre;
    auto byteText = [](int b) {
        const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
        static int next = 256;
        static int mapped[256] = {};
        if (!mapped[b]) mapped[b] = printable ? b : next++;
        const unsigned cp = unsigned(mapped[b]);
        std::string s;
        if (cp < 0x80) s += char(cp);
        else {
            s += char(0xC0 | (cp >> 6));
            s += char(0x80 | (cp & 0x3F));
        }
        return s;
    };
    for (int b = 0; b < 256; ++b) v.tokens.push_back(byteText(b));
    const std::string space = byteText(' ');
    for (const char* m : {"t h", "th e", "i n", "a n", "e r"}) v.merges.push_back(m);
    v.merges.push_back(space + " t");
    for (const char* t : {"th", "the", "in", "an", "er"}) v.tokens.push_back(t);
    v.tokens.push_back(space + "t");
    v.tokens.push_back("<|im_end|>");
    v.types.assign(v.tokens.size(), hearth::TokenType::Normal);
    v.types.back() = hearth::TokenType::Control;
    return hearth::Tokenizer::create(std::move(v));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const char* pres[] = {"qwen2", "llama-bpe", "deepseek-llm", "deepseek-coder", "deepseek-v3", "falcon", "gpt-2", "starcoder"};
    static std::vector<std::unique_ptr<hearth::Tokenizer>> tokenizers = [] {
        std::vector<std::unique_ptr<hearth::Tokenizer>> t;
        for (const char* pre : pres) t.push_back(makeTokenizer(pre));
        return t;
    }();
    if (size == 0) return 0;
    const auto& tokenizer = *tokenizers[data[0] % tokenizers.size()];
    const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
    auto ids = tokenizer.encode(text, false, (data[0] & 0x80) != 0);
    const std::string back = tokenizer.decode(ids);
    // Byte-level BPE loses nothing of valid UTF-8 (invalid bytes are shown as U+FFFD).
    hearth::Utf8Stream check;
    std::string clean = check.push(text);
    clean += check.flush();
    const bool valid = clean == text;
    if ((data[0] & 0x80) == 0 && valid && back != text) std::abort();
    return 0;
}
