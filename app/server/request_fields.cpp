#include "request_fields.h"

#include <cmath>

namespace hearth::server {

using json = nlohmann::ordered_json;

nlohmann::ordered_json parseBody(const std::string& body)
{
    json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) throw ApiError::badRequest("the request body is not valid JSON", "invalid_json");
    if (!parsed.is_object()) throw ApiError::badRequest("the request body must be a JSON object", "invalid_json");
    return parsed;
}

RequestFields::RequestFields(const json& object, std::string where) : m_object(object), m_where(std::move(where))
{
    if (!m_object.is_object()) throw ApiError::badRequest(m_where + " must be a JSON object");
}

void RequestFields::fail(const std::string& key, const std::string& what) const
{
    throw ApiError::badRequest((m_where == "request" ? "'" + key + "'" : m_where + "." + key) + " " + what, "invalid_value");
}

const json* RequestFields::take(const std::string& key)
{
    m_read.insert(key);
    auto it = m_object.find(key);
    if (it == m_object.end() || it->is_null()) return nullptr;
    return &*it;
}

std::optional<std::string> RequestFields::string(const std::string& key)
{
    const json* v = take(key);
    if (!v) return std::nullopt;
    if (!v->is_string()) fail(key, "must be a string");
    return v->get<std::string>();
}

std::optional<bool> RequestFields::boolean(const std::string& key)
{
    const json* v = take(key);
    if (!v) return std::nullopt;
    if (!v->is_boolean()) fail(key, "must be true or false");
    return v->get<bool>();
}

std::optional<double> RequestFields::number(const std::string& key, double min, double max)
{
    const json* v = take(key);
    if (!v) return std::nullopt;
    if (!v->is_number()) fail(key, "must be a number");
    const double d = v->get<double>();
    if (!std::isfinite(d) || d < min || d > max) fail(key, "must be between " + json(min).dump() + " and " + json(max).dump());
    return d;
}

std::optional<int64_t> RequestFields::integer(const std::string& key, int64_t min, int64_t max)
{
    const json* v = take(key);
    if (!v) return std::nullopt;
    if (!v->is_number_integer() && !(v->is_number_float() && std::floor(v->get<double>()) == v->get<double>()))
        fail(key, "must be a whole number");
    const double d = v->get<double>();
    if (d < double(min) || d > double(max)) fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return v->is_number_unsigned() ? int64_t(v->get<uint64_t>()) : v->is_number_integer() ? v->get<int64_t>() : int64_t(d);
}

std::vector<std::string> RequestFields::stringOrList(const std::string& key, size_t maxItems)
{
    const json* v = take(key);
    if (!v) return {};
    if (v->is_string()) return {v->get<std::string>()};
    if (!v->is_array()) fail(key, "must be a string or a list of strings");
    if (v->size() > maxItems) fail(key, "may hold at most " + std::to_string(maxItems) + " strings");
    std::vector<std::string> out;
    for (const auto& item : *v) {
        if (!item.is_string()) fail(key, "must hold only strings");
        if (!item.get<std::string>().empty()) out.push_back(item.get<std::string>());
    }
    return out;
}

const json* RequestFields::array(const std::string& key)
{
    const json* v = take(key);
    if (v && !v->is_array()) fail(key, "must be a list");
    return v;
}

const json* RequestFields::object(const std::string& key)
{
    const json* v = take(key);
    if (v && !v->is_object()) fail(key, "must be an object");
    return v;
}

json RequestFields::any(const std::string& key)
{
    const json* v = take(key);
    return v ? *v : json();
}

void RequestFields::ignore(std::initializer_list<const char*> keys)
{
    for (const char* k : keys) m_read.insert(k);
}

const json& RequestFields::boundedList(const std::string& key, size_t maxItems)
{
    const json* list = array(key);
    if (!list || list->empty()) fail(key, "must be a non-empty list");
    if (list->size() > maxItems)
        fail(key, "holds " + std::to_string(list->size()) + " entries; at most " + std::to_string(maxItems) + " are accepted");
    return *list;
}

void RequestFields::rejectUnknown() const
{
    for (auto it = m_object.begin(); it != m_object.end(); ++it)
        if (!m_read.count(it.key())) throw ApiError::badRequest(m_where + " has an unknown field '" + it.key() + "'", "unknown_field");
}

}  // namespace hearth::server
