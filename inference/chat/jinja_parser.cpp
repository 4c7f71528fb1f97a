#include "chat/jinja_ast.h"
#include "chat/jinja_lexer.h"

#include <set>

namespace hearth::jinja {

namespace {

class Parser {
public:
    explicit Parser(std::vector<Token> tokens) : m_tokens(std::move(tokens)) { }

    std::shared_ptr<Template> run()
    {
        auto t = std::make_shared<Template>();
        std::string end;
        t->body = parseBody({}, end);
        if (!end.empty()) fail("unexpected {% " + end + " %}");
        return t;
    }

private:
    const Token& peek(size_t ahead = 0) const { return m_tokens[std::min(m_pos + ahead, m_tokens.size() - 1)]; }
    const Token& next() { return m_tokens[std::min(m_pos++, m_tokens.size() - 1)]; }
    [[noreturn]] void fail(const std::string& what) const { throw TemplateError(what, peek().line); }
    bool isOp(const char* op, size_t ahead = 0) const { return peek(ahead).type == Token::Type::Operator && peek(ahead).text == op; }
    bool isName(const char* n, size_t ahead = 0) const { return peek(ahead).type == Token::Type::Name && peek(ahead).text == n; }
    void expectOp(const char* op)
    {
        if (!isOp(op)) fail(std::string("expected '") + op + "'");
        ++m_pos;
    }
    std::string expectName()
    {
        if (peek().type != Token::Type::Name) fail("expected a name");
        return next().text;
    }
    void expectBlockEnd()
    {
        if (peek().type != Token::Type::BlockEnd) fail("expected %}");
        ++m_pos;
    }

    // Parses statements until a block tag whose keyword is in `ends` (returned in `end`).
    Body parseBody(const std::set<std::string>& ends, std::string& end)
    {
        Body body;
        for (;;) {
            const Token& t = peek();
            if (t.type == Token::Type::End) {
                if (!ends.empty()) {
                    std::string closer = *ends.begin();
                    for (const auto& e : ends)
                        if (e.rfind("end", 0) == 0) closer = e;
                    fail("missing {% " + closer + " %}");
                }
                end.clear();
                return body;
            }
            if (t.type == Token::Type::Text) {
                auto s = std::make_unique<Stmt>(Stmt {Stmt::Kind::Text, t.line});
                s->text = next().text;
                body.push_back(std::move(s));
            } else if (t.type == Token::Type::VarBegin) {
                ++m_pos;
                auto s = std::make_unique<Stmt>(Stmt {Stmt::Kind::Output, t.line});
                s->expr = parseExpression();
                if (peek().type != Token::Type::VarEnd) fail("expected }}");
                ++m_pos;
                body.push_back(std::move(s));
            } else if (t.type == Token::Type::BlockBegin) {
                const std::string keyword = peek(1).text;
                if (ends.count(keyword)) {
                    m_pos += 2;
                    end = keyword;
                    return body;
                }
                ++m_pos;
                body.push_back(parseStatement());
            } else {
                fail("unexpected token");
            }
        }
    }

