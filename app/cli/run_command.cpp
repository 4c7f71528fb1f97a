// hearth-cli run --model F --prompt TEXT [-n N] [sampling options] [--ctx N] [--backend cpu|vulkan] [--parse-special]
// Streams the reply to stdout; prompt and generation speed go to stderr.
#include "cli_args.h"
#include "commands.h"
#include "engine_options.h"

#include <cstdio>
#include <stdexcept>

namespace hearth::cli {

namespace {

float floatValue(const CliArgs& args, const std::string& name, float fallback)
{
    auto v = args.value(name);
    if (!v) return fallback;
    try {
        size_t used = 0;
        float f = std::stof(*v, &used);
        if (used == v->size()) return f;
    } catch (const std::exception&) {
    }
    throw std::invalid_argument(name + " needs a number, got '" + *v + "'");
}

}  // namespace

int runGenerate(const std::vector<std::string>& argv)
{
    std::set<std::string> options = engineValueOptions();
    options.insert({"--prompt", "-n", "--temp", "--top-k", "--top-p", "--min-p", "--repeat-penalty", "--repeat-last-n",
                    "--frequency-penalty", "--presence-penalty", "--seed", "--stop"});
    CliArgs args(argv, options, {"--no-bos", "--f32-cache", "--parse-special"});
    auto modelPath = args.value("--model");
    auto prompt = args.value("--prompt");
    if (!modelPath || !prompt) throw std::invalid_argument("usage: hearth-cli run --model F --prompt TEXT [-n N] ...");

    GenerateOptions generate;
    generate.maxTokens = int64_t(args.unsignedValue("-n", 128));
    SamplerSettings& s = generate.sampler;
    s.temperature = floatValue(args, "--temp", s.temperature);
    s.topK = int(args.unsignedValue("--top-k", uint64_t(s.topK)));
    s.topP = floatValue(args, "--top-p", s.topP);
    s.minP = floatValue(args, "--min-p", s.minP);
    s.repeatPenalty = floatValue(args, "--repeat-penalty", s.repeatPenalty);
    s.penaltyLastN = int(args.unsignedValue("--repeat-last-n", uint64_t(s.penaltyLastN)));
    s.frequencyPenalty = floatValue(args, "--frequency-penalty", s.frequencyPenalty);
    s.presencePenalty = floatValue(args, "--presence-penalty", s.presencePenalty);
    s.seed = args.unsignedValue("--seed", s.seed);
    if (auto stop = args.value("--stop")) generate.stopStrings.push_back(*stop);

    auto engine = openEngine(*modelPath, args);

    // The prompt is plain text: "</s>" in it is three characters, not the end of the text, unless
    // the caller asks for control strings to be parsed.
    auto tokens = engine->tokenize(*prompt, !args.flag("--no-bos"), args.flag("--parse-special"));
    std::fputs(prompt->c_str(), stdout);
    GenerateCallbacks callbacks;
    callbacks.onText = [](const std::string& text) {
        std::fputs(text.c_str(), stdout);
        std::fflush(stdout);
    };
    callbacks.onContextShift = [](int64_t discarded) {
        std::fprintf(stderr, "\n[context full: shifted, %lld tokens discarded]\n", static_cast<long long>(discarded));
    };
    GenerateResult r = engine->complete(tokens, generate, callbacks);
    std::fputs("\n", stdout);
    std::fprintf(stderr,
                 "\nprompt: %lld tokens in %.3f s (%.1f tokens/s); generated: %zu tokens in %.3f s (%.1f tokens/s); "
                 "finish: %s; backend: %s\n",
                 static_cast<long long>(r.promptTokensEvaluated), r.promptSeconds,
                 r.promptSeconds > 0 ? double(r.promptTokensEvaluated) / r.promptSeconds : 0.0, r.tokens.size(), r.generateSeconds,
                 r.generateSeconds > 0 ? double(r.tokens.size()) / r.generateSeconds : 0.0, finishReasonName(r.reason),
                 engine->backendName().c_str());
    return 0;
}

}  // namespace hearth::cli
