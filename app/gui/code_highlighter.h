// Colours for the code blocks of a message: keywords, strings, comments and numbers of common
// languages, line by line (no state across lines: a block comment colours only its own lines'
// openings). Colours chosen to read on the light and the dark theme alike.
#pragma once

#include <QString>
#include <QTextCharFormat>

#include <functional>

namespace hearth::app {

enum class CodeToken { Keyword, String, Comment, Number };

// Calls `mark` for every coloured span of `line` (start, length, kind). `language` is the code
// fence's info string ("python", "cpp", "js", ...; empty: C-like rules).
void highlightCodeLine(const QString& line, const QString& language, const std::function<void(int, int, CodeToken)>& mark);

QTextCharFormat codeTokenFormat(CodeToken kind);

}  // namespace hearth::app