    StmtPtr parseStatement()
    {
        const int line = peek().line;
        if (++m_statementDepth > 200) fail("blocks nested too deeply");
        struct Leave {
            int& d;
            ~Leave() { --d; }
        } leave {m_statementDepth};
        const std::string keyword = expectName();
        std::string end;
        if (keyword == "if") {
            auto s = std::make_unique<Stmt>(Stmt {Stmt::Kind::If, line});
            ExprPtr condition = parseExpression();
            expectBlockEnd();
            for (;;) {
                Body body = parseBody({"elif", "else", "endif"}, end);
                s->branches.emplace_back(std::move(condition), std::move(body));
                if (end == "endif") break;
                if (end == "elif") {
                    condition = parseExpression();
                    expectBlockEnd();
                } else {  // else
                    expectBlockEnd();
                    Body elseBody = parseBody({"endif"}, end);
                    s->branches.emplace_back(nullptr, std::move(elseBody));
                    break;
                }
            }
            expectBlockEnd();
            return s;
        }
        if (keyword == "for") {
            auto s = std::make_unique<Stmt>(Stmt {Stmt::Kind::For, line});
            s->targets.push_back(expectName());
            while (isOp(",")) {
                ++m_pos;
                s->targets.push_back(expectName());
            }
            if (!isName("in")) fail("expected 'in'");
            ++m_pos;
            s->expr = parseExpression(/*allowConditional=*/false);
            if (isName("if")) {
                ++m_pos;
                s->condition = parseExpression();
            }
            if (isName("recursive")) fail("recursive loops are not supported");
            expectBlockEnd();
            s->body = parseBody({"else", "endfor"}, end);
            if (end == "else") {
                expectBlockEnd();
                s->elseBody = parseBody({"endfor"}, end);
            }
            expectBlockEnd();
            return s;
        }
        if (keyword == "set") {
            std::vector<std::string> targets {expectName()};
            std::string attribute;
            if (isOp(".")) {
                ++m_pos;
                attribute = expectName();
            }
            while (isOp(",")) {
                ++m_pos;
                targets.push_back(expectName());
            }
            if (peek().type == Token::Type::BlockEnd) {  // {% set x %}...{% endset %}
                ++m_pos;
                auto s = std::make_unique<Stmt>(Stmt {Stmt::Kind::SetBlock, line});
                s->targets = targets;
                s->body = parseBody({"endset"}, end);
                expectBlockEnd();
                return s;
            }
            expectOp("=");
            auto s = std::make_unique<Stmt>(Stmt {Stmt::Kind::Set, line});
            s->targets = targets;
            s->attribute = attribute;
            s->expr = parseExpression();
            if (isOp(",")) {  // set a, b = 1, 2
                std::vector<ExprPtr> items;
                items.push_back(std::move(s->expr));
                while (isOp(",")) {
                    ++m_pos;
                    items.push_back(parseExpression());
                }
                auto tuple = std::make_unique<Expr>(Expr {Expr::Kind::TupleLiteral, line});
                tuple->children = std::move(items);
                s->expr = std::move(tuple);
            }
            expectBlockEnd();
            return s;
        }
        if (keyword == "macro") {
            auto s = std::make_unique<Stmt>(Stmt {Stmt::Kind::Macro, line});
            s->text = expectName();
            expectOp("(");
            while (!isOp(")")) {
                std::string param = expectName();
                ExprPtr fallback;
                if (isOp("=")) {
                    ++m_pos;
                    fallback = parseExpression();
                }
                s->params.emplace_back(param, std::move(fallback));
                if (!isOp(")")) expectOp(",");
            }
            expectOp(")");
            expectBlockEnd();
            s->body = parseBody({"endmacro"}, end);
            expectBlockEnd();
            return s;
        }
        if (keyword == "break" || keyword == "continue") {
            expectBlockEnd();
            return std::make_unique<Stmt>(Stmt {keyword == "break" ? Stmt::Kind::Break : Stmt::Kind::Continue, line});
        }
        if (keyword == "generation") {  // Hugging Face's marker of assistant text: renders its body
            expectBlockEnd();
            auto s = std::make_unique<Stmt>(Stmt {Stmt::Kind::Generation, line});
            s->body = parseBody({"endgeneration"}, end);
            expectBlockEnd();
            return s;
        }
        if (keyword == "filter") {
            auto s = std::make_unique<Stmt>(Stmt {Stmt::Kind::FilterBlock, line});
            s->text = expectName();
            expectBlockEnd();
            s->body = parseBody({"endfilter"}, end);
            expectBlockEnd();
            return s;
        }
        throw TemplateError("unknown statement '" + keyword + "'", line);
    }

    // ---- expressions, lowest precedence first (as Jinja2) ----
    ExprPtr make(Expr::Kind kind, int line) { return std::make_unique<Expr>(Expr {kind, line}); }

    ExprPtr parseExpression(bool allowConditional = true)
    {
        // Deeply nested brackets would exhaust the stack: real templates nest a few levels.
        struct Depth {
            int& d;
            explicit Depth(int& x) : d(x) { ++d; }
            ~Depth() { --d; }
        } depth(m_depth);
        if (m_depth > 200) fail("expression nested too deeply");
        ExprPtr e = parseOr();
        while (allowConditional && isName("if")) {
            const int line = next().line;
            auto c = make(Expr::Kind::Conditional, line);
            ExprPtr condition = parseOr();
            ExprPtr otherwise;
            if (isName("else")) {
                ++m_pos;
                otherwise = parseExpression();
            }
            c->children.push_back(std::move(condition));
            c->children.push_back(std::move(e));
            c->children.push_back(std::move(otherwise));
            e = std::move(c);
        }
        return e;
    }

