#include "chat/jinja_value.h"

#include <algorithm>
#include <unordered_map>

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace hearth::jinja {

Value Value::none()
{
    Value v;
    v.m_kind = Kind::None;
    return v;
}

Value::Value(bool b) : m_kind(Kind::Bool), m_bool(b), m_int(b ? 1 : 0) { }
Value::Value(int64_t i) : m_kind(Kind::Int), m_int(i) { }
Value::Value(double d) : m_kind(Kind::Float), m_float(d) { }
Value::Value(std::string s) : m_kind(Kind::String), m_string(std::make_shared<std::string>(std::move(s))) { }

Value Value::list(List items)
{
    Value v;
    v.m_kind = Kind::Array;
    v.m_list = std::make_shared<List>(std::move(items));
    return v;
}

Value Value::dict(const Dict& items)
{
    Value v;
    v.m_kind = Kind::Map;
    v.m_dict = std::make_shared<Entries>();
    for (const auto& [k, x] : items) v.m_dict->emplace_back(Value(k), x);
    return v;
}

Value Value::function(Function f)
{
    Value v;
    v.m_kind = Kind::Callable;
    v.m_function = std::make_shared<Function>(std::move(f));
    return v;
}

int64_t Value::asInt() const
{
    if (m_kind == Kind::Float) return int64_t(m_float);
    return m_int;
}

double Value::asFloat() const { return m_kind == Kind::Float ? m_float : double(m_int); }

bool Value::truthy() const
{
    switch (m_kind) {
    case Kind::Undefined:
    case Kind::None: return false;
    case Kind::Bool: return m_bool;
    case Kind::Int: return m_int != 0;
    case Kind::Float: return m_float != 0;
    case Kind::String: return !m_string->empty();
    case Kind::Array: return !m_list->empty();
    case Kind::Map: return !m_dict->empty();
    case Kind::Callable: return true;
    }
    return false;
}

std::string pythonFloat(double d)
{
    if (std::isnan(d)) return "nan";
    if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
    // Python's repr: the shortest digits that round-trip.
    char buf[40];
    for (int precision = 1; precision <= 17; ++precision) {
        std::snprintf(buf, sizeof buf, "%.*g", precision, d);
        if (std::strtod(buf, nullptr) == d) break;
    }
    std::string s = buf;
    const size_t e = s.find('e');
    if (e != std::string::npos) {
        // Python writes 1e+20 and 1e-05 (two exponent digits at least), as %g does.
        return s;
    }
    if (s.find('.') == std::string::npos && s.find("inf") == std::string::npos) s += ".0";
    return s;
}

static std::string quoteRepr(const std::string& s)
{
    const bool useDouble = s.find('\'') != std::string::npos && s.find('"') == std::string::npos;
    const char q = useDouble ? '"' : '\'';
    std::string out(1, q);
    for (unsigned char c : s) {
        if (c == '\\') out += "\\\\";
        else if (c == q) out += std::string("\\") + char(q);
        else if (c == '\n') out += "\\n";
        else if (c == '\r') out += "\\r";
        else if (c == '\t') out += "\\t";
        else if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else out += char(c);
    }
    return out + q;
}

namespace {
thread_local size_t t_valueLimit = SIZE_MAX;
}  // namespace

ValueSizeLimit::ValueSizeLimit(size_t bytes) : m_previous(t_valueLimit) { t_valueLimit = bytes; }
ValueSizeLimit::~ValueSizeLimit() { t_valueLimit = m_previous; }

void ValueSizeLimit::check(size_t bytes)
{
    if (bytes > t_valueLimit)
        throw TemplateError("the template builds a value of more than " + std::to_string(bytes) + " bytes, over the limit of " +
                            std::to_string(t_valueLimit >> 20) + " MiB for one value");
}

std::string Value::str() const
{
    switch (m_kind) {
    case Kind::Undefined: return "";
    case Kind::None: return "None";
    case Kind::Bool: return m_bool ? "True" : "False";
    case Kind::Int: return std::to_string(m_int);
    case Kind::Float: return pythonFloat(m_float);
    case Kind::String: return *m_string;
    default: return repr();
    }
}

std::string Value::repr() const
{
    switch (m_kind) {
    case Kind::String: return quoteRepr(*m_string);
    case Kind::Array: {
        std::string out = "[";
        for (size_t i = 0; i < m_list->size(); ++i) {
            out += (i ? ", " : "") + (*m_list)[i].repr();
            ValueSizeLimit::check(out.size());
        }
        return out + "]";
    }
    case Kind::Map: {
        std::string out = "{";
        for (size_t i = 0; i < m_dict->size(); ++i) {
            out += (i ? ", " : "") + (*m_dict)[i].first.repr() + ": " + (*m_dict)[i].second.repr();
            ValueSizeLimit::check(out.size());
        }
        return out + "}";
    }
    case Kind::Callable: return "<function>";
    default: return str();
    }
}

static std::string jsonString(const std::string& s)
{
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
            if (c < 0x20 || c == 0x7f) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += char(c);
            }
        }
    }
    return out + "\"";
}

