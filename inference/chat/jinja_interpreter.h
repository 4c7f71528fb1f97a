// Renders a parsed template. Bounded: a budget of evaluation steps, a cap on output size, on
// call depth, on the size of any one value and on all the memory a render's values take turn
// runaway templates into a TemplateError instead of a hang or an allocation of gigabytes.
#pragma once

#include "chat/jinja_ast.h"

#include <string>
#include <unordered_map>
#include <vector>

namespace hearth::jinja {

struct RenderLimits {
    size_t maxOutputBytes = 4u << 20;
    uint64_t maxSteps = 2'000'000;  // real templates use well under 100k on long chats
    int maxCallDepth = 64;
    size_t maxValueBytes = 16u << 20;  // any one string or list a template builds
    size_t maxAllocatedBytes = 256u << 20;  // everything a render builds, added up (an upper bound of what is alive)
};

class Interpreter {
public:
    Interpreter(std::shared_ptr<Template> tmpl, RenderLimits limits = {});
    std::string render(const Dict& variables);

    // Used by builtins.
    void step();
    int currentLine() const { return m_line; }
    // Counts a value the template built against the memory budget; throws TemplateError past it.
    const Value& account(const Value& built);
    // Throws TemplateError when a value of `bytes` would be over the per-value budget (call it
    // before building something whose size an argument chooses: 'x' * n, indent(width)).
    void checkValueSize(uint64_t bytes);

private:
    struct LoopControl {
        bool breaking = false;
        bool continuing = false;
    };
    void exec(const Body& body, std::string& out);
    void execStmt(const Stmt& s, std::string& out);
    void execFor(const Stmt& s, std::string& out);
    Value eval(const Expr& e);
    Value evalBinary(const Expr& e);
    Value callValue(const Value& callee, CallArgs& args);
    CallArgs evalArguments(const Expr& e, size_t firstChild);
    Value lookup(const std::string& name) const;
    void assign(const std::string& name, Value v);
    Value makeMacro(const Stmt& s);
    void append(std::string& out, const std::string& text);

    std::shared_ptr<Template> m_template;
    RenderLimits m_limits;
    std::vector<std::unordered_map<std::string, Value>> m_scopes;
    uint64_t m_steps = 0;
    uint64_t m_allocated = 0;
    int m_depth = 0;
    int m_line = 0;
    LoopControl m_loop;
};

// Builtins (jinja_builtins.cpp).
Value applyFilter(Interpreter& in, const std::string& name, const Value& input, CallArgs& args);
bool applyTest(Interpreter& in, const std::string& name, const Value& input, CallArgs& args);
Value attribute(const Value& object, const std::string& name, int line);  // obj.name / obj[name]
Value subscript(const Value& object, const Value& key, int line);
Value slice(const Value& object, const Value& start, const Value& stop, const Value& stride, int line);
bool contains(const Value& container, const Value& item, int line);
int compare(const Value& a, const Value& b, int line);  // <0, 0, >0; throws for unordered types
void addGlobals(std::unordered_map<std::string, Value>& scope);
std::vector<Value> iterate(const Value& v, int line);  // for-loop items (dict: keys)

}  // namespace hearth::jinja