    ExprPtr binary(const char* op, ExprPtr left, ExprPtr right, int line)
    {
        auto b = make(Expr::Kind::Binary, line);
        b->name = op;
        b->children.push_back(std::move(left));
        b->children.push_back(std::move(right));
        return b;
    }

    ExprPtr parseOr()
    {
        ExprPtr e = parseAnd();
        while (isName("or")) e = binary("or", std::move(e), (++m_pos, parseAnd()), peek().line);
        return e;
    }
    ExprPtr parseAnd()
    {
        ExprPtr e = parseNot();
        while (isName("and")) e = binary("and", std::move(e), (++m_pos, parseNot()), peek().line);
        return e;
    }
    ExprPtr parseNot()
    {
        if (isName("not")) {
            auto u = make(Expr::Kind::Unary, next().line);
            u->name = "not";
            u->children.push_back(parseNot());
            return u;
        }
        return parseCompare();
    }
    ExprPtr parseCompare()
    {
        ExprPtr e = parseMath1();
        for (;;) {
            const int line = peek().line;
            static const char* ops[] = {"==", "!=", "<=", ">=", "<", ">"};
            const char* found = nullptr;
            for (const char* op : ops)
                if (isOp(op)) found = op;
            if (found) {
                ++m_pos;
                e = binary(found, std::move(e), parseMath1(), line);
            } else if (isName("in")) {
                ++m_pos;
                e = binary("in", std::move(e), parseMath1(), line);
            } else if (isName("not") && isName("in", 1)) {
                m_pos += 2;
                e = binary("not in", std::move(e), parseMath1(), line);
            } else {
                return e;
            }
        }
    }
    ExprPtr parseMath1()
    {
        ExprPtr e = parseConcat();
        while (isOp("+") || isOp("-")) {
            const Token& t = next();
            e = binary(t.text == "+" ? "+" : "-", std::move(e), parseConcat(), t.line);
        }
        return e;
    }
    ExprPtr parseConcat()
    {
        ExprPtr e = parseMath2();
        while (isOp("~")) e = binary("~", std::move(e), (++m_pos, parseMath2()), peek().line);
        return e;
    }
    ExprPtr parseMath2()
    {
        ExprPtr e = parsePow();
        while (isOp("*") || isOp("/") || isOp("//") || isOp("%")) {
            const Token& t = next();
            static const char* names[] = {"*", "/", "//", "%"};
            const char* op = names[0];
            for (const char* n : names)
                if (t.text == n) op = n;
            e = binary(op, std::move(e), parsePow(), t.line);
        }
        return e;
    }
    ExprPtr parsePow()
    {
        ExprPtr e = parseUnary();
        while (isOp("**")) e = binary("**", std::move(e), (++m_pos, parseUnary()), peek().line);
        return e;
    }
    ExprPtr parseUnary()
    {
        if (isOp("-") || isOp("+")) {
            const Token& t = next();
            auto u = make(Expr::Kind::Unary, t.line);
            u->name = t.text;
            u->children.push_back(parseUnary());
            return u;
        }
        return parseFilters(parsePostfix(parsePrimary()));
    }

    void parseCallArguments(Expr& call)
    {
        expectOp("(");
        while (!isOp(")")) {
            if (peek().type == Token::Type::Name && isOp("=", 1)) {
                std::string key = next().text;
                ++m_pos;
                call.keywords.emplace_back(key, parseExpression());
            } else {
                call.children.push_back(parseExpression());
            }
            if (!isOp(")")) expectOp(",");
        }
        expectOp(")");
    }

    ExprPtr parsePostfix(ExprPtr e)
    {
        for (;;) {
            const int line = peek().line;
            if (isOp(".")) {
                ++m_pos;
                auto a = make(Expr::Kind::Attr, line);
                if (peek().type == Token::Type::Int) a->name = next().text;
                else a->name = expectName();
                a->children.push_back(std::move(e));
                e = std::move(a);
            } else if (isOp("[")) {
                ++m_pos;
                ExprPtr parts[3];
                int part = 0;
                bool isSlice = false;
                while (!isOp("]")) {
                    if (isOp(":")) {
                        ++m_pos;
                        isSlice = true;
                        if (++part > 2) fail("bad slice");
                    } else {
                        parts[part] = parseExpression();
                    }
                }
                ++m_pos;
                auto s = make(isSlice ? Expr::Kind::Slice : Expr::Kind::Index, line);
                s->children.push_back(std::move(e));
                if (isSlice)
                    for (auto& p : parts) s->children.push_back(std::move(p));
                else {
                    if (!parts[0]) fail("empty subscript");
                    s->children.push_back(std::move(parts[0]));
                }
                e = std::move(s);
            } else if (isOp("(")) {
                auto c = make(Expr::Kind::Call, line);
                c->children.push_back(std::move(e));
                parseCallArguments(*c);
                e = std::move(c);
            } else {
                return e;
            }
        }
    }

