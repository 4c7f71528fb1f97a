#include "chat/reasoning_splitter.h"

namespace hearth {

namespace {

// Length of the longest suffix of s that is a proper prefix of tag (a tag possibly still arriving).
size_t partialTagSuffix(const std::string& s, const std::string& tag)
{
    for (size_t n = std::min(s.size(), tag.size() - 1); n > 0; --n)
        if (s.compare(s.size() - n, n, tag, 0, n) == 0) return n;
    return 0;
}

bool isSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

}  // namespace

ReasoningSplitter::ReasoningSplitter(bool startsInReasoning, Tags tags)
    : m_state(startsInReasoning ? State::Reasoning : State::Start), m_tags(std::move(tags)),
      m_trimNewlines(startsInReasoning && m_tags.trimLeadingNewlines)
{
}

bool ReasoningSplitter::promptOpensReasoning(const std::string& prompt, const Tags& tags)
{
    size_t end = prompt.size();
    while (end > 0 && isSpace(prompt[end - 1])) --end;
    const size_t open = prompt.rfind(tags.open, end);
    return open != std::string::npos && open + tags.open.size() == end;
}

ReasoningSplitter::Delta ReasoningSplitter::push(const std::string& text)
{
    Delta out;
    m_pending += text;
    for (;;) {
        if (m_state == State::Start) {
            // Leading whitespace, then either "<think>" or the answer begins.
            size_t i = 0;
            while (i < m_pending.size() && isSpace(m_pending[i])) ++i;
            const std::string rest = m_pending.substr(i);
            const std::string& open = m_tags.open;
            if (rest.size() < open.size() && open.compare(0, rest.size(), rest) == 0) return out;  // undecided
            if (rest.compare(0, open.size(), open) == 0) {
                m_pending = rest.substr(open.size());
                m_state = State::Reasoning;
                m_trimNewlines = m_tags.trimLeadingNewlines;
                continue;
            }
            m_state = State::Answer;
            continue;
        }
        if (m_state == State::Reasoning) {
            const std::string& closeTag = m_tags.close;
            if (m_trimNewlines) {
                size_t i = 0;
                while (i < m_pending.size() && (m_pending[i] == '\n' || m_pending[i] == '\r')) ++i;
                m_pending.erase(0, i);
                if (m_pending.empty()) return out;
                m_trimNewlines = false;
            }
            const size_t close = m_pending.find(closeTag);
            if (close != std::string::npos) {
                out.reasoning += m_pending.substr(0, close);
                m_pending = m_pending.substr(close + closeTag.size());
                // The answer conventionally starts after blank lines: drop them.
                size_t i = 0;
                while (i < m_pending.size() && (m_pending[i] == '\n' || m_pending[i] == '\r')) ++i;
                m_pending.erase(0, i);
                m_state = State::Answer;
                continue;
            }
            const size_t hold = partialTagSuffix(m_pending, closeTag);
            out.reasoning += m_pending.substr(0, m_pending.size() - hold);
            m_pending.erase(0, m_pending.size() - hold);
            return out;
        }
        out.answer += m_pending;
        m_pending.clear();
        return out;
    }
}

ReasoningSplitter::Delta ReasoningSplitter::flush()
{
    Delta out;
    if (m_state == State::Reasoning) out.reasoning = m_pending;
    else out.answer = m_pending;
    m_pending.clear();
    return out;
}

}  // namespace hearth
