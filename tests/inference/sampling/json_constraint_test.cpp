// Structured output's recognizer: every prefix of a valid value is accepted and the whole value
// completes; a value that breaks the schema is refused at the first byte that breaks it.
#include "core/error.h"
#include "sampling/json_constraint.h"

#include <gtest/gtest.h>

using namespace hearth;

namespace {

// The index of the first byte refused (text.size() when all were accepted).
size_t firstRefused(JsonConstraint c, const std::string& text)
{
    for (size_t i = 0; i < text.size(); ++i) {
        if (!c.accepts(std::string(1, text[i]))) return i;
        c.advance(std::string(1, text[i]));
    }
    return text.size();
}

bool completes(const std::string& schema, const std::string& text)
{
    JsonConstraint c(schema);
    if (firstRefused(c, text) != text.size()) return false;
    c.advance(text);
    return c.complete();
}

const char* kPerson = R"({"type": "object", "properties": {
    "name": {"type": "string", "maxLength": 8},
    "age": {"type": "integer"},
    "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "bb"]}, "maxItems": 2},
    "ok": {"type": "boolean"}, "score": {"type": "number"}, "note": {"type": ["string", "null"]}},
    "required": ["name", "age"]})";

}  // namespace

TEST(JsonConstraint, AnyJsonValue)
{
    for (const char* v : {R"({"a": [1, -2.5e3, true, null, "x\"y\u00e9"], "b": {}})", "[]", "\"text\"", "true", "null", "{ }"})
        EXPECT_TRUE(completes("{}", v)) << v;
    EXPECT_EQ(firstRefused(JsonConstraint("{}"), "{\"a\": tru3}"), 9u);
    EXPECT_EQ(firstRefused(JsonConstraint("{}"), "[1,]"), 3u);
    EXPECT_EQ(firstRefused(JsonConstraint("{}"), "{\"a\" 1}"), 5u);
    EXPECT_EQ(firstRefused(JsonConstraint("{}"), "01"), 1u);
    EXPECT_EQ(firstRefused(JsonConstraint("{}"), "{}x"), 2u) << "nothing after the value";
    EXPECT_EQ(firstRefused(JsonConstraint("{}"), "{     }"), 5u) << "whitespace is bounded";
    EXPECT_EQ(firstRefused(JsonConstraint("{}"), "\"a\nb\""), 2u) << "raw newlines are not JSON";
}

TEST(JsonConstraint, ObjectsFollowTheirSchema)
{
    EXPECT_TRUE(completes(kPerson, R"({"name": "Ann", "age": 7, "tags": ["bb", "a"], "ok": false, "score": 1.5, "note": null})"));
    EXPECT_TRUE(completes(kPerson, R"({"age": 30, "name": "Bo"})"));
    const std::string missingAge = R"({"name": "Ann"})";
    EXPECT_EQ(firstRefused(JsonConstraint(kPerson), missingAge), missingAge.size() - 1) << "'}' before a required key";
    EXPECT_EQ(firstRefused(JsonConstraint(kPerson), R"({"nick": 1})"), 3u) << "a closed object's unknown key";
    EXPECT_EQ(firstRefused(JsonConstraint(kPerson), R"({"age": 1.5})"), 9u) << "an integer has no fraction";
    EXPECT_EQ(firstRefused(JsonConstraint(kPerson), R"({"name": 5})"), 9u);
    EXPECT_EQ(firstRefused(JsonConstraint(kPerson), R"({"name": "abcdefghi"})"), 18u) << "maxLength 8";
    EXPECT_EQ(firstRefused(JsonConstraint(kPerson), R"({"name": "abcdefgh\n"})"), 18u) << "no escape at the limit (a dead end)";
    EXPECT_EQ(firstRefused(JsonConstraint(kPerson), R"({"tags": ["c"]})"), 11u) << "enum";
    EXPECT_EQ(firstRefused(JsonConstraint(kPerson), R"({"tags": ["a", "a", "a"]})"), 18u) << "maxItems 2";
    EXPECT_EQ(firstRefused(JsonConstraint(kPerson), R"({"age": 1, "age": 2})"), 12u) << "no key twice (no unused key starts with a)";
    EXPECT_TRUE(
        completes(R"({"type": "object", "properties": {"a": {"const": 3}}, "additionalProperties": true})", R"({"a": 3, "z": [1]})"));
    EXPECT_TRUE(completes(R"({"enum": [1, 10, "x"]})", "10 "));
    const char* pair = R"({"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}})";
    EXPECT_EQ(firstRefused(JsonConstraint(pair), R"({"a": 1, "b": 2, )"), 15u) << "no ',' when no key can follow (no dead ends)";
}

TEST(JsonConstraint, MultiByteTokensAndUnsupportedSchemas)
{
    JsonConstraint c(kPerson);
    EXPECT_TRUE(c.accepts("{\"na"));
    EXPECT_FALSE(c.accepts("{\"nx"));
    EXPECT_FALSE(c.accepts("{\"name\": \"\xA9")) << "a continuation byte cannot start a character";
    EXPECT_FALSE(c.accepts("{\"name\": \"\xC3\"")) << "a character cannot be cut by the closing quote";
    c.advance("{\"name\": \"Zo\xC3");  // a token may end inside a character
    c.advance("\xA9\"");  // UTF-8 inside strings
    EXPECT_TRUE(c.accepts(", \"age\": 4}"));
    EXPECT_FALSE(c.complete());
    for (const char* bad : {R"({"$ref": "#/x"})", R"({"anyOf": [{}]})", R"({"type": "widget"})", "not json", "[1]"})
        EXPECT_THROW(JsonConstraint {bad}, Error) << bad;
}
