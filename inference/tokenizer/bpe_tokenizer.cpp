#include "tokenizer/bpe_tokenizer.h"

#include "core/error.h"

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace hearth {

namespace {

std::string utf8(uint32_t cp)
{
    std::string s;
    if (cp < 0x80) s += char(cp);
    else if (cp < 0x800) {
        s += char(0xC0 | (cp >> 6));
        s += char(0x80 | (cp & 0x3F));
    } else {
        s += char(0xE0 | (cp >> 12));
        s += char(0x80 | ((cp >> 6) & 0x3F));
        s += char(0x80 | (cp & 0x3F));
    }
    return s;
}

// Decodes one UTF-8 character at s[i]; returns its length (1 for invalid bytes).
size_t decodeUtf8(const std::string& s, size_t i, uint32_t& cp)
{
    const auto b = static_cast<unsigned char>(s[i]);
    size_t len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 1;
    if (i + len > s.size()) len = 1;
    cp = len == 1 ? b : b & (0xFF >> (len + 1));
    for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    return len;
}

// SentencePiece's visible space, U+2581 (Gemma 4's vocabulary writes spaces as it).
constexpr const char* kSpaceMark = "\xE2\x96\x81";

size_t utf8Length(unsigned char lead) { return lead < 0x80 ? 1 : (lead >> 5) == 6 ? 2 : (lead >> 4) == 14 ? 3 : (lead >> 3) == 30 ? 4 : 1; }

}  // namespace

BpeTokenizer::BpeTokenizer(Vocabulary vocabulary) : Tokenizer(std::move(vocabulary)), m_pretokenizer(m_vocabulary.pre)
{
    // GPT-2's byte <-> code point table: printable bytes map to themselves, the rest to 256+n.
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
        const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
        const uint32_t cp = printable ? b : next++;
        m_byteToText[b] = utf8(cp);
        m_codepointToByte[cp] = uint8_t(b);
    }
    m_tokenIndex = StringIndex(m_vocabulary.tokens);
    m_mergeIndex = StringIndex(m_vocabulary.merges);
}

void BpeTokenizer::encodeWord(const std::string& mapped, std::vector<TokenId>& out) const
{
    // Gemma 4: a run of newlines that is a token is that token (llama.cpp's fix, its PR 21343).
    const bool newlines = m_vocabulary.rawUtf8Bpe && mapped.find_first_not_of('\n') == std::string::npos;
    if (m_pretokenizer.ignoreMerges() || newlines) {
        if (const TokenId id = idOf(mapped); id >= 0) {
            out.push_back(id);
            return;
        }
    }
    std::vector<std::string> symbols;
    for (size_t i = 0; i < mapped.size();) {
        const size_t len = std::min(utf8Length(static_cast<unsigned char>(mapped[i])), mapped.size() - i);
        symbols.emplace_back(mapped, i, len);
        i += len;
    }
    // Merge the adjacent pair of lowest rank (leftmost on ties) until none is in the table.
    for (;;) {
        int bestRank = INT_MAX;
        size_t best = 0;
        for (size_t i = 0; i + 1 < symbols.size(); ++i) {
            const int rank = mergeRank(symbols[i], symbols[i + 1]);
            if (rank >= 0 && rank < bestRank) {
                bestRank = rank;
                best = i;
            }
        }
        if (bestRank == INT_MAX) break;
        symbols[best] += symbols[best + 1];
        symbols.erase(symbols.begin() + std::ptrdiff_t(best) + 1);
    }
    for (const auto& symbol : symbols) {
        if (const TokenId id = idOf(symbol); id >= 0) {
            out.push_back(id);
            continue;
        }
        if (m_vocabulary.rawUtf8Bpe) {  // SentencePiece's byte fallback: <0xXX> per byte
            for (unsigned char byte : symbol) {
                char name[8];
                std::snprintf(name, sizeof name, "<0x%02X>", byte);
                if (const TokenId id = idOf(name); id >= 0) out.push_back(id);
                else if (m_vocabulary.unk) out.push_back(*m_vocabulary.unk);
            }
            continue;
        }
        // Not in the vocabulary (a broken file): fall back to one token per byte.
        for (size_t i = 0; i < symbol.size();) {
            uint32_t cp;
            i += decodeUtf8(symbol, i, cp);
            auto byte = m_codepointToByte.find(cp);
            if (byte == m_codepointToByte.end()) continue;
            if (const TokenId id = idOf(m_byteToText[byte->second]); id >= 0) out.push_back(id);
            else if (m_vocabulary.unk) out.push_back(*m_vocabulary.unk);
        }
    }
}

void BpeTokenizer::encodeText(std::string_view text, std::vector<TokenId>& out) const
{
    if (m_vocabulary.rawUtf8Bpe) {
        std::string escaped;
        escaped.reserve(text.size() + text.size() / 2);
        for (char c : text) {
            if (c == ' ') escaped += kSpaceMark;
            else escaped += c;
        }
        for (const std::string& word : m_pretokenizer.split(escaped)) encodeWord(word, out);
        return;
    }
    for (const std::string& word : m_pretokenizer.split(text)) {
        std::string mapped;
        mapped.reserve(word.size() * 2);
        for (unsigned char b : word) mapped += m_byteToText[b];
        encodeWord(mapped, out);
    }
}

std::string BpeTokenizer::pieceBytes(TokenId id) const
{
    const std::string& text = m_vocabulary.tokens[size_t(id)];
    if (m_vocabulary.rawUtf8Bpe) {
        if (m_vocabulary.types[size_t(id)] == TokenType::Byte && text.size() == 6)
            return std::string(1, char(std::strtoul(text.substr(3, 2).c_str(), nullptr, 16)));
        std::string bytes;
        for (size_t at = 0;;) {  // U+2581 back to spaces
            const size_t mark = text.find(kSpaceMark, at);
            bytes.append(text, at, mark == std::string::npos ? std::string::npos : mark - at);
            if (mark == std::string::npos) return bytes;
            bytes += ' ';
            at = mark + std::string_view(kSpaceMark).size();
        }
    }
    std::string bytes;
    for (size_t i = 0; i < text.size();) {
        uint32_t cp;
        const size_t len = decodeUtf8(text, i, cp);
        auto it = m_codepointToByte.find(cp);
        if (it != m_codepointToByte.end()) bytes += char(it->second);
        else bytes.append(text, i, len);  // not a mapped byte (e.g. an added token's raw text)
        i += len;
    }
    return bytes;
}

}  // namespace hearth
