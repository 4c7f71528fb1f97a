#include "sampling/json_constraint.h"

#include "core/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace hearth {

using nlohmann::ordered_json;

// One schema, flattened into nodes that refer to each other by index.
struct JsonSchemaNode {
    unsigned types = 0;  // bit per kind below; 0 = any
    std::vector<std::pair<std::string, int>> properties;  // key -> node
    std::vector<std::string> required;
    bool closed = false;  // only the listed properties
    int items = -1;  // array element node (-1: any)
    std::vector<std::string> literals;  // enum/const values, serialized
    int64_t maxLength = -1, maxItems = -1;
};

namespace {

enum Kind : unsigned { Object = 1, Array = 2, String = 4, Number = 8, Integer = 16, Boolean = 32, Null = 64 };
constexpr int kMaxSpaces = 4;
constexpr int kMaxDepth = 64;

unsigned kindFromName(const std::string& name)
{
    if (name == "object") return Object;
    if (name == "array") return Array;
    if (name == "string") return String;
    if (name == "number") return Number | Integer;
    if (name == "integer") return Integer;
    if (name == "boolean") return Boolean;
    if (name == "null") return Null;
    throw Error(ErrorCode::InvalidArgument, "JSON schema: unknown type '" + name + "'");
}

int compile(const ordered_json& s, std::vector<JsonSchemaNode>& nodes, int depth)
{
    if (depth > kMaxDepth) throw Error(ErrorCode::InvalidArgument, "JSON schema: nested deeper than 64 levels");
    if (s.is_boolean() && s.get<bool>()) {  // `true`: any value
        nodes.emplace_back();
        return int(nodes.size()) - 1;
    }
    if (!s.is_object()) throw Error(ErrorCode::InvalidArgument, "JSON schema: a schema must be an object");
    for (const char* unsupported : {"$ref", "anyOf", "oneOf", "allOf", "not", "patternProperties", "if"})
        if (s.contains(unsupported))
            throw Error(ErrorCode::InvalidArgument, std::string("JSON schema: '") + unsupported + "' is not supported yet");
    const int index = int(nodes.size());
    nodes.emplace_back();
    JsonSchemaNode node;
    if (s.contains("type")) {
        const auto& t = s["type"];
        if (t.is_string()) node.types = kindFromName(t.get<std::string>());
        else if (t.is_array())
            for (const auto& name : t) node.types |= kindFromName(name.is_string() ? name.get<std::string>() : std::string("?"));
        else throw Error(ErrorCode::InvalidArgument, "JSON schema: 'type' must be a string or a list");
    }
    if (s.contains("enum")) {
        if (!s["enum"].is_array() || s["enum"].empty())
            throw Error(ErrorCode::InvalidArgument, "JSON schema: 'enum' must be a non-empty list");
        for (const auto& v : s["enum"]) node.literals.push_back(v.dump());
    }
    if (s.contains("const")) node.literals = {s["const"].dump()};
    if (s.contains("maxLength") && s["maxLength"].is_number_integer()) node.maxLength = s["maxLength"].get<int64_t>();
    if (s.contains("maxItems") && s["maxItems"].is_number_integer()) node.maxItems = s["maxItems"].get<int64_t>();
    if (s.contains("properties")) {
        if (!s["properties"].is_object()) throw Error(ErrorCode::InvalidArgument, "JSON schema: 'properties' must be an object");
        node.closed = !(s.contains("additionalProperties") && s["additionalProperties"] != false);
        if (!node.types) node.types = Object;
        for (auto it = s["properties"].begin(); it != s["properties"].end(); ++it) {
            const int child = compile(it.value(), nodes, depth + 1);
            node.properties.emplace_back(it.key(), child);
        }
    }
    if (s.contains("required") && s["required"].is_array())
        for (const auto& r : s["required"])
            if (r.is_string()) node.required.push_back(r.get<std::string>());
    if (s.contains("items")) {
        if (!node.types) node.types = Array;
        node.items = compile(s["items"], nodes, depth + 1);
    }
    nodes[size_t(index)] = std::move(node);
    return index;
}

}  // namespace

