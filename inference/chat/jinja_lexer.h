// Splits a Jinja template into text and tag tokens, applying Jinja2's whitespace rules:
// `-` strips whitespace next to a tag, trim_blocks drops the newline after a block tag and
// lstrip_blocks drops the indentation before one (as Hugging Face renders chat templates).
#pragma once

#include <string>
#include <vector>

namespace hearth::jinja {

struct Token {
    enum class Type { Text, VarBegin, VarEnd, BlockBegin, BlockEnd, Name, String, Int, Float, Operator, End };
    Type type;
    std::string text;
    int line;
};

// Throws TemplateError on unterminated tags or strings.
std::vector<Token> tokenize(const std::string& source);

}  // namespace hearth::jinja
