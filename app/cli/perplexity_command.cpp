// hearth-cli perplexity --model F (--file TEXT --ctx N | --kl-divergence BASE) [--kl-divergence-base OUT]
// [--chunks N] [--backend cpu|vulkan]: llama.cpp's method, and its KL-divergence workflow with
// saved-logits files that llama-perplexity reads and writes too.
#include "cli_args.h"
#include "commands.h"
#include "engine_options.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace hearth::cli {

namespace {

constexpr const char* kUsage = "usage: hearth-cli perplexity --model F --file TEXT [--ctx N] [--chunks N] [--kl-divergence-base OUT]\n"
                               "       hearth-cli perplexity --model F --kl-divergence BASE [--chunks N]";

std::string readText(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(ErrorCode::Io, path + ": cannot open");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// llama.cpp's per-chunk line in KL-divergence mode.
void printKlDivergenceChunk(int chunk, const KlDivergenceReport& k)
{
    if (chunk == 0)
        std::printf("chunk             PPL               ln(PPL(Q)/PPL(base))          KL Divergence              Δp RMS            Same "
                    "top p\n");
    std::printf("%4d    %9.4lf ± %9.4lf    %10.5lf ± %10.5lf    %10.5lf ± %10.5lf    %6.3lf ± %6.3lf %%    %6.3lf ± %6.3lf %%\n", chunk + 1,
                k.pplQ.value, k.pplQ.uncertainty, k.logPplRatio.value, k.logPplRatio.uncertainty, k.meanKld.value, k.meanKld.uncertainty,
                100.0 * k.rmsDeltaP.value, 100.0 * k.rmsDeltaP.uncertainty, 100.0 * k.sameTop.value, 100.0 * k.sameTop.uncertainty);
    std::fflush(stdout);
}

}  // namespace

int runPerplexity(const std::vector<std::string>& argv)
{
    std::set<std::string> options = engineValueOptions();
    options.insert({"--file", "--chunks", "--kl-divergence-base", "--kl-divergence"});
    CliArgs args(argv, options, {"--f32-cache"});
    auto modelPath = args.value("--model");
    auto textPath = args.value("--file");
    auto comparePath = args.value("--kl-divergence");
    if (!modelPath || (!textPath && !comparePath) || (textPath && comparePath)) throw std::invalid_argument(kUsage);

    PerplexityRequest request;
    if (textPath) request.text = readText(*textPath);
    request.context = int64_t(args.unsignedValue("--ctx", 512));
    request.maxChunks = int64_t(args.unsignedValue("--chunks", 0));
    request.saveLogitsPath = args.value("--kl-divergence-base").value_or("");
    request.compareLogitsPath = comparePath.value_or("");

    auto engine = openEngine(*modelPath, args, kNoChatContext);
    std::fprintf(stderr, "perplexity: %s, %s, backend %s\n", modelPath->c_str(),
                 comparePath ? ("KL divergence against " + *comparePath).c_str() : ("context " + std::to_string(request.context)).c_str(),
                 engine->backendName().c_str());
    if (!request.saveLogitsPath.empty()) std::fprintf(stderr, "perplexity: saving all logits to %s\n", request.saveLogitsPath.c_str());
    PerplexityReport r = engine->perplexity(request, [&](int chunk, const PerplexityReport& soFar) {
        if (soFar.kld) {
            printKlDivergenceChunk(chunk, *soFar.kld);
        } else {
            std::printf("[%d]%.4f,", chunk + 1, soFar.perplexity);
            std::fflush(stdout);
        }
    });
    if (r.kld) {
        std::printf("\n%s", formatKlDivergenceReport(*r.kld).c_str());
    } else {
        std::printf("\nFinal estimate: PPL = %.4f +/- %.5f (%d chunks, %lld scored tokens)\n", r.perplexity, r.uncertainty, r.chunks,
                    static_cast<long long>(r.scoredTokens));
    }
    return 0;
}

}  // namespace hearth::cli
