// hearth-cli tokenize --model F [--no-bos] [--parse-special] [--json] (TEXT | -)
#include "cli_args.h"
#include "commands.h"

#include "gguf/gguf_file.h"
#include "tokenizer/tokenizer.h"

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
    GgufFile file = GgufFile::open(*modelPath);
    auto tokenizer = Tokenizer::create(Vocabulary::fromGguf(file));
    auto ids = tokenizer->encode(text, !args.flag("--no-bos"), args.flag("--parse-special"));
    if (args.flag("--json")) {
        nlohmann::json pieces = nlohmann::json::array();
        for (TokenId id : ids) pieces.push_back(tokenizer->vocabulary().tokens[size_t(id)]);
        std::printf("%s\n", nlohmann::json{{"ids", ids}, {"pieces", pieces}}.dump(-1, ' ', false,
                                                                                  nlohmann::json::error_handler_t::replace).c_str());
        return 0;
    }
    for (TokenId id : ids) std::printf("%6d -> '%s'\n", id, tokenizer->vocabulary().tokens[size_t(id)].c_str());
    return 0;
}

}  // namespace hearth::cli