// What the recognizer is in the middle of.
struct JsonConstraint::Frame {
    enum class What {
        Value,  // expecting a value of `node`
        Literal,  // inside an enum/const value, a number, true/false/null: `text` so far
        String,  // inside a string (a value, or a key when `key`)
        ObjectKeyOrEnd,  // after '{'
        ObjectKey,  // after ',' in an object
        ObjectColon,
        ObjectCommaOrEnd,
        ArrayValueOrEnd,  // after '['
        ArrayCommaOrEnd,
    } what = What::Value;
    int node = -1;
    bool key = false;
    std::string text;  // a literal's or key's characters so far
    int escape = 0;  // inside a string: 0 none, 1 after '\', 2..5 \u digits
    int utf8Pending = 0;  // continuation bytes still owed by a multi-byte character
    int64_t length = 0;  // string characters (UTF-8 code points) or array items
    std::vector<std::string> keys;  // an object's keys so far
    std::string pendingKey;
};

JsonConstraint::JsonConstraint(const std::string& schemaJson)
{
    ordered_json schema = schemaJson.empty() ? ordered_json::object() : ordered_json::parse(schemaJson, nullptr, false);
    if (schema.is_discarded()) throw Error(ErrorCode::InvalidArgument, "JSON schema: not valid JSON");
    auto nodes = std::make_shared<std::vector<JsonSchemaNode>>();
    compile(schema, *nodes, 0);
    m_any = int(nodes->size());
    nodes->emplace_back();  // "any value", for open objects' other keys and untyped items
    m_schema = std::move(nodes);
    m_stack.push_back({Frame::What::Value, 0});
}

JsonConstraint::~JsonConstraint() = default;
JsonConstraint::JsonConstraint(const JsonConstraint&) = default;
JsonConstraint& JsonConstraint::operator=(const JsonConstraint&) = default;

bool JsonConstraint::complete() const { return m_done; }

bool JsonConstraint::accepts(std::string_view bytes) const
{
    if (bytes.empty()) return false;
    JsonConstraint copy = *this;
    for (char c : bytes)
        if (!copy.feed(static_cast<unsigned char>(c))) return false;
    return true;
}

void JsonConstraint::advance(std::string_view bytes)
{
    for (char c : bytes) feed(static_cast<unsigned char>(c));
}

