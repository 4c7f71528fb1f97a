#include "storage/assistant_file.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace hearth::storage {

namespace {

using json = nlohmann::json;

[[noreturn]] void invalid(const std::string& what) { throw StoreError(StoreErrorCode::InvalidInput, "assistant file: " + what); }

// The settings a chat keeps (AppSettings' per-chat keys and the model), with their types and ranges.
json checkedSettings(const json& settings)
{
    if (!settings.is_object()) invalid("\"settings\" must be an object");
    json out = json::object();
    for (auto it = settings.begin(); it != settings.end(); ++it) {
        // Named copies, not a structured binding: lambdas capture them (clang 15 cannot).
        const std::string key = it.key();
        const json& value = it.value();
        auto number = [&](double low, double high) {
            if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() < low || value.get<double>() > high)
                invalid("\"" + key + "\" must be a number from " + json(low).dump() + " to " + json(high).dump());
            out[key] = value;
        };
        auto whole = [&](int64_t low, int64_t high) {
            if (!value.is_number_integer() || value.get<int64_t>() < low || value.get<int64_t>() > high)
                invalid("\"" + key + "\" must be a whole number from " + std::to_string(low) + " to " + std::to_string(high));
            out[key] = value;
        };
        auto text = [&](size_t maxBytes) {
            if (!value.is_string() || value.get<std::string>().size() > maxBytes)
                invalid("\"" + key + "\" must be text of at most " + std::to_string(maxBytes) + " bytes");
            out[key] = value;
        };
        if (key == "temperature") number(0, 5);
        else if (key == "top_p" || key == "min_p") number(0, 1);
        else if (key == "repeat_penalty") number(0.5, 3);
        else if (key == "top_k") whole(0, 1000000);
        else if (key == "seed") whole(-1, int64_t(1) << 53);
        else if (key == "max_tokens") whole(1, 1 << 20);
        else if (key == "system_prompt") text(1 << 20);
        else if (key == "model_path") text(4096);
        else if (key == "think") {
            text(3);
            const std::string v = value.get<std::string>();
            if (v != "on" && v != "off" && !v.empty()) invalid("\"think\" must be \"on\", \"off\" or \"\"");
        } else {
            invalid("unknown setting \"" + key + "\"");
        }
    }
    return out;
}

}  // namespace

std::string exportAssistantJson(const Assistant& assistant)
{
    json settings = json::parse(assistant.settingsJson, nullptr, /*allow_exceptions=*/false);
    if (!settings.is_object()) settings = json::object();
    const json doc = {{"format", "hearth.assistant"}, {"version", 1}, {"name", assistant.name}, {"settings", settings}};
    return doc.dump(2) + "\n";
}

Assistant parseAssistantJson(const std::string& text)
{
    json doc;
    try {
        doc = json::parse(text);
    } catch (const json::parse_error& e) {
        invalid(std::string("invalid JSON (") + e.what() + ")");
    }
    if (!doc.is_object()) invalid("the top level must be an object");
    if (doc.value("format", json("hearth.assistant")) != "hearth.assistant") invalid("\"format\" is not 'hearth.assistant'");
    if (auto version = doc.find("version"); version != doc.end() && *version != 1)
        invalid("version " + version->dump() + " is not one this Hearth reads (it reads version 1)");
    auto name = doc.find("name");
    if (name == doc.end() || !name->is_string() || name->get<std::string>().empty()) invalid("\"name\" must be a non-empty text");
    Assistant a;
    a.name = name->get<std::string>();
    a.settingsJson = checkedSettings(doc.value("settings", json::object())).dump();
    return a;
}

std::string checkedAssistantSettings(const std::string& settingsJson)
{
    json settings;
    try {
        settings = json::parse(settingsJson);
    } catch (const json::parse_error& e) {
        invalid(std::string("invalid JSON (") + e.what() + ")");
    }
    return checkedSettings(settings).dump();
}

}  // namespace hearth::storage
