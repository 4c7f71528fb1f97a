#include "chat/jinja_interpreter.h"

#include <cmath>

namespace hearth::jinja {

Interpreter::Interpreter(std::shared_ptr<Template> tmpl, RenderLimits limits) : m_template(std::move(tmpl)), m_limits(limits) { }

void Interpreter::step()
{
    if (++m_steps > m_limits.maxSteps) throw TemplateError("the template ran too long (endless loop?)", m_line);
}

namespace {

// Bytes a value holds directly: its text, or its items (their own text one level down).
uint64_t shallowBytes(const Value& v)
{
    auto bytesOf = [](const Value& x) -> uint64_t { return x.isString() ? x.asString().size() : 0; };
    if (v.isString()) return v.asString().size();
    if (v.isList()) {
        uint64_t total = v.asList().size() * sizeof(Value);
        for (const Value& item : v.asList()) total += bytesOf(item);
        return total;
    }
    if (v.isDict()) {
        uint64_t total = v.asDict().size() * 2 * sizeof(Value);
        for (const auto& [k, item] : v.asDict()) total += bytesOf(k) + bytesOf(item);
        return total;
    }
    return 0;
}

std::string mebibytes(uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

}  // namespace

void Interpreter::checkValueSize(uint64_t bytes)
{
    if (bytes > m_limits.maxValueBytes)
        throw TemplateError("the template builds a value of " + std::to_string(bytes) + " bytes, over the limit of " +
                                mebibytes(m_limits.maxValueBytes) + " for one value",
                            m_line);
}

const Value& Interpreter::account(const Value& built)
{
    // A new list or dict (literal, concatenation, filter result) may not nest too deeply.
    if ((built.isList() || built.isDict()) && Value::nestingDepth(built) > Value::kMaxNesting)
        throw TemplateError("values nested too deeply (more than 64 levels of lists and dicts)", m_line);
    const uint64_t bytes = shallowBytes(built);
    checkValueSize(bytes);
    m_allocated += bytes;
    if (m_allocated > m_limits.maxAllocatedBytes)
        throw TemplateError("the template builds more than " + mebibytes(m_limits.maxAllocatedBytes) +
                                " of values (runaway string or list growth?)",
                            m_line);
    return built;
}

void Interpreter::append(std::string& out, const std::string& text)
{
    if (out.size() + text.size() > m_limits.maxOutputBytes)
        throw TemplateError("the template output exceeds " + std::to_string(m_limits.maxOutputBytes) + " bytes", m_line);
    out += text;
}

std::string Interpreter::render(const Dict& variables)
{
    m_scopes.clear();
    m_scopes.emplace_back();
    addGlobals(m_scopes.back());
    for (const auto& [k, v] : variables) m_scopes.back()[k] = v;
    m_steps = 0;
    m_allocated = 0;
    const ValueSizeLimit valueLimit(m_limits.maxValueBytes);  // for the builders in jinja_value/jinja_builtins
    std::string out;
    exec(m_template->body, out);
    return out;
}

Value Interpreter::lookup(const std::string& name) const
{
    for (auto it = m_scopes.rbegin(); it != m_scopes.rend(); ++it)
        if (auto found = it->find(name); found != it->end()) return found->second;
    return Value();
}

void Interpreter::assign(const std::string& name, Value v) { m_scopes.back()[name] = std::move(v); }

void Interpreter::exec(const Body& body, std::string& out)
{
    for (const auto& s : body) {
        execStmt(*s, out);
        if (m_loop.breaking || m_loop.continuing) return;
    }
}

void Interpreter::execStmt(const Stmt& s, std::string& out)
{
    step();
    m_line = s.line;
    switch (s.kind) {
    case Stmt::Kind::Text: append(out, s.text); return;
    case Stmt::Kind::Output: append(out, eval(*s.expr).str()); return;
    case Stmt::Kind::If:
        for (const auto& [condition, body] : s.branches)
            if (!condition || eval(*condition).truthy()) {
                exec(body, out);
                return;
            }
        return;
    case Stmt::Kind::For: execFor(s, out); return;
    case Stmt::Kind::Set: {
        Value v = eval(*s.expr);
        if (!s.attribute.empty()) {
            Value target = lookup(s.targets[0]);
            if (!target.isDict()) throw TemplateError("cannot set an attribute of " + target.typeName(), s.line);
            target.set(s.attribute, std::move(v));
        } else if (s.targets.size() == 1) {
            assign(s.targets[0], std::move(v));
        } else {
            auto items = iterate(v, s.line);
            if (items.size() != s.targets.size()) throw TemplateError("cannot unpack " + std::to_string(items.size()) + " values", s.line);
            for (size_t i = 0; i < items.size(); ++i) assign(s.targets[i], items[i]);
        }
        return;
    }
    case Stmt::Kind::SetBlock: {
        std::string captured;
        exec(s.body, captured);
        assign(s.targets[0], Value(captured));
        return;
    }
    case Stmt::Kind::Macro: assign(s.text, makeMacro(s)); return;
    case Stmt::Kind::Break: m_loop.breaking = true; return;
    case Stmt::Kind::Continue: m_loop.continuing = true; return;
    case Stmt::Kind::Generation: exec(s.body, out); return;
    case Stmt::Kind::FilterBlock: {
        std::string captured;
        exec(s.body, captured);
        CallArgs args;
        args.line = s.line;
        append(out, applyFilter(*this, s.text, Value(captured), args).str());
        return;
    }
    }
}

void Interpreter::execFor(const Stmt& s, std::string& out)
{
    std::vector<Value> all = iterate(eval(*s.expr), s.line);
    m_scopes.emplace_back();
    std::vector<Value> items;
    if (s.condition) {  // `for x in xs if cond`: filter first, so loop.* counts the kept ones
        for (auto& item : all) {
            if (s.targets.size() == 1) assign(s.targets[0], item);
            else {
                auto parts = iterate(item, s.line);
                for (size_t i = 0; i < s.targets.size() && i < parts.size(); ++i) assign(s.targets[i], parts[i]);
            }
            if (eval(*s.condition).truthy()) items.push_back(item);
        }
    } else {
        items = std::move(all);
    }
    const LoopControl saved = m_loop;
    const int64_t n = int64_t(items.size());
    // One loop object per loop, updated in place each iteration (allocation-free).
    auto current = std::make_shared<int64_t>(0);
    Value loop = Value::dict({{"index", Value()},
                              {"index0", Value()},
                              {"revindex", Value()},
                              {"revindex0", Value()},
                              {"first", Value()},
                              {"last", Value()},
                              {"length", Value(n)},
                              {"depth", Value(int64_t(1))},
                              {"depth0", Value(int64_t(0))},
                              {"previtem", Value()},
                              {"nextitem", Value()}});
    loop.set("cycle", Value::function([current](CallArgs& args) {
                 if (args.positional.empty()) throw TemplateError("loop.cycle needs arguments", args.line);
                 return args.positional[size_t(*current) % args.positional.size()];
             }));
    auto& fields = loop.asDict();
    for (int64_t i = 0; i < n; ++i) {
        step();
        if (s.targets.size() == 1) {
            assign(s.targets[0], items[size_t(i)]);
        } else {
            auto parts = iterate(items[size_t(i)], s.line);
            if (parts.size() != s.targets.size()) throw TemplateError("cannot unpack " + std::to_string(parts.size()) + " values", s.line);
            for (size_t k = 0; k < parts.size(); ++k) assign(s.targets[k], parts[k]);
        }
        *current = i;
        fields[0].second = Value(i + 1);
        fields[1].second = Value(i);
        fields[2].second = Value(n - i);
        fields[3].second = Value(n - i - 1);
        fields[4].second = Value(i == 0);
        fields[5].second = Value(i == n - 1);
        fields[9].second = i > 0 ? items[size_t(i - 1)] : Value();
        fields[10].second = i + 1 < n ? items[size_t(i + 1)] : Value();
        assign("loop", loop);
        m_loop = {};
        exec(s.body, out);
        if (m_loop.breaking) break;
    }
    m_loop = saved;
    if (n == 0) exec(s.elseBody, out);
    m_scopes.pop_back();
}

Value Interpreter::makeMacro(const Stmt& s)
{
    const Stmt* macro = &s;
    return Value::function([this, macro](CallArgs& args) {
        if (++m_depth > m_limits.maxCallDepth) throw TemplateError("macros nested too deeply", args.line);
        // Macros see the template's globals and their own parameters.
        std::vector<std::unordered_map<std::string, Value>> saved;
        saved.swap(m_scopes);
        m_scopes.push_back(saved.front());
        m_scopes.emplace_back();
        for (size_t i = 0; i < macro->params.size(); ++i) {
            const auto& [name, fallback] = macro->params[i];
            Value v = args.get(i, name.c_str());
            if (v.isUndefined() && fallback) v = eval(*fallback);
            assign(name, v);
        }
        std::string out;
        const LoopControl loop = m_loop;
        m_loop = {};
        exec(macro->body, out);
        m_loop = loop;
        saved.front() = m_scopes.front();  // macros may define globals (e.g. other macros)
        m_scopes.swap(saved);
        --m_depth;
        return Value(out);
    });
}

CallArgs Interpreter::evalArguments(const Expr& e, size_t firstChild)
{
    CallArgs args;
    args.line = e.line;
    for (size_t i = firstChild; i < e.children.size(); ++i) args.positional.push_back(eval(*e.children[i]));
    for (const auto& [k, v] : e.keywords) args.keywords.emplace_back(k, eval(*v));
    return args;
}

Value Interpreter::callValue(const Value& callee, CallArgs& args)
{
    if (!callee.isCallable()) throw TemplateError("'" + callee.typeName() + "' is not callable", args.line);
    return callee.asFunction()(args);
}

Value Interpreter::eval(const Expr& e)
{
    step();
    switch (e.kind) {
    case Expr::Kind::Literal: return e.literal;
    case Expr::Kind::Name: return lookup(e.name);
    case Expr::Kind::ListLiteral:
    case Expr::Kind::TupleLiteral: {
        List items;
        for (const auto& c : e.children) items.push_back(eval(*c));
        return account(Value::list(std::move(items)));
    }
    case Expr::Kind::DictLiteral: {
        Value d = Value::dict();
        for (size_t i = 0; i + 1 < e.children.size(); i += 2) d.set(eval(*e.children[i]), eval(*e.children[i + 1]));
        return account(d);
    }
    case Expr::Kind::Attr: return attribute(eval(*e.children[0]), e.name, e.line);
    case Expr::Kind::Index: return subscript(eval(*e.children[0]), eval(*e.children[1]), e.line);
    case Expr::Kind::Slice: {
        auto part = [&](size_t i) { return e.children[i] ? eval(*e.children[i]) : Value::none(); };
        return account(slice(eval(*e.children[0]), part(1), part(2), part(3), e.line));
    }
    case Expr::Kind::Call: {
        Value callee = eval(*e.children[0]);
        CallArgs args = evalArguments(e, 1);
        return account(callValue(callee, args));
    }
    case Expr::Kind::Filter: {
        Value input = eval(*e.children[0]);
        CallArgs args = evalArguments(e, 1);
        return account(applyFilter(*this, e.name, input, args));
    }
    case Expr::Kind::Test: {
        Value input;
        // `x is defined` must not fail on a missing attribute chain's last step.
        input = eval(*e.children[0]);
        CallArgs args = evalArguments(e, 1);
        return Value(applyTest(*this, e.name, input, args) != e.negated);
    }
    case Expr::Kind::Unary: {
        Value v = eval(*e.children[0]);
        if (e.name == "not") return Value(!v.truthy());
        if (!v.isNumber()) throw TemplateError("bad operand for unary " + e.name + ": " + v.typeName(), e.line);
        if (e.name == "+") return v;
        return v.kind() == Value::Kind::Float ? Value(-v.asFloat()) : Value(-v.asInt());
    }
    case Expr::Kind::Binary: return account(evalBinary(e));
    case Expr::Kind::Conditional:
        if (eval(*e.children[0]).truthy()) return eval(*e.children[1]);
        return e.children[2] ? eval(*e.children[2]) : Value();
    }
    return Value();
}

Value Interpreter::evalBinary(const Expr& e)
{
    const std::string& op = e.name;
    if (op == "and") {
        Value a = eval(*e.children[0]);
        return a.truthy() ? eval(*e.children[1]) : a;
    }
    if (op == "or") {
        Value a = eval(*e.children[0]);
        return a.truthy() ? a : eval(*e.children[1]);
    }
    Value a = eval(*e.children[0]);
    Value b = eval(*e.children[1]);
    if (op == "~") return Value(a.str() + b.str());
    if (op == "==") return Value(a.equals(b));
    if (op == "!=") return Value(!a.equals(b));
    if (op == "<") return Value(compare(a, b, e.line) < 0);
    if (op == ">") return Value(compare(a, b, e.line) > 0);
    if (op == "<=") return Value(compare(a, b, e.line) <= 0);
    if (op == ">=") return Value(compare(a, b, e.line) >= 0);
    if (op == "in") return Value(contains(b, a, e.line));
    if (op == "not in") return Value(!contains(b, a, e.line));
    if (op == "+") {
        if (a.isString() && b.isString()) return Value(a.asString() + b.asString());
        if (a.isList() && b.isList()) {
            List items = a.asList();
            items.insert(items.end(), b.asList().begin(), b.asList().end());
            return Value::list(std::move(items));
        }
    }
    if (op == "*" && ((a.isString() && b.kind() == Value::Kind::Int) || (b.isString() && a.kind() == Value::Kind::Int))) {
        const std::string& s = a.isString() ? a.asString() : b.asString();
        const int64_t n = a.isString() ? b.asInt() : a.asInt();
        if (n > 0 && !s.empty()) checkValueSize(uint64_t(n) > m_limits.maxValueBytes ? uint64_t(n) : uint64_t(n) * s.size());
        std::string out;
        for (int64_t i = 0; i < n; ++i) out += s;
        return Value(out);
    }
    if (!a.isNumber() || !b.isNumber())
        throw TemplateError("unsupported operand types for " + op + ": " + a.typeName() + " and " + b.typeName(), e.line);
    const bool useFloat = a.kind() == Value::Kind::Float || b.kind() == Value::Kind::Float;
    if (op == "/") {
        if (b.asFloat() == 0) throw TemplateError("division by zero", e.line);
        return Value(a.asFloat() / b.asFloat());
    }
    if (op == "+") return useFloat ? Value(a.asFloat() + b.asFloat()) : Value(a.asInt() + b.asInt());
    if (op == "-") return useFloat ? Value(a.asFloat() - b.asFloat()) : Value(a.asInt() - b.asInt());
    if (op == "*") return useFloat ? Value(a.asFloat() * b.asFloat()) : Value(a.asInt() * b.asInt());
    if (op == "**")
        return useFloat || b.asInt() < 0 ? Value(std::pow(a.asFloat(), b.asFloat())) : Value(int64_t(std::pow(a.asFloat(), b.asFloat())));
    if (b.asFloat() == 0) throw TemplateError("division by zero", e.line);
    if (op == "//")
        return useFloat ? Value(std::floor(a.asFloat() / b.asFloat())) : Value(int64_t(std::floor(double(a.asInt()) / double(b.asInt()))));
    if (op == "%") {
        if (useFloat) return Value(a.asFloat() - b.asFloat() * std::floor(a.asFloat() / b.asFloat()));
        int64_t r = a.asInt() % b.asInt();
        if (r != 0 && ((r < 0) != (b.asInt() < 0))) r += b.asInt();  // Python's sign rule
        return Value(r);
    }
    throw TemplateError("unknown operator " + op, e.line);
}

}  // namespace hearth::jinja
