// Filters, tests, methods and globals of Hearth's Jinja subset: what real chat templates use,
// with Python's semantics where the two differ from C++.
#include "chat/jinja_interpreter.h"
#include "platform/local_time.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace hearth::jinja {

namespace {

[[noreturn]] void fail(const std::string& what, int line) { throw TemplateError(what, line); }

bool isAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string strip(const std::string& s, const Value& chars, bool left, bool right)
{
    auto strippable = [&](char c) { return chars.isString() ? chars.asString().find(c) != std::string::npos : isAsciiSpace(c); };
    size_t b = 0, e = s.size();
    if (left)
        while (b < e && strippable(s[b])) ++b;
    if (right)
        while (e > b && strippable(s[e - 1])) --e;
    return s.substr(b, e - b);
}

std::vector<std::string> split(const std::string& s, const Value& separator, int64_t maxSplit)
{
    std::vector<std::string> parts;
    if (!separator.isString()) {  // Python's split(): runs of whitespace, no empty parts
        size_t i = 0;
        while (i < s.size()) {
            while (i < s.size() && isAsciiSpace(s[i])) ++i;
            if (i >= s.size()) break;
            if (maxSplit >= 0 && int64_t(parts.size()) == maxSplit) {
                parts.push_back(s.substr(i));
                break;
            }
            size_t j = i;
            while (j < s.size() && !isAsciiSpace(s[j])) ++j;
            parts.push_back(s.substr(i, j - i));
            i = j;
        }
        return parts;
    }
    const std::string& sep = separator.asString();
    if (sep.empty()) throw TemplateError("empty separator");
    size_t start = 0;
    for (;;) {
        size_t at = s.find(sep, start);
        if (at == std::string::npos || (maxSplit >= 0 && int64_t(parts.size()) == maxSplit)) {
            parts.push_back(s.substr(start));
            return parts;
        }
        parts.push_back(s.substr(start, at - start));
        start = at + sep.size();
    }
}

std::string replaceAll(const std::string& s, const std::string& from, const std::string& to, int64_t count)
{
    if (from.empty()) return s;
    std::string out;
    size_t pos = 0;
    for (int64_t n = 0; count < 0 || n < count; ++n) {
        const size_t at = s.find(from, pos);
        if (at == std::string::npos) break;
        out.append(s, pos, at - pos).append(to);
        ValueSizeLimit::check(out.size());
        pos = at + from.size();
    }
    out.append(s, pos, std::string::npos);
    ValueSizeLimit::check(out.size());
    return out;
}

std::string caseMap(std::string s, int mode)  // 0 upper, 1 lower, 2 title, 3 capitalize
{
    bool startOfWord = true;
    for (size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (mode == 0) s[i] = char(std::toupper(c));
        else if (mode == 1) s[i] = char(std::tolower(c));
        else if (mode == 2) {
            s[i] = char(startOfWord ? std::toupper(c) : std::tolower(c));
            startOfWord = !std::isalnum(c);
        } else {
            s[i] = char(i == 0 ? std::toupper(c) : std::tolower(c));
        }
    }
    return s;
}

Value boundMethod(const Value& object, const std::string& name, int line)
{
    if (object.isString()) {
        const std::string s = object.asString();
        static const char* methods[] = {"strip",   "lstrip",     "rstrip", "startswith", "endswith",   "split",   "rsplit",
                                        "replace", "upper",      "lower",  "title",      "capitalize", "find",    "rfind",
                                        "count",   "splitlines", "join",   "isdigit",    "isspace",    "isalpha", "format"};
        if (std::find_if(std::begin(methods), std::end(methods), [&](const char* m) { return name == m; }) == std::end(methods))
            return Value();
        return Value::function([s, name, line](CallArgs& a) -> Value {
            if (name == "strip") return Value(strip(s, a.get(0, "chars"), true, true));
            if (name == "lstrip") return Value(strip(s, a.get(0, "chars"), true, false));
            if (name == "rstrip") return Value(strip(s, a.get(0, "chars"), false, true));
            if (name == "startswith" || name == "endswith") {
                Value p = a.get(0, "prefix");
                std::vector<std::string> options;
                if (p.isString()) options.push_back(p.asString());
                else if (p.isList())
                    for (auto& v : p.asList()) options.push_back(v.str());
                for (const auto& o : options) {
                    if (name == "startswith" ? s.rfind(o, 0) == 0
                                             : (s.size() >= o.size() && s.compare(s.size() - o.size(), o.size(), o) == 0))
                        return Value(true);
                }
                return Value(false);
            }
            if (name == "split" || name == "rsplit") {
                Value maxSplit = a.get(1, "maxsplit");
                const int64_t limit = maxSplit.isNumber() ? maxSplit.asInt() : -1;
                std::vector<std::string> parts;
                if (name == "rsplit" && limit >= 0 && a.get(0, "sep").isString()) {
                    // rsplit with a limit: split from the right.
                    const std::string sep = a.get(0, "sep").asString();
                    std::string rest = s;
                    for (int64_t n = 0; n < limit; ++n) {
                        size_t at = rest.rfind(sep);
                        if (at == std::string::npos) break;
                        parts.insert(parts.begin(), rest.substr(at + sep.size()));
                        rest = rest.substr(0, at);
                    }
                    parts.insert(parts.begin(), rest);
                } else {
                    parts = split(s, a.get(0, "sep"), limit);
                }
                List items;
                for (auto& p : parts) items.emplace_back(p);
                return Value::list(std::move(items));
            }
            if (name == "replace") {
                Value count = a.get(2, "count");
                return Value(replaceAll(s, a.get(0, "old").str(), a.get(1, "new").str(), count.isNumber() ? count.asInt() : -1));
            }
            if (name == "upper") return Value(caseMap(s, 0));
            if (name == "lower") return Value(caseMap(s, 1));
            if (name == "title") return Value(caseMap(s, 2));
            if (name == "capitalize") return Value(caseMap(s, 3));
            if (name == "find") {
                size_t at = s.find(a.get(0, "sub").str());
                return Value(at == std::string::npos ? int64_t(-1) : int64_t(at));
            }
            if (name == "rfind") {
                size_t at = s.rfind(a.get(0, "sub").str());
                return Value(at == std::string::npos ? int64_t(-1) : int64_t(at));
            }
            if (name == "count") {
                const std::string sub = a.get(0, "sub").str();
                int64_t n = 0;
                for (size_t at = 0; !sub.empty() && (at = s.find(sub, at)) != std::string::npos; at += sub.size()) ++n;
                return Value(n);
            }
            if (name == "splitlines") {
                List items;
                for (auto& p : split(s, Value("\n"), -1)) items.emplace_back(p);
                if (!items.empty() && items.back().asString().empty()) items.pop_back();
                return Value::list(std::move(items));
            }
            if (name == "join") {
                std::string out;
                auto items = iterate(a.get(0, "iterable"), line);
                for (size_t i = 0; i < items.size(); ++i) {
                    out += (i ? s : "") + items[i].str();
                    ValueSizeLimit::check(out.size());
                }
                return Value(out);
            }
            if (name == "isdigit" || name == "isspace" || name == "isalpha") {
                if (s.empty()) return Value(false);
                for (unsigned char c : s)
                    if (!(name == "isdigit" ? std::isdigit(c) : name == "isspace" ? std::isspace(c) : std::isalpha(c))) return Value(false);
                return Value(true);
            }
            // format: positional {} and {0} replacement, enough for templates.
            std::string out;
            size_t next = 0;
            for (size_t i = 0; i < s.size(); ++i) {
                if (s[i] == '{' && i + 1 < s.size() && s[i + 1] == '{') {
                    out += '{';
                    ++i;
                    continue;
                }
                if (s[i] == '}' && i + 1 < s.size() && s[i + 1] == '}') {
                    out += '}';
                    ++i;
                    continue;
                }
                if (s[i] == '{') {
                    size_t close = s.find('}', i);
                    if (close == std::string::npos) throw TemplateError("bad format string", line);
                    std::string field = s.substr(i + 1, close - i - 1);
                    const bool numeric = !field.empty() && field.size() < 9 &&
                        std::all_of(field.begin(), field.end(), [](unsigned char ch) { return std::isdigit(ch); });
                    Value v = field.empty() ? a.get(next++, nullptr)
                        : numeric           ? a.get(size_t(std::stoul(field)), nullptr)
                                            : a.get(size_t(-1), field.c_str());
                    out += v.str();
                    i = close;
                    continue;
                }
                out += s[i];
            }
            return Value(out);
        });
    }
    if (object.isDict()) {
        if (name != "get" && name != "items" && name != "keys" && name != "values" && name != "update" && name != "pop") return Value();
        return Value::function([object, name](CallArgs& a) -> Value {
            if (name == "get") {
                Value* v = object.find(a.get(0, "key"));
                if (v) return *v;
                Value fallback = a.get(1, "default");
                return fallback.isUndefined() ? Value::none() : fallback;
            }
            if (name == "update") {
                Value other = a.get(0, nullptr);
                if (other.isDict())
                    for (auto& [k, v] : other.asDict()) object.set(k, v);
                for (auto& [k, v] : a.keywords) object.set(k, v);
                return Value::none();
            }
            if (name == "pop") {
                const Value key = a.get(0, "key");
                auto& d = object.asDict();
                for (auto it = d.begin(); it != d.end(); ++it)
                    if (it->first.equals(key)) {
                        Value v = it->second;
                        d.erase(it);
                        return v;
                    }
                return a.get(1, "default");
            }
            List items;
            for (auto& [k, v] : object.asDict()) {
                if (name == "items") items.push_back(Value::list({k, v}));
                else if (name == "keys") items.push_back(k);
                else items.push_back(v);
            }
            return Value::list(std::move(items));
        });
    }
    if (object.isList()) {
        if (name != "append" && name != "pop" && name != "index" && name != "count" && name != "extend") return Value();
        return Value::function([object, name, line](CallArgs& a) -> Value {
            auto& items = object.asList();
            if (name == "append") {
                object.checkInsertion(a.get(0, nullptr));
                items.push_back(a.get(0, nullptr));
                return Value::none();
            }
            if (name == "extend") {
                for (auto& v : iterate(a.get(0, nullptr), line)) {
                    object.checkInsertion(v);
                    items.push_back(v);
                }
                return Value::none();
            }
            if (name == "pop") {
                if (items.empty()) throw TemplateError("pop from an empty list", line);
                Value index = a.get(0, nullptr);
                int64_t i = index.isNumber() ? index.asInt() : int64_t(items.size()) - 1;
                if (i < 0) i += int64_t(items.size());
                if (i < 0 || i >= int64_t(items.size())) throw TemplateError("pop index out of range", line);
                Value v = items[size_t(i)];
                items.erase(items.begin() + i);
                return v;
            }
            int64_t count = 0;
            for (size_t i = 0; i < items.size(); ++i)
                if (items[i].equals(a.get(0, nullptr))) {
                    if (name == "index") return Value(int64_t(i));
                    ++count;
                }
            if (name == "index") throw TemplateError("value not in list", line);
            return Value(count);
        });
    }
    return Value();
}

}  // namespace

