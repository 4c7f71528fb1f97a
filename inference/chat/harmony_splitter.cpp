#include "chat/harmony_splitter.h"

#include <algorithm>

namespace hearth {

namespace {

const std::string kMessage = "<|message|>";
const std::string kChannel = "<|channel|>";
const std::string kEnd = "<|end|>";
const std::string kStart = "<|start|>";
// A header that runs this long without <|message|> is not one: the text is shown as it is.
constexpr size_t kLongestHeader = 256;

size_t partialSuffix(const std::string& s, const std::string& tag)
{
    for (size_t n = std::min(s.size(), tag.size() - 1); n > 0; --n)
        if (s.compare(s.size() - n, n, tag, 0, n) == 0) return n;
    return 0;
}

}  // namespace

HarmonySplitter::Delta HarmonySplitter::release(size_t count)
{
    Delta out;
    const std::string text = m_pending.substr(0, count);
    m_pending.erase(0, count);
    if (m_channel == "analysis") out.reasoning = text;
    else if (!m_toTool) out.answer = text;
    return out;
}

HarmonySplitter::Delta HarmonySplitter::push(const std::string& text)
{
    Delta out;
    auto append = [&out](const Delta& d) {
        out.reasoning += d.reasoning;
        out.answer += d.answer;
    };
    m_pending += text;
    for (;;) {
        if (m_state == State::Header) {
            const size_t message = m_pending.find(kMessage);
            if (message == std::string::npos) {
                if (m_pending.size() <= kLongestHeader) return out;
                // Not Harmony framing after all: show it as the answer.
                m_channel = "final";
                m_toTool = false;
                m_state = State::Content;
                continue;
            }
            const std::string header = m_pending.substr(0, message);
            m_pending.erase(0, message + kMessage.size());
            // "<|channel|>final", "<|channel|>commentary to=functions.get_weather <|constrain|>json", ...
            m_channel.clear();
            if (const size_t c = header.find(kChannel); c != std::string::npos) {
                const size_t begin = c + kChannel.size();
                size_t end = begin;
                while (end < header.size() && header[end] != ' ' && header[end] != '<') ++end;
                m_channel = header.substr(begin, end - begin);
            }
            if (m_channel.empty()) m_channel = "final";
            m_toTool = header.find(" to=") != std::string::npos || header.rfind("to=", 0) == 0;
            m_state = State::Content;
            continue;
        }
        // Content: up to <|end|> (or a new message's <|start|>, should the model skip <|end|>).
        const size_t end = std::min(m_pending.find(kEnd), m_pending.find(kStart));
        if (end != std::string::npos) {
            append(release(end));
            m_pending.erase(0, m_pending.compare(0, kEnd.size(), kEnd) == 0 ? kEnd.size() : 0);
            m_state = State::Header;
            continue;
        }
        const size_t hold = std::max(partialSuffix(m_pending, kEnd), partialSuffix(m_pending, kStart));
        append(release(m_pending.size() - hold));
        return out;
    }
}

HarmonySplitter::Delta HarmonySplitter::flush()
{
    if (m_state == State::Header) {  // an unfinished header: nothing for the user
        m_pending.clear();
        return {};
    }
    return release(m_pending.size());
}

}  // namespace hearth