namespace {

bool isSpace(unsigned char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

// Can `text` (a number so far) be continued by c, or be complete?
bool numberPrefix(const std::string& t, bool integer)
{
    // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, checked as a prefix.
    size_t i = 0;
    if (i < t.size() && t[i] == '-') ++i;
    if (i == t.size()) return true;
    if (t[i] == '0') ++i;
    else if (t[i] >= '1' && t[i] <= '9')
        while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
    else return false;
    if (i - (t[0] == '-') > 16) return false;  // bounded digits
    if (i == t.size()) return true;
    if (t[i] == '.') {
        if (integer) return false;
        ++i;
        size_t digits = 0;
        while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i, ++digits;
        if (digits > 16) return false;
        if (i == t.size()) return true;
        if (digits == 0) return false;
    }
    if (t[i] == 'e' || t[i] == 'E') {
        if (integer) return false;
        ++i;
        if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
        size_t digits = 0;
        while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i, ++digits;
        return i == t.size() && digits <= 3;
    }
    return false;
}

bool numberComplete(const std::string& t, bool integer)
{
    if (t.empty() || !numberPrefix(t, integer)) return false;
    const char last = t.back();
    return std::isdigit(static_cast<unsigned char>(last)) != 0;
}

}  // namespace

bool JsonConstraint::finishScalar()
{
    Frame& f = m_stack.back();
    const JsonSchemaNode& node = (*m_schema)[size_t(f.node)];
    if (!node.literals.empty()) {
        if (std::find(node.literals.begin(), node.literals.end(), f.text) == node.literals.end()) return false;
    } else if (f.text == "true" || f.text == "false") {
        if (node.types && !(node.types & Boolean)) return false;
    } else if (f.text == "null") {
        if (node.types && !(node.types & Null)) return false;
    } else {
        const bool integerOnly = node.types && !(node.types & Number);
        if (!numberComplete(f.text, integerOnly)) return false;
    }
    m_stack.pop_back();
    if (m_stack.empty()) m_done = true;
    return true;
}

bool JsonConstraint::feed(unsigned char c)
{
    if (m_done) return false;  // nothing after the value
    if (isSpace(c)) {
        // Whitespace is allowed between tokens only, and only a little of it.
        if (!m_stack.empty() && (m_stack.back().what == Frame::What::String)) {
            // inside a string: a literal tab or newline is not valid JSON
            if (c != ' ') return false;
        } else {
            if (!m_stack.empty() && m_stack.back().what == Frame::What::Literal) {
                if (!finishScalar()) return false;
                if (m_done) return true;  // a top-level number ends with this space; nothing follows
            }
            if (++m_spaces > kMaxSpaces) return false;
            return true;
        }
    } else {
        m_spaces = 0;
    }
    if (m_stack.empty()) return false;
    if (m_stack.size() > size_t(kMaxDepth)) return false;
    Frame& f = m_stack.back();
    const JsonSchemaNode& node = (*m_schema)[size_t(f.node)];
    switch (f.what) {
    case Frame::What::Value: {
        const unsigned t = node.types;
        if (!node.literals.empty()) {
            // enum/const: match the serialized values character by character
            f.what = Frame::What::Literal;
            f.text.clear();
            return feed(c);
        }
        if (c == '{' && (!t || (t & Object))) {
            f.what = Frame::What::ObjectKeyOrEnd;
            return true;
        }
        if (c == '[' && (!t || (t & Array))) {
            f.what = Frame::What::ArrayValueOrEnd;
            return true;
        }
        if (c == '"' && (!t || (t & String))) {
            f.what = Frame::What::String;
            return true;
        }
        if ((c == '-' || std::isdigit(c)) && (!t || (t & (Number | Integer)))) {
            f.what = Frame::What::Literal;
            f.text = std::string(1, char(c));
            return numberPrefix(f.text, t && !(t & Number));
        }
        if ((c == 't' || c == 'f') && (!t || (t & Boolean))) {
            f.what = Frame::What::Literal;
            f.text = std::string(1, char(c));
            return true;
        }
        if (c == 'n' && (!t || (t & Null))) {
            f.what = Frame::What::Literal;
            f.text.assign(1, 'n');  // (not = "n": GCC 12 warns falsely about an overlapping copy)
            return true;
        }
        return false;
    }
    case Frame::What::Literal: {
        std::string next = f.text;
        next.push_back(char(c));
        if (!node.literals.empty()) {
            for (const auto& lit : node.literals)
                if (lit.rfind(next, 0) == 0) {
                    f.text = next;
                    // A string literal ends with its quote: complete at once.
                    if (lit == next && lit.front() == '"') return finishScalar();
                    return true;
                }
            // Not a continuation: this character ends the literal (if it is whole) and goes to the parent.
            if (!finishScalar()) return false;
            return feed(c);
        }
        const bool number = f.text.front() == '-' || std::isdigit(static_cast<unsigned char>(f.text.front()));
        if (number) {
            const bool integerOnly = node.types && !(node.types & Number);
            if (numberPrefix(next, integerOnly)) {
                f.text = next;
                return true;
            }
            if (!finishScalar()) return false;
            return feed(c);
        }
        for (const char* word : {"true", "false", "null"}) {
            const std::string w = word;
            if (w.rfind(next, 0) == 0) {
                f.text = next;
                if (next == w) return finishScalar();
                return true;
            }
        }
        return false;
    }
    case Frame::What::String: {
        // Only well-formed UTF-8: tokens may carry part of a character, never a broken one.
        if (f.utf8Pending > 0) {
            if ((c & 0xC0) != 0x80) return false;
            --f.utf8Pending;
            f.text += char(c);
            return true;
        }
        if (c >= 0x80) {
            if (c >= 0xC2 && c <= 0xDF) f.utf8Pending = 1;
            else if (c >= 0xE0 && c <= 0xEF) f.utf8Pending = 2;
            else if (c >= 0xF0 && c <= 0xF4) f.utf8Pending = 3;
            else return false;
        }
        if (f.escape == 1) {
            f.escape = 0;
            if (c == 'u') f.escape = 2;
            else if (std::string_view("\"\\/bfnrt").find(char(c)) == std::string_view::npos) return false;
            f.text += '?';
            ++f.length;
        } else if (f.escape >= 2) {
            if (!std::isxdigit(c)) return false;
            f.escape = f.escape == 5 ? 0 : f.escape + 1;
            return true;
        } else if (c == '\\') {
            if (f.key) return false;  // keys stay plain, so they can be matched
            // An escape adds a character: none at the length limit (no dead ends).
            if (node.maxLength >= 0 && f.length >= node.maxLength) return false;
            f.escape = 1;
            return true;
        } else if (c == '"') {
            if (f.key) {
                Frame& object = m_stack[m_stack.size() - 2];
                const JsonSchemaNode& on = (*m_schema)[size_t(object.node)];
                if (std::find(object.keys.begin(), object.keys.end(), f.text) != object.keys.end()) return false;  // no repeats
                if (on.closed && std::none_of(on.properties.begin(), on.properties.end(), [&](auto& p) { return p.first == f.text; }))
                    return false;
                object.pendingKey = f.text;
                object.what = Frame::What::ObjectColon;
                m_stack.pop_back();
                return true;
            }
            m_stack.pop_back();
            if (m_stack.empty()) m_done = true;
            return true;
        } else if (c < 0x20) {
            return false;
        } else {
            if ((c & 0xC0) != 0x80) ++f.length;  // count characters, not bytes
            f.text += char(c);
        }
        if (node.maxLength >= 0 && !f.key && f.length > node.maxLength) return false;
        if (f.key) {
            // A closed object's keys: the key so far must begin an unused property name.
            const Frame& object = m_stack[m_stack.size() - 2];
            const JsonSchemaNode& on = (*m_schema)[size_t(object.node)];
            if (on.closed && std::none_of(on.properties.begin(), on.properties.end(), [&](auto& p) {
                    return p.first.rfind(f.text, 0) == 0 && std::find(object.keys.begin(), object.keys.end(), p.first) == object.keys.end();
                }))
                return false;
            if (f.text.size() > 256) return false;
        }
        return true;
    }
    case Frame::What::ObjectKeyOrEnd:
    case Frame::What::ObjectKey:
        if (c == '}' && f.what == Frame::What::ObjectKeyOrEnd) goto closeObject;
        if (c != '"') return false;
        // With every property already given, a closed object takes no more keys.
        if (node.closed && f.keys.size() >= node.properties.size()) return false;
        m_stack.push_back({Frame::What::String, f.node, /*key=*/true});
        return true;
    case Frame::What::ObjectColon: {
        if (c != ':') return false;
        int child = m_any;  // an unlisted key of an open object: any value
        for (const auto& [k, n] : node.properties)
            if (k == f.pendingKey) child = n;
        f.keys.push_back(f.pendingKey);
        f.what = Frame::What::ObjectCommaOrEnd;
        m_stack.push_back({Frame::What::Value, child});
        return true;
    }
    case Frame::What::ObjectCommaOrEnd:
        if (c == ',') {
            // No dead ends: a closed object with every property given takes no more keys.
            if (node.closed && f.keys.size() >= node.properties.size()) return false;
            f.what = Frame::What::ObjectKey;
            return true;
        }
        if (c != '}') return false;
    closeObject : {
        for (const auto& r : node.required)
            if (std::find(f.keys.begin(), f.keys.end(), r) == f.keys.end()) return false;
        m_stack.pop_back();
        if (m_stack.empty()) m_done = true;
        return true;
    }
    case Frame::What::ArrayValueOrEnd:
    case Frame::What::ArrayCommaOrEnd:
        if (c == ']') {
            if (f.what == Frame::What::ArrayValueOrEnd && f.length > 0) return false;  // "[1,]"
            m_stack.pop_back();
            if (m_stack.empty()) m_done = true;
            return true;
        }
        if (f.what == Frame::What::ArrayCommaOrEnd) {
            if (c != ',') return false;
            if (node.maxItems >= 0 && f.length >= node.maxItems) return false;
            f.what = Frame::What::ArrayValueOrEnd;
            return true;
        }
        {
            if (node.maxItems >= 0 && f.length >= node.maxItems) return false;
            ++f.length;
            f.what = Frame::What::ArrayCommaOrEnd;
            m_stack.push_back({Frame::What::Value, node.items >= 0 ? node.items : m_any});
            return feed(c);
        }
    }
    return false;
}

}  // namespace hearth
