#include "storage/visible_text.h"

#include <QString>

#include <cstdio>

namespace hearth::storage {

namespace {

void appendCodePoint(std::string& out, char32_t cp) { out += QString::fromUcs4(&cp, 1).toStdString(); }

}  // namespace

std::string visibleText(std::string_view text, LineBreaks lineBreaks)
{
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        const auto c = uint8_t(text[i]);
        if (c == 0x7F) {
            appendCodePoint(out, 0x2421);  // ␡
        } else if (c < 0x20) {
            if ((c == '\n' || c == '\t') && lineBreaks == LineBreaks::Keep) out += char(c);
            else appendCodePoint(out, 0x2400 + c);
        } else if (c == 0xC2 && i + 1 < text.size() && uint8_t(text[i + 1]) >= 0x80 && uint8_t(text[i + 1]) <= 0x9F) {
            // A C1 control (U+0080-U+009F): U+009B is a one-byte CSI to many terminals.
            char name[16];
            std::snprintf(name, sizeof name, "<U+%04X>", unsigned(uint8_t(text[i + 1])));
            out += name;
            ++i;
        } else {
            out += char(c);
        }
    }
    return out;
}

}  // namespace hearth::storage
