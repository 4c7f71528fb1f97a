#include "chat/harmony_splitter.h"

#include <algorithm>
#include <cctype>

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
    else if (m_toTool) m_toolArguments += text;
    else out.answer = text;
    return out;
}

HarmonySplitter::Delta HarmonySplitter::endMessage()
{
    Delta out;
    if (m_toTool && !m_tool.empty()) {
        std::string name;  // a function name, quoted for JSON
        for (char c : m_tool)
            if (c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20) name += c;
        size_t begin = 0, end = m_toolArguments.size();
        while (begin < end && std::isspace(static_cast<unsigned char>(m_toolArguments[begin]))) ++begin;
        while (end > begin && std::isspace(static_cast<unsigned char>(m_toolArguments[end - 1]))) --end;
        const std::string arguments = end > begin ? m_toolArguments.substr(begin, end - begin) : "{}";
        out.answer = "<tool_call>{\"name\": \"" + name + "\", \"arguments\": " + arguments + "}</tool_call>";
    }
    m_toolArguments.clear();
    m_toTool = false;
    m_tool.clear();
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
            const size_t to = header.find("to=");
            m_toTool = to != std::string::npos;
            m_tool.clear();
            if (m_toTool && header.compare(to + 3, 10, "functions.") == 0) {
                size_t end = to + 13;
                while (end < header.size() && header[end] != ' ' && header[end] != '<') ++end;
                m_tool = header.substr(to + 13, end - (to + 13));
            }
            m_state = State::Content;
            continue;
        }
        // Content: up to <|end|> (or a new message's <|start|>, should the model skip <|end|>).
        const size_t end = std::min(m_pending.find(kEnd), m_pending.find(kStart));
        if (end != std::string::npos) {
            append(release(end));
            append(endMessage());
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
    Delta out = release(m_pending.size());
    const Delta call = endMessage();  // a call ends the reply (<|call|>): its arguments are complete
    out.answer += call.answer;
    return out;
}

}  // namespace hearth