Value attribute(const Value& object, const std::string& name, int line)
{
    if (object.isUndefined()) fail("cannot read '" + name + "' of an undefined value", line);
    if (object.isDict()) {
        if (Value* v = object.find(name)) return *v;
    }
    if (Value method = boundMethod(object, name, line); !method.isUndefined()) return method;
    if (object.isList() && !name.empty() && name.size() < 18 && std::isdigit(static_cast<unsigned char>(name[0])))
        return subscript(object, Value(int64_t(std::stoll(name))), line);
    return Value();
}

Value subscript(const Value& object, const Value& key, int line)
{
    if (object.isUndefined()) fail("cannot index an undefined value", line);
    if (object.isDict()) {
        if (Value* v = object.find(key)) return *v;
        return key.isString() ? boundMethod(object, key.asString(), line) : Value();
    }
    if ((object.isList() || object.isString()) && key.isNumber()) {
        const int64_t size = object.isList() ? int64_t(object.asList().size()) : int64_t(object.asString().size());
        int64_t i = key.asInt();
        if (i < 0) i += size;
        if (i < 0 || i >= size) return Value();
        return object.isList() ? object.asList()[size_t(i)] : Value(object.asString().substr(size_t(i), 1));
    }
    if (key.isString()) return attribute(object, key.asString(), line);
    return Value();
}

