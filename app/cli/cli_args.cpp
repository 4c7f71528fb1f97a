#include "cli_args.h"

#include <stdexcept>

namespace hearth::cli {

CliArgs::CliArgs(const std::vector<std::string>& args, const std::set<std::string>& valueOptions, const std::set<std::string>& flags)
{
    bool optionsEnded = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--" && !optionsEnded) {  // everything after "--" is positional (a search for "-hello")
            optionsEnded = true;
            continue;
        }
        if (!optionsEnded && a.size() > 1 && a[0] == '-') {
            if (flags.count(a)) {
                m_flags.insert(a);
            } else if (valueOptions.count(a)) {
                if (i + 1 >= args.size()) throw std::invalid_argument("option " + a + " needs a value");
                m_values.emplace_back(a, args[++i]);
            } else {
                throw std::invalid_argument("unknown option " + a);
            }
        } else {
            m_positionals.push_back(a);
        }
    }
}

std::optional<std::string> CliArgs::value(const std::string& name) const
{
    for (auto it = m_values.rbegin(); it != m_values.rend(); ++it)
        if (it->first == name) return it->second;
    return std::nullopt;
}

uint64_t CliArgs::unsignedValue(const std::string& name, uint64_t fallback) const
{
    auto v = value(name);
    if (!v) return fallback;
    size_t used = 0;
    unsigned long long n = 0;
    try {
        n = std::stoull(*v, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != v->size() || v->empty() || (*v)[0] == '-') throw std::invalid_argument(name + " needs a whole number, got '" + *v + "'");
    return n;
}

}  // namespace hearth::cli
