// An API request that cannot be served, as OpenAI's clients expect to read it:
// {"error": {"message", "type", "code"}} with the HTTP status that goes with it.
#pragma once

#include <stdexcept>
#include <string>

namespace hearth::server {

class ApiError : public std::runtime_error {
public:
    ApiError(int status, std::string type, std::string code, const std::string& message)
        : std::runtime_error(message), m_status(status), m_type(std::move(type)), m_code(std::move(code))
    {
    }
    int status() const { return m_status; }
    const std::string& type() const { return m_type; }
    const std::string& code() const { return m_code; }

    // 400: the request itself is wrong (malformed JSON, wrong types, absurd values).
    static ApiError badRequest(const std::string& message, const std::string& code = "invalid_request")
    {
        return {400, "invalid_request_error", code, message};
    }

private:
    int m_status;
    std::string m_type, m_code;
};

}  // namespace hearth::server
