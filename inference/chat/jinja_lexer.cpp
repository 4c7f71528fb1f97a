#include "chat/jinja_lexer.h"

#include "chat/jinja_value.h"

#include <cctype>

namespace hearth::jinja {

namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

class Lexer {
public:
    explicit Lexer(const std::string& s) : m_s(s) { }

    std::vector<Token> run()
    {
        bool stripNextText = false;  // the previous tag ended with `-`
        bool trimNextNewline = false;  // the previous tag was a block and trim_blocks applies
        while (m_pos < m_s.size()) {
            size_t open = findTag(m_pos);
            std::string text = m_s.substr(m_pos, open - m_pos);
            if (stripNextText) {
                size_t k = 0;
                while (k < text.size() && isSpace(text[k])) ++k;
                text.erase(0, k);
            } else if (trimNextNewline) {
                if (text.rfind("\r\n", 0) == 0) text.erase(0, 2);
                else if (!text.empty() && text[0] == '\n') text.erase(0, 1);
            }
            stripNextText = trimNextNewline = false;
            if (open == m_s.size()) {
                pushText(text);
                break;
            }
            const char kind = m_s[open + 1];  // '{', '%' or '#'
            const char modifier = open + 2 < m_s.size() ? m_s[open + 2] : '\0';
            if (modifier == '-') {
                while (!text.empty() && isSpace(text.back())) text.pop_back();
            } else if (modifier != '+' && (kind == '%' || kind == '#')) {
                // lstrip_blocks: drop spaces and tabs between the line start and the tag.
                size_t k = open;
                while (k > 0 && (m_s[k - 1] == ' ' || m_s[k - 1] == '\t')) --k;
                if (k == 0 || m_s[k - 1] == '\n')
                    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.pop_back();
            }
            pushText(text);
            countLines(m_pos, open);
            m_pos = open + 2 + ((modifier == '-' || modifier == '+') ? 1 : 0);
            if (kind == '#') {
                size_t end = m_s.find("#}", m_pos);
                if (end == std::string::npos) throw TemplateError("unterminated comment", m_line);
                stripNextText = end > m_pos && m_s[end - 1] == '-';
                trimNextNewline = !stripNextText;
                countLines(m_pos, end);
                m_pos = end + 2;
                continue;
            }
            const bool block = kind == '%';
            const size_t tagStart = m_tokens.size();
            m_tokens.push_back({block ? Token::Type::BlockBegin : Token::Type::VarBegin, "", m_line});
            stripNextText = lexTag(block);
            trimNextNewline = block && !stripNextText;
            if (block && m_tokens.size() == tagStart + 3 && m_tokens[tagStart + 1].text == "raw") lexRaw(stripNextText);
        }
        m_tokens.push_back({Token::Type::End, "", m_line});
        return std::move(m_tokens);
    }

private:
    // Position of the next tag opener at or after `from` (or the end).
    size_t findTag(size_t from) const
    {
        for (size_t i = from; i + 1 < m_s.size(); ++i)
            if (m_s[i] == '{' && (m_s[i + 1] == '{' || m_s[i + 1] == '%' || m_s[i + 1] == '#')) return i;
        return m_s.size();
    }
    void countLines(size_t from, size_t to)
    {
        for (size_t i = from; i < to && i < m_s.size(); ++i)
            if (m_s[i] == '\n') ++m_line;
    }
    void pushText(const std::string& text)
    {
        if (!text.empty()) m_tokens.push_back({Token::Type::Text, text, m_line});
    }