    ExprPtr parseFilters(ExprPtr e)
    {
        for (;;) {
            const int line = peek().line;
            if (isOp("|")) {
                ++m_pos;
                auto f = make(Expr::Kind::Filter, line);
                f->name = expectName();
                f->children.push_back(std::move(e));
                if (isOp("(")) parseCallArguments(*f);
                e = parsePostfix(std::move(f));
            } else if (isName("is")) {
                ++m_pos;
                auto t = make(Expr::Kind::Test, line);
                if (isName("not")) {
                    ++m_pos;
                    t->negated = true;
                }
                t->name = expectName();
                t->children.push_back(std::move(e));
                if (isOp("(")) parseCallArguments(*t);
                else if (peek().type == Token::Type::String || peek().type == Token::Type::Int || peek().type == Token::Type::Float ||
                         (peek().type == Token::Type::Name && !isName("and") && !isName("or") && !isName("else") && !isName("if")))
                    t->children.push_back(parsePrimary());  // `is divisibleby 3`, `is sameas none`
                e = std::move(t);
            } else {
                return e;
            }
        }
    }

    ExprPtr parsePrimary()
    {
        const Token& t = peek();
        const int line = t.line;
        switch (t.type) {
        case Token::Type::Name: {
            ++m_pos;
            auto e = make(Expr::Kind::Literal, line);
            if (t.text == "true" || t.text == "True") e->literal = Value(true);
            else if (t.text == "false" || t.text == "False") e->literal = Value(false);
            else if (t.text == "none" || t.text == "None") e->literal = Value::none();
            else {
                e->kind = Expr::Kind::Name;
                e->name = t.text;
            }
            return e;
        }
        case Token::Type::String: {
            std::string s;
            while (peek().type == Token::Type::String) s += next().text;  // adjacent literals join
            auto e = make(Expr::Kind::Literal, line);
            e->literal = Value(s);
            return e;
        }
        case Token::Type::Int:
        case Token::Type::Float: {
            ++m_pos;
            auto e = make(Expr::Kind::Literal, line);
            try {
                e->literal = t.type == Token::Type::Int ? Value(int64_t(std::stoll(t.text))) : Value(std::stod(t.text));
            } catch (const std::exception&) {
                fail("number out of range: " + t.text);
            }
            return e;
        }
        case Token::Type::Operator:
            if (t.text == "(") {
                ++m_pos;
                if (isOp(")")) {
                    ++m_pos;
                    return make(Expr::Kind::TupleLiteral, line);
                }
                ExprPtr first = parseExpression();
                if (isOp(")")) {
                    ++m_pos;
                    return first;
                }
                auto tuple = make(Expr::Kind::TupleLiteral, line);
                tuple->children.push_back(std::move(first));
                while (isOp(",")) {
                    ++m_pos;
                    if (isOp(")")) break;
                    tuple->children.push_back(parseExpression());
                }
                expectOp(")");
                return tuple;
            }
            if (t.text == "[") {
                ++m_pos;
                auto list = make(Expr::Kind::ListLiteral, line);
                while (!isOp("]")) {
                    list->children.push_back(parseExpression());
                    if (!isOp("]")) expectOp(",");
                }
                ++m_pos;
                return list;
            }
            if (t.text == "{") {
                ++m_pos;
                auto dict = make(Expr::Kind::DictLiteral, line);
                while (!isOp("}")) {
                    dict->children.push_back(parseExpression());
                    expectOp(":");
                    dict->children.push_back(parseExpression());
                    if (!isOp("}")) expectOp(",");
                }
                ++m_pos;
                return dict;
            }
            break;
        default: break;
        }
        fail("unexpected '" + t.text + "' in an expression");
    }

    std::vector<Token> m_tokens;
    size_t m_pos = 0;
    int m_depth = 0;
    int m_statementDepth = 0;
};

}  // namespace

std::shared_ptr<Template> parseTemplate(const std::string& source) { return Parser(tokenize(source)).run(); }

}  // namespace hearth::jinja
