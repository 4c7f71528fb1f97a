// Structured output: a JSON value that matches a JSON schema, enforced while sampling. A
// byte-level recognizer reads the reply as it is generated and answers, for any token's bytes,
// whether the reply could still become a valid value after them; the session masks the tokens
// it cannot and stops when the value is complete.
//
// The schema subset: type (one or a list), properties + required (additionalProperties: false
// when properties are listed — the properties are then the only keys), items, enum and const,
// maxLength for strings, maxItems for arrays. $ref, anyOf, oneOf, allOf and not are refused
// (Error(InvalidArgument)); other keywords (description, format, minimum…) are read but not
// enforced. An empty schema ({}) is any JSON value.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hearth {

struct JsonSchemaNode;

class JsonConstraint {
public:
    // Throws Error(InvalidArgument) for a schema it cannot enforce, naming the keyword.
    explicit JsonConstraint(const std::string& schemaJson);
    ~JsonConstraint();
    JsonConstraint(const JsonConstraint&);
    JsonConstraint& operator=(const JsonConstraint&);

    // Whether the reply so far followed by `bytes` is still the start of a valid value.
    bool accepts(std::string_view bytes) const;
    void advance(std::string_view bytes);  // only after accepts(bytes)
    // A whole value has been read (nothing more is allowed but the end).
    bool complete() const;

    struct Frame;

private:
    bool feed(unsigned char c);  // false: not allowed here (the state is then undefined)
    bool finishScalar();  // a number or literal at the top of the stack ends here

    std::shared_ptr<const std::vector<JsonSchemaNode>> m_schema;
    std::vector<Frame> m_stack;
    int m_any = 0;  // the node that allows any value
    bool m_done = false;
    int m_spaces = 0;  // whitespace in a row: bounded, so a model cannot pad forever
};

}  // namespace hearth