    // Lexes the inside of a tag up to its closer; returns whether the closer had `-`.
    bool lexTag(bool block)
    {
        const char closer = block ? '%' : '}';
        while (m_pos < m_s.size()) {
            char c = m_s[m_pos];
            if (isSpace(c)) {
                if (c == '\n') ++m_line;
                ++m_pos;
                continue;
            }
            const bool dash = (c == '-' || c == '+') && m_pos + 2 < m_s.size() && m_s[m_pos + 1] == closer && m_s[m_pos + 2] == '}';
            if (dash || (c == closer && m_pos + 1 < m_s.size() && m_s[m_pos + 1] == '}')) {
                m_pos += dash ? 3 : 2;
                m_tokens.push_back({block ? Token::Type::BlockEnd : Token::Type::VarEnd, "", m_line});
                return dash && c == '-';
            }
            if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
                size_t start = m_pos;
                while (m_pos < m_s.size() && (std::isalnum(static_cast<unsigned char>(m_s[m_pos])) || m_s[m_pos] == '_')) ++m_pos;
                m_tokens.push_back({Token::Type::Name, m_s.substr(start, m_pos - start), m_line});
            } else if (std::isdigit(static_cast<unsigned char>(c))) {
                size_t start = m_pos;
                bool isFloat = false;
                while (m_pos < m_s.size() && (std::isdigit(static_cast<unsigned char>(m_s[m_pos])) || m_s[m_pos] == '_')) ++m_pos;
                if (m_pos + 1 < m_s.size() && m_s[m_pos] == '.' && std::isdigit(static_cast<unsigned char>(m_s[m_pos + 1]))) {
                    isFloat = true;
                    ++m_pos;
                    while (m_pos < m_s.size() && std::isdigit(static_cast<unsigned char>(m_s[m_pos]))) ++m_pos;
                }
                std::string number = m_s.substr(start, m_pos - start);
                std::erase(number, '_');
                m_tokens.push_back({isFloat ? Token::Type::Float : Token::Type::Int, number, m_line});
            } else if (c == '\'' || c == '"') {
                m_tokens.push_back({Token::Type::String, lexString(c), m_line});
            } else {
                static const char* operators[] = {"**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<",
                                                  ">",  "(",  ")",  "[",  "]",  "{",  "}", ",", ".", ":", "|", "=", "!"};
                bool matched = false;
                for (const char* op : operators) {
                    const size_t n = std::char_traits<char>::length(op);
                    if (m_s.compare(m_pos, n, op) == 0) {
                        m_tokens.push_back({Token::Type::Operator, op, m_line});
                        m_pos += n;
                        matched = true;
                        break;
                    }
                }
                if (!matched) throw TemplateError(std::string("unexpected character '") + c + "'", m_line);
            }
        }
        throw TemplateError(block ? "unterminated {% tag" : "unterminated {{ expression", m_line);
    }

    std::string lexString(char quote)
    {
        std::string out;
        ++m_pos;
        while (m_pos < m_s.size() && m_s[m_pos] != quote) {
            char c = m_s[m_pos++];
            if (c == '\n') ++m_line;
            if (c != '\\' || m_pos >= m_s.size()) {
                out += c;
                continue;
            }
            char e = m_s[m_pos++];
            switch (e) {
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case 'r': out += '\r'; break;
            case '\\': out += '\\'; break;
            case '\'': out += '\''; break;
            case '"': out += '"'; break;
            case '\n': ++m_line; break;
            default: out += '\\'; out += e;
            }
        }
        if (m_pos >= m_s.size()) throw TemplateError("unterminated string", m_line);
        ++m_pos;
        return out;
    }

    // {% raw %} ... {% endraw %}: the content is text, untouched.
    void lexRaw(bool strip)
    {
        m_tokens.resize(m_tokens.size() - 3);
        size_t end = m_s.find("endraw", m_pos);
        if (end == std::string::npos) throw TemplateError("unterminated raw block", m_line);
        size_t open = m_s.rfind("{%", end);
        std::string text = m_s.substr(m_pos, open - m_pos);
        if (strip) {
            size_t k = 0;
            while (k < text.size() && isSpace(text[k])) ++k;
            text.erase(0, k);
        }
        if (open + 2 < m_s.size() && m_s[open + 2] == '-')
            while (!text.empty() && isSpace(text.back())) text.pop_back();
        pushText(text);
        countLines(m_pos, end);
        size_t close = m_s.find("%}", end);
        if (close == std::string::npos) throw TemplateError("unterminated raw block", m_line);
        m_pos = close + 2;
    }

    const std::string& m_s;
    size_t m_pos = 0;
    int m_line = 1;
    std::vector<Token> m_tokens;
};

}  // namespace

std::vector<Token> tokenize(const std::string& source) { return Lexer(source).run(); }

}  // namespace hearth::jinja