Value slice(const Value& object, const Value& start, const Value& stop, const Value& stride, int line)
{
    if (!object.isList() && !object.isString()) fail("cannot slice " + object.typeName(), line);
    const int64_t size = object.isList() ? int64_t(object.asList().size()) : int64_t(object.asString().size());
    const int64_t step = stride.isNumber() ? stride.asInt() : 1;
    if (step == 0) fail("slice step cannot be zero", line);
    auto bound = [&](const Value& v, int64_t fallback) {
        if (!v.isNumber()) return fallback;
        int64_t i = v.asInt();
        if (i < 0) i += size;
        return step > 0 ? std::clamp<int64_t>(i, 0, size) : std::clamp<int64_t>(i, -1, size - 1);
    };
    const int64_t b = bound(start, step > 0 ? 0 : size - 1), e = bound(stop, step > 0 ? size : -1);
    List items;
    std::string text;
    for (int64_t i = b; step > 0 ? i < e : i > e; i += step) {
        if (object.isList()) items.push_back(object.asList()[size_t(i)]);
        else text += object.asString()[size_t(i)];
    }
    return object.isList() ? Value::list(std::move(items)) : Value(text);
}

bool contains(const Value& container, const Value& item, int line)
{
    if (container.isString()) return container.asString().find(item.str()) != std::string::npos;
    if (container.isDict()) return container.find(item) != nullptr;
    if (container.isList()) {
        for (const auto& v : container.asList())
            if (v.equals(item)) return true;
        return false;
    }
    if (container.isUndefined()) return false;  // Jinja2's Undefined iterates as empty
    if (container.isNone()) fail("'in' needs a container, got none", line);
    fail("'in' is not supported for " + container.typeName(), line);
}

