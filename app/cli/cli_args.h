// A tiny argument reader for hearth-cli subcommands: flags, options with values, positionals.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace hearth::cli {

class CliArgs {
public:
    // valueOptions: options that take a value ("--ctx"); flags: options that do not ("--json").
    // Throws std::invalid_argument on an unknown option or a missing value.
    CliArgs(const std::vector<std::string>& args, const std::set<std::string>& valueOptions, const std::set<std::string>& flags);

    bool flag(const std::string& name) const { return m_flags.count(name) != 0; }
    std::optional<std::string> value(const std::string& name) const;
    // An unsigned number option; throws std::invalid_argument when it is not one.
    uint64_t unsignedValue(const std::string& name, uint64_t fallback) const;
    const std::vector<std::string>& positionals() const { return m_positionals; }
    // Every option with its value in command-line order (options given more than once).
    const std::vector<std::pair<std::string, std::string>>& values() const { return m_values; }

private:
    std::set<std::string> m_flags;
    std::vector<std::pair<std::string, std::string>> m_values;
    std::vector<std::string> m_positionals;
};

}  // namespace hearth::cli
