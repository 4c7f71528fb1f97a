#include "code_highlighter.h"

#include <QColor>
#include <QSet>

namespace hearth::app {

namespace {

enum class CommentStyle { Slashes, Hash, Dashes };

CommentStyle commentStyleFor(const QString& language)
{
    static const QSet<QString> hash = {"python", "py",   "bash", "sh", "shell",      "zsh",      "console", "ruby",       "rb",  "yaml",
                                       "yml",    "toml", "perl", "r",  "dockerfile", "makefile", "cmake",   "powershell", "ps1", "nix"};
    static const QSet<QString> dashes = {"sql", "lua", "haskell", "hs", "elm"};
    if (hash.contains(language)) return CommentStyle::Hash;
    if (dashes.contains(language)) return CommentStyle::Dashes;
    return CommentStyle::Slashes;
}

// One set for all languages: a word that is a keyword in a neighbour is rarely a plain name here.
const QSet<QString>& keywords()
{
    static const QSet<QString> words = {
        "if",        "else",      "elif",     "for",        "while",    "do",       "return",   "break",      "continue",  "switch",
        "case",      "default",   "struct",   "class",      "enum",     "union",    "public",   "private",    "protected", "static",
        "const",     "constexpr", "void",     "int",        "float",    "double",   "char",     "bool",       "long",      "short",
        "unsigned",  "signed",    "auto",     "new",        "delete",   "this",     "true",     "false",      "nullptr",   "null",
        "undefined", "namespace", "using",    "template",   "typename", "virtual",  "override", "final",      "import",    "export",
        "from",      "let",       "var",      "function",   "async",    "await",    "try",      "catch",      "finally",   "throw",
        "throws",    "interface", "extends",  "implements", "package",  "fn",       "mut",      "impl",       "trait",     "pub",
        "use",       "mod",       "match",    "loop",       "where",    "as",       "in",       "is",         "not",       "and",
        "or",        "def",       "lambda",   "None",       "True",     "False",    "pass",     "with",       "yield",     "self",
        "func",      "go",        "defer",    "chan",       "select",   "type",     "range",    "SELECT",     "FROM",      "WHERE",
        "INSERT",    "INTO",      "UPDATE",   "DELETE",     "CREATE",   "TABLE",    "JOIN",     "ON",         "AND",       "OR",
        "NOT",       "NULL",      "ORDER",    "BY",         "GROUP",    "VALUES",   "SET",      "AS",         "LIMIT",     "local",
        "end",       "then",      "fi",       "done",       "echo",     "export",   "typeof",   "instanceof", "extern",    "inline",
        "sizeof",    "goto",      "volatile", "register",   "mutable",  "explicit", "friend",   "operator"};
    return words;
}

bool isWordChar(QChar c) { return c.isLetterOrNumber() || c == u'_'; }

}  // namespace

void highlightCodeLine(const QString& line, const QString& language, const std::function<void(int, int, CodeToken)>& mark)
{
    const CommentStyle comments = commentStyleFor(language.toLower());
    const qsizetype n = line.size();
    for (qsizetype i = 0; i < n;) {
        const QChar c = line[i];
        const bool slashes = comments == CommentStyle::Slashes && c == u'/' && i + 1 < n && (line[i + 1] == u'/' || line[i + 1] == u'*');
        const bool hash = comments == CommentStyle::Hash && c == u'#';
        const bool dashes = comments == CommentStyle::Dashes && c == u'-' && i + 1 < n && line[i + 1] == u'-';
        if (slashes || hash || dashes) {
            if (slashes && line[i + 1] == u'*') {  // a block comment: to its end on this line, or the line's
                const qsizetype close = line.indexOf(QStringLiteral("*/"), i + 2);
                const qsizetype end = close < 0 ? n : close + 2;
                mark(int(i), int(end - i), CodeToken::Comment);
                i = end;
                continue;
            }
            mark(int(i), int(n - i), CodeToken::Comment);
            return;
        }
        if (c == u'"' || c == u'\'' || c == u'`') {
            qsizetype j = i + 1;
            while (j < n && line[j] != c) j += line[j] == u'\\' ? 2 : 1;
            const qsizetype end = std::min(n, j + 1);
            mark(int(i), int(end - i), CodeToken::String);
            i = end;
            continue;
        }
        if (c.isDigit() && (i == 0 || !isWordChar(line[i - 1]))) {
            qsizetype j = i + 1;
            while (j < n && (isWordChar(line[j]) || line[j] == u'.')) ++j;
            mark(int(i), int(j - i), CodeToken::Number);
            i = j;
            continue;
        }
        if (isWordChar(c)) {
            qsizetype j = i + 1;
            while (j < n && isWordChar(line[j])) ++j;
            if (keywords().contains(line.mid(i, j - i))) mark(int(i), int(j - i), CodeToken::Keyword);
            i = j;
            continue;
        }
        ++i;
    }
}

QTextCharFormat codeTokenFormat(CodeToken kind)
{
    QTextCharFormat f;
    switch (kind) {
    case CodeToken::Keyword: f.setForeground(QColor(0x3b, 0x7d, 0xd8)); break;
    case CodeToken::String: f.setForeground(QColor(0x2e, 0x9e, 0x5b)); break;
    case CodeToken::Comment:
        f.setForeground(QColor(0x8a, 0x8a, 0x8a));
        f.setFontItalic(true);
        break;
    case CodeToken::Number: f.setForeground(QColor(0xc2, 0x6d, 0x1a)); break;
    }
    return f;
}

}  // namespace hearth::app