int compare(const Value& a, const Value& b, int line)
{
    if (a.isNumber() && b.isNumber()) return a.asFloat() < b.asFloat() ? -1 : a.asFloat() > b.asFloat() ? 1 : 0;
    if (a.isString() && b.isString()) return a.asString().compare(b.asString()) < 0 ? -1 : a.asString() == b.asString() ? 0 : 1;
    fail("cannot compare " + a.typeName() + " with " + b.typeName(), line);
}

std::vector<Value> iterate(const Value& v, int line)
{
    if (v.isList()) return v.asList();
    if (v.isDict()) {
        std::vector<Value> keys;
        for (auto& [k, x] : v.asDict()) keys.push_back(k);
        return keys;
    }
    if (v.isString()) {  // by character (UTF-8 aware)
        std::vector<Value> chars;
        const std::string& s = v.asString();
        for (size_t i = 0; i < s.size();) {
            size_t n = 1;
            while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
            chars.emplace_back(s.substr(i, n));
            i += n;
        }
        return chars;
    }
    if (v.isUndefined() || v.isNone()) return {};
    fail("'" + v.typeName() + "' is not iterable", line);
}

void addGlobals(std::unordered_map<std::string, Value>& scope)
{
    scope["raise_exception"] = Value::function(
        [](CallArgs& a) -> Value { throw TemplateError("the template raised an exception: " + a.get(0, "message").str(), a.line); });
    scope["range"] = Value::function([](CallArgs& a) {
        int64_t start = 0, stop = 0, step = 1;
        if (a.positional.size() == 1) stop = a.positional[0].asInt();
        else if (a.positional.size() >= 2) {
            start = a.positional[0].asInt();
            stop = a.positional[1].asInt();
            if (a.positional.size() > 2) step = a.positional[2].asInt();
        }
        if (step == 0) throw TemplateError("range() step cannot be zero", a.line);
        List items;
        for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
            if (items.size() > 1'000'000) throw TemplateError("range() too large", a.line);
            items.emplace_back(i);
        }
        return Value::list(std::move(items));
    });
    auto makeDict = [](CallArgs& a) {
        Value d = Value::dict();
        if (a.get(0, nullptr).isDict())
            for (auto& [k, v] : a.get(0, nullptr).asDict()) d.set(k, v);
        for (auto& [k, v] : a.keywords) d.set(k, v);
        return d;
    };
    scope["namespace"] = Value::function(makeDict);
    scope["dict"] = Value::function(makeDict);
    scope["strftime_now"] = Value::function([](CallArgs& a) { return Value(formatLocalTimeNow(a.get(0, "format").str())); });
}

