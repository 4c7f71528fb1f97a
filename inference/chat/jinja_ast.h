// The syntax tree of a parsed template: statements (text, output, if, for, set, macro...)
// holding expressions.
#pragma once

#include "chat/jinja_value.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace hearth::jinja {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;
using KeywordArgs = std::vector<std::pair<std::string, ExprPtr>>;

struct Expr {
    enum class Kind {
        Literal,  // literal
        Name,  // name
        ListLiteral,
        TupleLiteral,
        DictLiteral,  // children (DictLiteral: key, value, key, value...)
        Attr,  // children[0].name
        Index,  // children[0][children[1]]
        Slice,  // children[0][c1:c2:c3], absent parts are null
        Call,  // children[0](children[1..], kwargs)
        Filter,  // children[0] | name(children[1..], kwargs)
        Test,  // children[0] is [not] name(children[1..])
        Unary,  // name ("-", "+", "not") children[0]
        Binary,  // children[0] name children[1]: + - * / // % ** ~ == != < > <= >= in "not in" and or
        Conditional,  // children[1] if children[0] else children[2] (children[2] may be null)
    };
    Kind kind;
    int line = 0;
    Value literal;
    std::string name;
    std::vector<ExprPtr> children;
    KeywordArgs keywords;
    bool negated = false;
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

struct Stmt {
    enum class Kind { Text, Output, If, For, Set, SetBlock, Macro, Break, Continue, Generation, FilterBlock };
    Kind kind;
    int line = 0;
    std::string text;  // Text; FilterBlock's filter name; Macro's name
    ExprPtr expr;  // Output, Set value, For iterable
    std::vector<std::string> targets;  // Set / For / SetBlock names
    std::string attribute;  // Set ns.attribute = ...
    std::vector<std::pair<ExprPtr, Body>> branches;  // If: condition + body (else: null condition)
    Body body;  // For, SetBlock, Macro, Generation, FilterBlock
    Body elseBody;  // For ... else
    ExprPtr condition;  // For ... if condition
    std::vector<std::pair<std::string, ExprPtr>> params;  // Macro parameters and defaults
};

struct Template {
    Body body;
};

// Throws TemplateError for syntax errors, naming the line.
std::shared_ptr<Template> parseTemplate(const std::string& source);

}  // namespace hearth::jinja
