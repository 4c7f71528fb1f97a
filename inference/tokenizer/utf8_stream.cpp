#include "tokenizer/utf8_stream.h"

namespace hearth {

namespace {

const char* kReplacement = "\xEF\xBF\xBD";

// Length of the sequence a lead byte starts, or 0 for a byte that cannot start one.
size_t sequenceLength(unsigned char lead)
{
    if (lead < 0x80) return 1;
    if (lead >= 0xC2 && lead <= 0xDF) return 2;
    if (lead >= 0xE0 && lead <= 0xEF) return 3;
    if (lead >= 0xF0 && lead <= 0xF4) return 4;
    return 0;
}

// The valid range of the byte after a lead byte (RFC 3629: no overlongs, no surrogates, at most U+10FFFF).
bool secondByteOk(unsigned char lead, unsigned char b)
{
    switch (lead) {
    case 0xE0: return b >= 0xA0 && b <= 0xBF;
    case 0xED: return b >= 0x80 && b <= 0x9F;
    case 0xF0: return b >= 0x90 && b <= 0xBF;
    case 0xF4: return b >= 0x80 && b <= 0x8F;
    default: return b >= 0x80 && b <= 0xBF;
    }
}

bool continuationOk(const std::string& s, size_t lead, size_t j)
{
    const auto b = static_cast<unsigned char>(s[j]);
    return j == lead + 1 ? secondByteOk(static_cast<unsigned char>(s[lead]), b) : (b & 0xC0) == 0x80;
}

}  // namespace

std::string Utf8Stream::push(std::string_view bytes)
{
    m_pending.append(bytes);
    std::string out;
    size_t i = 0;
    while (i < m_pending.size()) {
        const auto lead = static_cast<unsigned char>(m_pending[i]);
        const size_t len = sequenceLength(lead);
        if (len == 0) {
            out += kReplacement;
            ++i;
            continue;
        }
        if (i + len > m_pending.size()) {
            // Possibly incomplete: keep it if every byte so far is a continuation byte.
            bool plausible = true;
            for (size_t j = i + 1; j < m_pending.size(); ++j) plausible = plausible && continuationOk(m_pending, i, j);
            if (plausible) break;
            out += kReplacement;
            ++i;
            continue;
        }
        bool valid = true;
        for (size_t j = 1; j < len; ++j) valid = valid && continuationOk(m_pending, i, i + j);
        if (!valid) {
            out += kReplacement;
            ++i;
            continue;
        }
        out.append(m_pending, i, len);
        i += len;
    }
    m_pending.erase(0, i);
    return out;
}

std::string Utf8Stream::flush()
{
    std::string out = m_pending.empty() ? std::string() : std::string(kReplacement);
    m_pending.clear();
    return out;
}

}  // namespace hearth
