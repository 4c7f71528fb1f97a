// hearth-cli perplexity --model F --file TEXT --ctx N [--backend cpu|vulkan]: llama.cpp's method.
#include "cli_args.h"
#include "commands.h"
#include "engine_options.h"

#include <cstdio>
#include <fstream>
#include <sstream>

namespace hearth::cli {

int runPerplexity(const std::vector<std::string>& argv)
{
    std::set<std::string> options = engineValueOptions();
    options.insert("--file");
    CliArgs args(argv, options, {"--f32-cache"});
    auto modelPath = args.value("--model");
    auto textPath = args.value("--file");
    if (!modelPath || !textPath) throw std::invalid_argument("usage: hearth-cli perplexity --model F --file TEXT --ctx N");
    std::ifstream in(*textPath, std::ios::binary);
    if (!in) throw Error(ErrorCode::Io, *textPath + ": cannot open");
    std::stringstream text;
    text << in.rdbuf();
    const int64_t context = int64_t(args.unsignedValue("--ctx", 512));

    auto engine = openEngine(*modelPath, args, kNoChatContext);
    std::fprintf(stderr, "perplexity: %s, context %lld, backend %s\n", modelPath->c_str(), static_cast<long long>(context),
                 engine->backendName().c_str());
    PerplexityReport r = engine->perplexity(text.str(), context, [](int chunk, double ppl) {
        std::printf("[%d]%.4f,", chunk + 1, ppl);
        std::fflush(stdout);
    });
    std::printf("\nFinal estimate: PPL = %.4f +/- %.5f (%d chunks, %lld scored tokens)\n", r.perplexity, r.uncertainty, r.chunks,
                static_cast<long long>(r.scoredTokens));
    return 0;
}

}  // namespace hearth::cli