bool applyTest(Interpreter& in, const std::string& name, const Value& v, CallArgs& a)
{
    in.step();
    const Value arg = a.get(0, nullptr);
    if (name == "defined") return !v.isUndefined();
    if (name == "undefined") return v.isUndefined();
    if (name == "none") return v.isNone();
    if (name == "string") return v.isString();
    if (name == "number") return v.kind() == Value::Kind::Int || v.kind() == Value::Kind::Float;
    if (name == "integer") return v.kind() == Value::Kind::Int;
    if (name == "float") return v.kind() == Value::Kind::Float;
    if (name == "boolean") return v.kind() == Value::Kind::Bool;
    if (name == "true") return v.kind() == Value::Kind::Bool && v.asBool();
    if (name == "false") return v.kind() == Value::Kind::Bool && !v.asBool();
    if (name == "mapping") return v.isDict();
    if (name == "sequence") return v.isList() || v.isString() || v.isDict();
    if (name == "iterable") return v.isList() || v.isString() || v.isDict();
    if (name == "callable") return v.isCallable();
    if (name == "odd") return v.isNumber() && v.asInt() % 2 != 0;
    if (name == "even") return v.isNumber() && v.asInt() % 2 == 0;
    if (name == "divisibleby") return arg.isNumber() && arg.asInt() != 0 && v.asInt() % arg.asInt() == 0;
    if (name == "eq" || name == "equalto" || name == "==") return v.equals(arg);
    if (name == "ne" || name == "!=") return !v.equals(arg);
    if (name == "lt" || name == "lessthan") return compare(v, arg, a.line) < 0;
    if (name == "gt" || name == "greaterthan") return compare(v, arg, a.line) > 0;
    if (name == "le") return compare(v, arg, a.line) <= 0;
    if (name == "ge") return compare(v, arg, a.line) >= 0;
    if (name == "in") return contains(arg, v, a.line);
    if (name == "sameas") return v.sameObject(arg);
    if (name == "lower") return v.isString() && caseMap(v.asString(), 1) == v.asString();
    if (name == "upper") return v.isString() && caseMap(v.asString(), 0) == v.asString();
    throw TemplateError("unknown test '" + name + "'", a.line);
}

// selectattr/rejectattr/select/reject: keep items whose (attribute) passes the test.
static Value selectItems(Interpreter& in, const Value& input, CallArgs& a, bool byAttribute, bool keep)
{
    List out;
    const size_t testIndex = byAttribute ? 1 : 0;
    const std::string attr = byAttribute ? a.get(0, nullptr).str() : std::string();
    const Value testName = a.get(testIndex, nullptr);
    CallArgs testArgs;
    testArgs.line = a.line;
    for (size_t i = testIndex + 1; i < a.positional.size(); ++i) testArgs.positional.push_back(a.positional[i]);
    for (const auto& item : iterate(input, a.line)) {
        Value subject =
            byAttribute ? (item.isDict() ? (item.find(attr) ? *item.find(attr) : Value()) : attribute(item, attr, a.line)) : item;
        const bool passes = testName.isUndefined() ? subject.truthy() : applyTest(in, testName.str(), subject, testArgs);
        if (passes == keep) out.push_back(item);
    }
    return Value::list(std::move(out));
}