std::string Value::toJson(int indent, int depth) const
{
    const bool pretty = indent >= 0;
    const std::string newline = pretty ? "\n" + std::string(size_t(indent * (depth + 1)), ' ') : "";
    const std::string closing = pretty ? "\n" + std::string(size_t(indent * depth), ' ') : "";
    const std::string itemSeparator = pretty ? "," : ", ";
    switch (m_kind) {
    case Kind::Undefined:
    case Kind::None: return "null";
    case Kind::Bool: return m_bool ? "true" : "false";
    case Kind::Int: return std::to_string(m_int);
    case Kind::Float:
        if (std::isnan(m_float)) return "NaN";
        if (std::isinf(m_float)) return m_float > 0 ? "Infinity" : "-Infinity";
        return pythonFloat(m_float);
    case Kind::String: return jsonString(*m_string);
    case Kind::Array: {
        if (m_list->empty()) return "[]";
        std::string out = "[";
        for (size_t i = 0; i < m_list->size(); ++i) {
            out += (i ? itemSeparator : "") + newline + (*m_list)[i].toJson(indent, depth + 1);
            ValueSizeLimit::check(out.size());
        }
        return out + closing + "]";
    }
    case Kind::Map: {
        if (m_dict->empty()) return "{}";
        std::string out = "{";
        for (size_t i = 0; i < m_dict->size(); ++i) {
            out += (i ? itemSeparator : "") + newline +
                jsonString((*m_dict)[i].first.isString() ? (*m_dict)[i].first.asString() : (*m_dict)[i].first.toJson()) + ": " +
                (*m_dict)[i].second.toJson(indent, depth + 1);
            ValueSizeLimit::check(out.size());
        }
        return out + closing + "}";
    }
    case Kind::Callable: throw TemplateError("a function cannot be converted to JSON");
    }
    return "null";
}

std::string Value::typeName() const
{
    switch (m_kind) {
    case Kind::Undefined: return "undefined";
    case Kind::None: return "none";
    case Kind::Bool: return "boolean";
    case Kind::Int: return "integer";
    case Kind::Float: return "float";
    case Kind::String: return "string";
    case Kind::Array: return "list";
    case Kind::Map: return "dict";
    case Kind::Callable: return "function";
    }
    return "?";
}

Value* Value::find(const std::string& key) const
{
    if (m_kind != Kind::Map) return nullptr;
    for (auto& [k, v] : *m_dict)
        if (k.isString() && k.asString() == key) return &v;
    return nullptr;
}

Value* Value::find(const Value& key) const
{
    if (m_kind != Kind::Map) return nullptr;
    for (auto& [k, v] : *m_dict)
        if (k.equals(key)) return &v;
    return nullptr;
}

void Value::set(const std::string& key, Value v) const { set(Value(key), std::move(v)); }

void Value::set(const Value& key, Value v) const
{
    checkInsertion(v);
    if (Value* existing = find(key)) *existing = std::move(v);
    else m_dict->emplace_back(key, std::move(v));
}

namespace {

const void* containerOf(const Value& v)
{
    if (v.isList()) return &v.asList();
    if (v.isDict()) return &v.asDict();
    return nullptr;
}

// Depth of `v` (memoized by container, capped); throws when `forbidden` is inside it.
int depthOf(const Value& v, const void* forbidden, std::unordered_map<const void*, int>& memo, int level)
{
    const void* self = containerOf(v);
    if (!self) return 0;
    if (self == forbidden) throw TemplateError("a list or dict cannot contain itself");
    if (level > Value::kMaxNesting) throw TemplateError("values nested too deeply (more than 64 levels of lists and dicts)");
    if (auto it = memo.find(self); it != memo.end()) return it->second;
    int deepest = 0;
    if (v.isList())
        for (const Value& item : v.asList()) deepest = std::max(deepest, depthOf(item, forbidden, memo, level + 1));
    else
        for (const auto& [k, item] : v.asDict()) deepest = std::max(deepest, depthOf(item, forbidden, memo, level + 1));
    memo.emplace(self, deepest + 1);
    return deepest + 1;
}

}  // namespace

void Value::checkInsertion(const Value& inserted) const
{
    std::unordered_map<const void*, int> memo;
    if (depthOf(inserted, containerOf(*this), memo, 1) >= kMaxNesting)
        throw TemplateError("values nested too deeply (more than 64 levels of lists and dicts)");
}

int Value::nestingDepth(const Value& v)
{
    std::unordered_map<const void*, int> memo;
    return depthOf(v, nullptr, memo, 0);
}

bool Value::equals(const Value& o) const
{
    if (isNumber() && o.isNumber()) {
        if (m_kind == Kind::Float || o.m_kind == Kind::Float) return asFloat() == o.asFloat();
        return asInt() == o.asInt();
    }
    if (m_kind != o.m_kind) return false;
    switch (m_kind) {
    case Kind::Undefined:
    case Kind::None: return true;
    case Kind::String: return *m_string == *o.m_string;
    case Kind::Array:
        if (m_list->size() != o.m_list->size()) return false;
        for (size_t i = 0; i < m_list->size(); ++i)
            if (!(*m_list)[i].equals((*o.m_list)[i])) return false;
        return true;
    case Kind::Map:
        if (m_dict->size() != o.m_dict->size()) return false;
        for (const auto& [k, v] : *m_dict) {
            Value* other = o.find(k);
            if (!other || !v.equals(*other)) return false;
        }
        return true;
    case Kind::Callable: return m_function == o.m_function;
    default: return false;
    }
}

bool Value::sameObject(const Value& o) const
{
    if (m_kind != o.m_kind) return false;
    if (m_kind == Kind::Array) return m_list == o.m_list;
    if (m_kind == Kind::Map) return m_dict == o.m_dict;
    return equals(o);
}

Value CallArgs::get(size_t i, const char* name) const
{
    if (i < positional.size()) return positional[i];
    if (name)
        for (const auto& [k, v] : keywords)
            if (k == name) return v;
    return Value();
}

}  // namespace hearth::jinja
