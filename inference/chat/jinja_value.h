// Values of Hearth's Jinja interpreter, with Python's semantics (what chat templates were
// written against): truthiness, str(), repr(), equality, and json.dumps for tojson.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace hearth::jinja {

// Raised for template errors; carries the template line when known.
class TemplateError : public std::runtime_error {
public:
    explicit TemplateError(const std::string& message, int line = 0)
        : std::runtime_error(line > 0 ? "line " + std::to_string(line) + ": " + message : message), m_line(line)
    {
    }
    int line() const { return m_line; }

private:
    int m_line;
};

class Value;
using List = std::vector<Value>;
using Dict = std::vector<std::pair<std::string, Value>>;  // keyword arguments, template variables
using Entries = std::vector<std::pair<Value, Value>>;  // a dict's items: insertion-ordered, any key type
struct CallArgs;
using Function = std::function<Value(CallArgs&)>;

class Value {
public:
    enum class Kind { Undefined, None, Bool, Int, Float, String, Array, Map, Callable };

    Value() = default;  // undefined
    static Value none();
    Value(bool b);
    Value(int64_t i);
    Value(int i) : Value(int64_t(i)) { }
    Value(double d);
    Value(std::string s);
    Value(const char* s) : Value(std::string(s)) { }
    static Value list(List items = {});
    static Value dict(const Dict& items = {});
    static Value function(Function f);

    Kind kind() const { return m_kind; }
    bool isUndefined() const { return m_kind == Kind::Undefined; }
    bool isNone() const { return m_kind == Kind::None; }
    bool isString() const { return m_kind == Kind::String; }
    bool isNumber() const { return m_kind == Kind::Int || m_kind == Kind::Float || m_kind == Kind::Bool; }
    bool isList() const { return m_kind == Kind::Array; }
    bool isDict() const { return m_kind == Kind::Map; }
    bool isCallable() const { return m_kind == Kind::Callable; }

    bool asBool() const { return m_bool; }
    int64_t asInt() const;  // Int or Bool (or integral Float)
    double asFloat() const;  // any number
    const std::string& asString() const { return *m_string; }
    List& asList() const { return *m_list; }
    Entries& asDict() const { return *m_dict; }
    const Function& asFunction() const { return *m_function; }

    bool truthy() const;
    std::string str() const;  // Python str()
    std::string repr() const;  // Python repr()
    std::string toJson(int indent = -1, int depth = 0) const;  // json.dumps(ensure_ascii=False)
    std::string typeName() const;

    // Dict lookup: nullptr when absent.
    Value* find(const std::string& key) const;
    Value* find(const Value& key) const;
    void set(const std::string& key, Value v) const;  // dicts are shared references
    void set(const char* key, Value v) const { set(std::string(key), std::move(v)); }
    void set(const Value& key, Value v) const;

    bool equals(const Value& other) const;  // Python ==
    // Throws TemplateError when putting `inserted` into this container would make it contain
    // itself (a cycle: endless output, memory never freed) or nest deeper than kMaxNesting
    // (recursion in output and destruction). Called by every mutation of a list or dict.
    void checkInsertion(const Value& inserted) const;
    // The nesting depth of a value (0 for scalars), up to kMaxNesting + 1.
    static int nestingDepth(const Value& v);
    static constexpr int kMaxNesting = 64;
    bool sameObject(const Value& other) const;

private:
    Kind m_kind = Kind::Undefined;
    bool m_bool = false;
    int64_t m_int = 0;
    double m_float = 0;
    std::shared_ptr<std::string> m_string;
    std::shared_ptr<List> m_list;
    std::shared_ptr<Entries> m_dict;
    std::shared_ptr<Function> m_function;
};

// Arguments of a call: positional and keyword.
struct CallArgs {
    List positional;
    Dict keywords;
    int line = 0;
    // Argument i or keyword `name`; undefined when absent.
    Value get(size_t i, const char* name) const;
};

std::string pythonFloat(double d);

// The size limit of any one value built during a render (the interpreter installs it for the
// render's duration on its thread). Everything that grows a string from others (str/repr/tojson
// of lists and dicts, join, replace) checks it as it grows, so an oversized value is refused
// before it exists, not after: shared references make such growth multiplicative.
class ValueSizeLimit {
public:
    explicit ValueSizeLimit(size_t bytes);
    ~ValueSizeLimit();
    ValueSizeLimit(const ValueSizeLimit&) = delete;
    ValueSizeLimit& operator=(const ValueSizeLimit&) = delete;
    // Throws TemplateError when `bytes` is over the installed limit (no limit outside a render).
    static void check(size_t bytes);

private:
    size_t m_previous;
};

}  // namespace hearth::jinja
