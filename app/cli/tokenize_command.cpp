// hearth-cli tokenize --model F [--no-bos] [--parse-special] [--json] (TEXT | -)
#include "cli_args.h"
#include "commands.h"

#include "engine/engine.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <iterator>
#include <stdexcept>

namespace hearth::cli {

int runTokenize(const std::vector<std::string>& argv)
{
    CliArgs args(argv, {"--model"}, {"--no-bos", "--parse-special", "--json"});
    auto modelPath = args.value("--model");
    if (!modelPath || args.positionals().size() != 1)
        throw std::invalid_argument("usage: hearth-cli tokenize --model F [--no-bos] [--parse-special] [--json] (TEXT | -)");
    std::string text = args.positionals()[0];
    if (text == "-") {
        std::cin >> std::noskipws;
        text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    }
    auto vocabulary = ModelVocabulary::open(*modelPath);
    auto ids = vocabulary->tokenize(text, !args.flag("--no-bos"), args.flag("--parse-special"));
    if (args.flag("--json")) {
        nlohmann::json pieces = nlohmann::json::array();
        for (int32_t id : ids) pieces.push_back(vocabulary->tokenText(id));
        std::printf(
            "%s\n",
            nlohmann::json {{"ids", ids}, {"pieces", pieces}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
        return 0;
    }
    for (int32_t id : ids) std::printf("%6d -> '%s'\n", id, vocabulary->tokenText(id).c_str());
    return 0;
}

}  // namespace hearth::cli