Value applyFilter(Interpreter& in, const std::string& name, const Value& v, CallArgs& a)
{
    in.step();
    const int line = a.line;
    if (name == "tojson") {
        Value indent = a.get(0, "indent");
        if (indent.isNumber() && indent.asInt() > 64) throw TemplateError("tojson indent " + indent.str() + " is too large", line);
        return Value(v.toJson(indent.isNumber() ? int(indent.asInt()) : -1));
    }
    if (name == "length" || name == "count") {
        if (v.isString()) {
            int64_t n = 0;  // characters, not bytes
            for (unsigned char c : v.asString()) n += (c & 0xC0) != 0x80;
            return Value(n);
        }
        if (v.isList()) return Value(int64_t(v.asList().size()));
        if (v.isDict()) return Value(int64_t(v.asDict().size()));
        if (v.isUndefined()) return Value(int64_t(0));
        fail("object of type '" + v.typeName() + "' has no length", line);
    }
    if (name == "trim") return Value(strip(v.str(), a.get(0, "chars"), true, true));
    if (name == "string") return Value(v.str());
    if (name == "safe" || name == "e" || name == "escape") {
        if (name == "safe") return v;
        std::string out;
        for (char c : v.str()) {
            switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&#34;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
            }
        }
        return Value(out);
    }
    if (name == "default" || name == "d") {
        const bool boolean = a.get(1, "boolean").truthy();
        if (v.isUndefined() || (boolean && !v.truthy())) {
            Value fallback = a.get(0, "default_value");
            return fallback.isUndefined() ? Value("") : fallback;
        }
        return v;
    }
    if (name == "upper") return Value(caseMap(v.str(), 0));
    if (name == "lower") return Value(caseMap(v.str(), 1));
    if (name == "title") return Value(caseMap(v.str(), 2));
    if (name == "capitalize") return Value(caseMap(v.str(), 3));
    if (name == "replace") {
        Value count = a.get(2, "count");
        return Value(replaceAll(v.str(), a.get(0, "old").str(), a.get(1, "new").str(), count.isNumber() ? count.asInt() : -1));
    }
    if (name == "join") {
        const std::string sep = a.get(0, "d").isUndefined() ? "" : a.get(0, "d").str();
        const Value attr = a.get(1, "attribute");
        std::string out;
        auto items = iterate(v, line);
        for (size_t i = 0; i < items.size(); ++i) {
            out += (i ? sep : "") + (attr.isUndefined() ? items[i] : attribute(items[i], attr.str(), line)).str();
            ValueSizeLimit::check(out.size());
        }
        return Value(out);
    }
    if (name == "split") {
        List items;
        for (auto& p : split(v.str(), a.get(0, "sep"), -1)) items.emplace_back(p);
        return Value::list(std::move(items));
    }
    if (name == "first" || name == "last") {
        auto items = iterate(v, line);
        if (items.empty()) return Value();
        return name == "first" ? items.front() : items.back();
    }
    if (name == "list") return Value::list(iterate(v, line));
    if (name == "items") {
        if (v.isUndefined()) return Value::list();
        if (!v.isDict()) fail("items needs a mapping, got " + v.typeName(), line);
        List items;
        for (auto& [k, x] : v.asDict()) items.push_back(Value::list({k, x}));
        return Value::list(std::move(items));
    }
    if (name == "dictsort") {
        if (!v.isDict()) fail("dictsort needs a mapping", line);
        Entries sorted = v.asDict();
        // By key, case-insensitively for strings, as Jinja2's default.
        auto key = [](const Value& k) { return k.isString() ? Value(caseMap(k.asString(), 1)) : k; };
        std::stable_sort(sorted.begin(), sorted.end(),
                         [&](const auto& x, const auto& y) { return compare(key(x.first), key(y.first), line) < 0; });
        List items;
        for (auto& [k, x] : sorted) items.push_back(Value::list({k, x}));
        return Value::list(std::move(items));
    }
    if (name == "selectattr") return selectItems(in, v, a, true, true);
    if (name == "rejectattr") return selectItems(in, v, a, true, false);
    if (name == "select") return selectItems(in, v, a, false, true);
    if (name == "reject") return selectItems(in, v, a, false, false);
    if (name == "map") {
        List out;
        const Value attr = a.get(size_t(-1), "attribute");
        for (const auto& item : iterate(v, line)) {
            if (!attr.isUndefined()) {
                Value x = item.isDict() ? (item.find(attr.str()) ? *item.find(attr.str()) : Value()) : attribute(item, attr.str(), line);
                if (x.isUndefined() && !a.get(size_t(-1), "default").isUndefined()) x = a.get(size_t(-1), "default");
                out.push_back(x);
            } else {
                CallArgs inner;
                inner.line = line;
                for (size_t i = 1; i < a.positional.size(); ++i) inner.positional.push_back(a.positional[i]);
                out.push_back(applyFilter(in, a.get(0, nullptr).str(), item, inner));
            }
        }
        return Value::list(std::move(out));
    }
    if (name == "unique") {
        List out;
        for (const auto& item : iterate(v, line))
            if (std::none_of(out.begin(), out.end(), [&](const Value& x) { return x.equals(item); })) out.push_back(item);
        return Value::list(std::move(out));
    }
    if (name == "reverse") {
        if (v.isString()) return Value(std::string(v.asString().rbegin(), v.asString().rend()));
        auto items = iterate(v, line);
        std::reverse(items.begin(), items.end());
        return Value::list(std::move(items));
    }
    if (name == "sort") {
        auto items = iterate(v, line);
        const Value attr = a.get(size_t(-1), "attribute");
        const bool reverse = a.get(0, "reverse").truthy();
        std::stable_sort(items.begin(), items.end(), [&](const Value& x, const Value& y) {
            const Value& l = attr.isUndefined() ? x : *(x.find(attr.str()) ? x.find(attr.str()) : &x);
            const Value& r = attr.isUndefined() ? y : *(y.find(attr.str()) ? y.find(attr.str()) : &y);
            return reverse ? compare(r, l, line) < 0 : compare(l, r, line) < 0;
        });
        return Value::list(std::move(items));
    }
    if (name == "int") {
        if (v.isNumber()) return Value(v.asInt());
        try {
            return Value(int64_t(std::stoll(v.str())));
        } catch (const std::exception&) {
            return Value(int64_t(0));
        }
    }
    if (name == "float") {
        if (v.isNumber()) return Value(v.asFloat());
        try {
            return Value(std::stod(v.str()));
        } catch (const std::exception&) {
            return Value(0.0);
        }
    }
    if (name == "abs") return v.kind() == Value::Kind::Float ? Value(std::fabs(v.asFloat())) : Value(int64_t(std::llabs(v.asInt())));
    if (name == "round") {
        const int64_t digits = a.get(0, "precision").isNumber() ? a.get(0, "precision").asInt() : 0;
        const double scale = std::pow(10.0, double(digits));
        return Value(std::round(v.asFloat() * scale) / scale);
    }
    if (name == "sum") {
        double total = 0;
        bool anyFloat = false;
        for (const auto& x : iterate(v, line)) {
            total += x.asFloat();
            anyFloat = anyFloat || x.kind() == Value::Kind::Float;
        }
        return anyFloat ? Value(total) : Value(int64_t(total));
    }
    if (name == "indent") {
        const int64_t width = std::max<int64_t>(0, a.get(0, "width").isNumber() ? a.get(0, "width").asInt() : 4);
        const bool first = a.get(1, "first").truthy();
        const std::string s = v.str();
        in.checkValueSize(uint64_t(width));
        in.checkValueSize(uint64_t(std::count(s.begin(), s.end(), '\n') + 1) * uint64_t(width) + s.size());
        const std::string pad(size_t(width), ' ');
        std::string out;
        bool lineStart = first;
        for (char c : s) {
            if (lineStart && c != '\n') out += pad;
            out += c;
            lineStart = c == '\n';
        }
        return Value(out);
    }
    if (name == "wordcount") return Value(int64_t(split(v.str(), Value(), -1).size()));
    throw TemplateError("unknown filter '" + name + "'", line);
}

}  // namespace hearth::jinja
