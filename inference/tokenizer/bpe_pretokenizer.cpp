#include "tokenizer/bpe_pretokenizer.h"

#include "core/error.h"
#include "tokenizer/utf8_stream.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <map>

namespace hearth {

namespace {

// GPT-2's expression, shared by many vocabularies.
const char* kGpt2 = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))";
// Llama 3 (and DBRX, Smaug): the case-insensitive contractions spelled out.
const char* kLlama3 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// Qwen 2 / 2.5 / 3 (and DeepSeek-R1-Distill-Qwen): like Llama 3 but single digits.
const char* kQwen2 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// Qwen3.5 / 3.6: Qwen 2's with combining marks kept inside words (the tokenizer.json expression).
const char* kQwen35 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// GPT-4o's o200k (Phi-4, Phi-4-mini): letters split by case runs, contractions attached, up to
// three digits. PCRE2 runs the original tokenizer.json expression as written.
const char* kGpt4o = R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?)"
                     R"(|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?)"
                     R"(|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// Mistral's Tekken (Mistral Nemo, Small 3, Ministral 3): the same case runs without contractions,
// single digits; its vocabulary is used without merges (tokens are looked up whole first).
const char* kTekken = R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+)"
                      R"(|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*)"
                      R"(|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

struct Family {
    std::vector<std::string> regexes;
    bool ignoreMerges = false;
};

const std::map<std::string, Family>& families()
{
    static const std::map<std::string, Family> table = [] {
        std::map<std::string, Family> t;
        const Family llama3 {{kLlama3}, true};
        const Family qwen2 {{kQwen2}, false};
        const Family gpt2 {{kGpt2}, false};
        // Code points written as \\x{...} are ones that text tools silently normalize (NFC).
        // Long Unicode classes: the formatter is not stable on them.
        // clang-format off
        const Family deepseekLlm {
            {"[\r\n]",
             "\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-\\x{"
             "1F7D}ᾀ-ᾴᾶ-ᾼ\\x{1FBE}ῂ-ῄῆ-ῌῐ-\\x{1FD3}ῖ-\\x{1FDB}ῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤ\\x{2126}ℨ\\x{212A}-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-"
             "ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ\U00010400-\U0001044f𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+",
             "\\s?[!-/:-~！-／：-～‘-‟　-。]+", "\\s+$", "[一-龥ࠀ-一가-퟿]+", "\\p{N}+"},
            false};
        // clang-format on
        const Family deepseekCoder {{"[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", "[一-龥ࠀ-一가-퟿]+", "\\p{N}"}, false};
        const Family deepseekV3 {
            {"\\p{N}{1,3}", "[一-龥\u3040-ゟ゠-ヿ]+",
             R"([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"},
            false};
        const Family falcon {{R"([\p{P}\$\+<=>\^~\|`]+)", kGpt2, "[0-9][0-9][0-9]"}, false};
        const Family starcoder {{"\\p{N}", kGpt2}, false};
        // tokenizer.ggml.pre values as llama.cpp's converter writes them.
        for (const char* name : {"llama3", "llama-bpe", "llama-v3", "dbrx", "smaug-bpe"}) t[name] = llama3;
        for (const char* name : {"qwen2", "stablelm2", "deepseek-r1-qwen", "hunyuan"}) t[name] = qwen2;
        for (const char* name : {"gpt-2", "gpt2", "mpt", "olmo", "jais", "trillion"}) t[name] = gpt2;
        t["deepseek-llm"] = deepseekLlm;
        t["deepseek-coder"] = deepseekCoder;
        t["deepseek-v3"] = deepseekV3;
        t["falcon"] = falcon;
        for (const char* name : {"starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva"}) t[name] = starcoder;
        t["chatglm-bpe"] = Family {{kLlama3}, false};
        t["gpt-4o"] = Family {{kGpt4o}, false};
        t["tekken"] = Family {{kTekken}, true};
        t["qwen35"] = Family {{kQwen35}, false};
        // Gemma 4: spaces are already U+2581, merges run over whole lines (llama.cpp splits only
        // at newlines, which no merge crosses).
        t["gemma4"] = Family {{"[^\\n]+|[\\n]+"}, false};
        return t;
    }();
    return table;
}

}  // namespace

struct BpePretokenizer::Regex {
    pcre2_code* code = nullptr;
    pcre2_match_data* match = nullptr;
    ~Regex()
    {
        pcre2_match_data_free(match);
        pcre2_code_free(code);
    }
};

BpePretokenizer::BpePretokenizer(const std::string& pre)
{
    auto it = families().find(pre);
    if (it == families().end()) throw Error(ErrorCode::UnsupportedType, "byte-level BPE pre-tokenizer '" + pre + "' is not supported");
    m_ignoreMerges = it->second.ignoreMerges;
    for (const auto& pattern : it->second.regexes) {
        auto regex = std::make_unique<Regex>();
        int errorCode = 0;
        PCRE2_SIZE errorOffset = 0;
        // $ means the end of the piece only, as in the reference implementations.
        regex->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                    PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY, &errorCode, &errorOffset, nullptr);
        if (!regex->code) {
            PCRE2_UCHAR message[256];
            pcre2_get_error_message(errorCode, message, sizeof message);
            throw Error(ErrorCode::InvalidArgument,
                        "pre-tokenizer '" + pre + "': regex error at " + std::to_string(errorOffset) + ": " +
                            reinterpret_cast<char*>(message));
        }
        pcre2_jit_compile(regex->code, PCRE2_JIT_COMPLETE);  // optional speed-up; falls back silently
        regex->match = pcre2_match_data_create_from_pattern(regex->code, nullptr);
        m_regexes.push_back(std::move(regex));
    }
}

BpePretokenizer::~BpePretokenizer() = default;

std::vector<std::string> BpePretokenizer::split(std::string_view input) const
{
    // The regexes need valid UTF-8 (PCRE2 is told not to re-check each piece): invalid bytes
    // become U+FFFD, as a text decoder would show them.
    std::string text(input);
    {
        Utf8Stream stream;
        std::string clean = stream.push(text);
        clean += stream.flush();
        if (clean != text) text = std::move(clean);
    }
    std::vector<std::string> pieces {text};
    for (const auto& regex : m_regexes) {
        std::vector<std::string> next;
        for (const std::string& piece : pieces) {
            const auto* subject = reinterpret_cast<PCRE2_SPTR>(piece.data());
            PCRE2_SIZE start = 0, gapStart = 0;
            while (start <= piece.size()) {
                int rc = pcre2_match(regex->code, subject, piece.size(), start, PCRE2_NO_UTF_CHECK, regex->match, nullptr);
                if (rc < 0) break;
                const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(regex->match);
                const PCRE2_SIZE begin = ovector[0], end = ovector[1];
                if (end == begin) {  // empty match: step one character forward
                    start = end + 1;
                    while (start < piece.size() && (static_cast<unsigned char>(piece[start]) & 0xC0) == 0x80) ++start;
                    continue;
                }
                if (begin > gapStart) next.emplace_back(piece, gapStart, begin - gapStart);
                next.emplace_back(piece, begin, end - begin);
                gapStart = start = end;
            }
            if (gapStart < piece.size()) next.emplace_back(piece, gapStart, piece.size() - gapStart);
        }
        pieces = std::move(next);
    }
    return pieces;
}

}  // namespace hearth
