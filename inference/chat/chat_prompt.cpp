#include "chat/chat_prompt.h"

#include "core/error.h"

#include <nlohmann/json.hpp>

#include <functional>

#include "chat/chat_formatter.h"
#include "core/error.h"

#include <algorithm>

namespace hearth {

namespace {

// Placeholders are code points of Unicode's Supplementary Private Use Area-A (U+F0000 +
// index): no template or tokenizer gives them meaning, and UTF-8 makes them 4 fixed bytes
// (F3 B0..BF 80..BF 80..BF), so they survive every string operation a template applies to a
// whole message (concatenation, trim, split on other text, replace of other text).
constexpr uint32_t kPlaceholderBase = 0xF0000;
constexpr size_t kPlaceholderCount = 0x10000;

std::string placeholder(size_t index)
{
    const uint32_t cp = kPlaceholderBase + uint32_t(index);
    return {char(0xF0 | (cp >> 18)), char(0x80 | ((cp >> 12) & 0x3F)), char(0x80 | ((cp >> 6) & 0x3F)), char(0x80 | (cp & 0x3F))};
}

// The placeholder index at text[i], or -1.
long placeholderAt(const std::string& text, size_t i)
{
    if (i + 4 > text.size() || uint8_t(text[i]) != 0xF3) return -1;
    const uint8_t b1 = uint8_t(text[i + 1]), b2 = uint8_t(text[i + 2]), b3 = uint8_t(text[i + 3]);
    if (b1 < 0xB0 || b1 > 0xBF || (b2 & 0xC0) != 0x80 || (b3 & 0xC0) != 0x80) return -1;
    const uint32_t cp = (uint32_t(3) << 18) | (uint32_t(b1 & 0x3F) << 12) | (uint32_t(b2 & 0x3F) << 6) | (b3 & 0x3F);
    return long(cp - kPlaceholderBase);
}

}  // namespace

ControlStringShield::ControlStringShield(const Vocabulary& vocabulary)
{
    for (size_t i = 0; i < vocabulary.size(); ++i)
        if (vocabulary.types[i] == TokenType::Control && !vocabulary.tokens[i].empty()) m_controlStrings.push_back(vocabulary.tokens[i]);
    std::sort(m_controlStrings.begin(), m_controlStrings.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    m_controlStrings.erase(std::unique(m_controlStrings.begin(), m_controlStrings.end()), m_controlStrings.end());
    for (const std::string& s : m_controlStrings) m_firstByte[uint8_t(s[0])] = true;
    m_firstByte[0xF3] = true;  // text that already holds a placeholder code point is shielded too
}

std::string ControlStringShield::shield(const std::string& text)
{
    auto indexOf = [this](std::string_view original) {
        auto it = std::find(m_shielded.begin(), m_shielded.end(), original);
        if (it != m_shielded.end()) return size_t(it - m_shielded.begin());
        if (m_shielded.size() >= kPlaceholderCount)
            throw Error(ErrorCode::InvalidArgument, "the conversation holds too many distinct control strings to format safely");
        m_shielded.emplace_back(original);
        return m_shielded.size() - 1;
    };
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        if (!m_firstByte[uint8_t(text[i])]) {
            out += text[i++];
            continue;
        }
        size_t matched = 0;
        for (const std::string& s : m_controlStrings)
            if (text.compare(i, s.size(), s) == 0) {
                matched = s.size();
                break;
            }
        if (matched == 0 && placeholderAt(text, i) >= 0) matched = 4;
        if (matched == 0) {
            out += text[i++];
            continue;
        }
        out += placeholder(indexOf(std::string_view(text).substr(i, matched)));
        i += matched;
    }
    return out;
}

std::string ControlStringShield::restore(const std::string& rendered, std::vector<Tokenizer::TextRange>& literal) const
{
    std::string out;
    out.reserve(rendered.size());
    literal.clear();
    for (size_t i = 0; i < rendered.size();) {
        const long index = placeholderAt(rendered, i);
        if (index < 0 || size_t(index) >= m_shielded.size()) {
            out += rendered[i++];
            continue;
        }
        const std::string& original = m_shielded[size_t(index)];
        if (!literal.empty() && literal.back().end == out.size()) literal.back().end += original.size();
        else literal.push_back({out.size(), out.size() + original.size()});
        out += original;
        i += 4;
    }
    return out;
}

namespace {

// Every string (keys and values) inside client JSON, shielded; "" stays "".
std::string shieldJson(ControlStringShield& shield, const std::string& text)
{
    if (text.empty()) return text;
    auto j = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) throw Error(ErrorCode::InvalidArgument, "tool data is not valid JSON");
    std::function<nlohmann::ordered_json(const nlohmann::ordered_json&)> walk =
        [&](const nlohmann::ordered_json& v) -> nlohmann::ordered_json {
        if (v.is_string()) return shield.shield(v.get<std::string>());
        if (v.is_array()) {
            nlohmann::ordered_json out = nlohmann::ordered_json::array();
            for (const auto& item : v) out.push_back(walk(item));
            return out;
        }
        if (v.is_object()) {
            nlohmann::ordered_json out = nlohmann::ordered_json::object();
            for (auto it = v.begin(); it != v.end(); ++it) out[shield.shield(it.key())] = walk(it.value());
            return out;
        }
        return v;
    };
    return walk(j).dump();
}

}  // namespace

ChatPrompt renderChatPrompt(ChatFormatter& formatter, const Tokenizer& tokenizer, const std::vector<ChatMessage>& messages,
                            bool addGenerationPrompt, const std::string& replyPrefix, std::optional<bool> thinking,
                            const std::string& toolsJson)
{
    const Vocabulary& vocab = tokenizer.vocabulary();
    ControlStringShield shield(vocab);
    std::vector<ChatMessage> shielded = messages;
    for (ChatMessage& m : shielded) {
        m.content = shield.shield(m.content);
        if (m.reasoning) m.reasoning = shield.shield(*m.reasoning);
        m.toolCallsJson = shieldJson(shield, m.toolCallsJson);
        m.toolCallId = shield.shield(m.toolCallId);
        m.name = shield.shield(m.name);
    }
    const std::string shieldedTools = shieldJson(shield, toolsJson);
    ChatPrompt prompt;
    prompt.text = shield.restore(formatter.render(shielded, addGenerationPrompt, thinking, shieldedTools) + shield.shield(replyPrefix),
                                 prompt.literal);
    // Templates usually write the BOS text themselves; add it only when they did not.
    const std::string bosText = vocab.bos ? vocab.tokens[size_t(*vocab.bos)] : std::string();
    const bool templateAddsBos = !bosText.empty() && prompt.text.rfind(bosText, 0) == 0 &&
        (prompt.literal.empty() || prompt.literal.front().begin >= bosText.size());
    prompt.tokens = tokenizer.encodeWithLiterals(prompt.text, !templateAddsBos, prompt.literal);
    return prompt;
}

}  // namespace hearth
