// Reads a JSON request body field by field with the checks an API owes its clients: the right
// type, a sane range, and no field it does not know (a typo is a 400 naming it, not a silent
// default). Every failure is an ApiError(400) that names the field.
#pragma once

#include "api_error.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace hearth::server {

class RequestFields {
public:
    // `where`: how errors name the object ("request", "messages[2]").
    RequestFields(const nlohmann::ordered_json& object, std::string where);

    std::optional<std::string> string(const std::string& key);
    std::optional<bool> boolean(const std::string& key);
    std::optional<double> number(const std::string& key, double min, double max);
    std::optional<int64_t> integer(const std::string& key, int64_t min, int64_t max);
    // A string or a list of strings (OpenAI's `stop`), at most `maxItems`.
    std::vector<std::string> stringOrList(const std::string& key, size_t maxItems);
    const nlohmann::ordered_json* array(const std::string& key);
    const nlohmann::ordered_json* object(const std::string& key);
    // The value as it is (null when absent), for fields that may have more than one type.
    nlohmann::ordered_json any(const std::string& key);
    // Accepted and deliberately ignored (clients send them; they do not change the reply here).
    void ignore(std::initializer_list<const char*> keys);
    // Throws for the first field nobody read.
    void rejectUnknown() const;
    // A non-empty list of at most maxItems entries (a conversation's messages).
    const nlohmann::ordered_json& boundedList(const std::string& key, size_t maxItems);

private:
    const nlohmann::ordered_json* take(const std::string& key);
    [[noreturn]] void fail(const std::string& key, const std::string& what) const;

    const nlohmann::ordered_json& m_object;
    std::string m_where;
    std::set<std::string> m_read;
};

// Parses a request body: an object, or a 400 saying why not.
nlohmann::ordered_json parseBody(const std::string& body);

}  // namespace hearth::server
