// hearth-cli bench --model F [-p N] [-n N] [--repetitions R] [--backend auto|vulkan|cpu|cpu-reference] [--device D] [--threads N]
//                  [--llama-cpp NODE_MODULES]
// Prompt processing and generation speed (tokens/s) and peak memory; with --llama-cpp, the
// same measurement by llama.cpp (npm @fugood/llama.node) on the same file, in the same run.
#include "cli_args.h"
#include "commands.h"
#include "engine_options.h"

#include "engine/engine.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <thread>

#ifdef _WIN32
#define popen _popen
#define pclose _pclose
#endif

namespace hearth::cli {

namespace {

struct Stat {
    double mean = 0, stddev = 0;
};

Stat statOf(const std::vector<double>& xs)
{
    Stat s;
    for (double x : xs) s.mean += x;
    s.mean /= double(xs.size());
    for (double x : xs) s.stddev += (x - s.mean) * (x - s.mean);
    s.stddev = xs.size() > 1 ? std::sqrt(s.stddev / double(xs.size() - 1)) : 0;
    return s;
}

// Runs llama.cpp's own benchmark (the llama-bench method: random tokens, pp then tg) through
// node. Returns {pp t/s, tg t/s, peak RSS bytes of the node process, build}.
nlohmann::json runLlamaCpp(const std::string& nodeModules, const std::string& model, int64_t pp, int64_t tg, int64_t repetitions,
                           unsigned threads, const std::string& vulkanDevice)
{
    // With a Vulkan device, llama.cpp runs on its Vulkan backend with every layer offloaded; it
    // hides CPU-type devices (lavapipe) unless GGML_VK_VISIBLE_DEVICES names them.
    const bool vulkan = !vulkanDevice.empty();
    const auto script = std::filesystem::temp_directory_path() / "hearth-llama-cpp-bench.js";
    std::ofstream(script) << "const path = require('path');\n"
                             "const lib = require(path.join(process.argv[2], '@fugood/llama.node'));\n"
                             "const version = require(path.join(process.argv[2], '@fugood/llama.node/lib/version.js'));\n"
                             "(async () => {\n"
                             "  const [model, pp, tg, nr, threads, variant] = process.argv.slice(3);\n"
                             "  const start = Date.now();\n"
                             "  const ctx = await lib.loadModel({ model, n_ctx: Number(pp) + Number(tg) + 16,\n"
                             "    n_threads: Number(threads), n_gpu_layers: variant === 'vulkan' ? 999 : 0, lib_variant: variant });\n"
                             "  const load = (Date.now() - start) / 1000;\n"
                             "  await ctx.bench(8, 4, 1, 1);  // warm-up, as llama-bench does\n"
                             "  const r = await ctx.bench(Number(pp), Number(tg), 1, Number(nr));\n"
                             "  console.log(JSON.stringify({ pp: r.speedPp, tg: r.speedTg, build: version.BUILD_NUMBER, load,\n"
                             "    peak: process.resourceUsage().maxRSS * 1024 }));\n"
                             "})().catch(e => { console.log(JSON.stringify({ error: String(e) })); });\n";
    const std::string command = (vulkan ? "GGML_VK_VISIBLE_DEVICES=" + vulkanDevice + " " : std::string()) + "node \"" + script.string() +
        "\" \"" + nodeModules + "\" \"" + model + "\" " + std::to_string(pp) + " " + std::to_string(tg) + " " +
        std::to_string(repetitions) + " " + std::to_string(threads) + (vulkan ? " vulkan" : " default") + " 2>/dev/null";
    std::FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) throw std::runtime_error("cannot start node for the llama.cpp comparison");
    std::string output, last;
    char buffer[4096];
    while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
    pclose(pipe);
    std::filesystem::remove(script);
    for (size_t start = 0; start < output.size();) {
        size_t end = output.find('\n', start);
        if (end == std::string::npos) end = output.size();
        std::string line = output.substr(start, end - start);
        if (!line.empty() && line.front() == '{') last = line;
        start = end + 1;
    }
    if (last.empty())
        throw std::runtime_error("llama.cpp (node) printed no result; is @fugood/llama.node installed in " + nodeModules + "?");
    auto result = nlohmann::json::parse(last);
    if (result.contains("error")) throw std::runtime_error("llama.cpp: " + result["error"].get<std::string>());
    return result;
}

}  // namespace

int runBench(const std::vector<std::string>& argv)
{
    std::set<std::string> options = engineValueOptions();
    options.insert({"-p", "-n", "-r", "-d", "--depth", "--repetitions", "--llama-cpp"});
    CliArgs args(argv, options, {"--json"});
    auto modelPath = args.value("--model");
    if (!modelPath)
        throw std::invalid_argument(
            "usage: hearth-cli bench --model F [-p N] [-n N] [-d DEPTH] [--repetitions R] [--llama-cpp NODE_MODULES]");
    const int64_t pp = int64_t(args.unsignedValue("-p", 128)), tg = int64_t(args.unsignedValue("-n", 64));
    const int64_t depth = int64_t(args.unsignedValue("--depth", args.unsignedValue("-d", 0)));  // llama-bench's -d
    const int64_t repetitions = std::max<int64_t>(1, int64_t(args.unsignedValue("--repetitions", args.unsignedValue("-r", 3))));
    if (pp < 1 || tg < 1) throw std::invalid_argument("-p and -n must be at least 1");

    const unsigned threads = threadCount(args);
    const auto loadStart = std::chrono::steady_clock::now();
    auto engine = openEngine(*modelPath, args, kNoChatContext);
    const double loadSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - loadStart).count();
    const ModelSummary& summary = engine->summary();
    const ComputeDevice& device = engine->device();

    std::vector<double> ppSpeeds, tgSpeeds;
    for (int64_t r = -1; r < repetitions; ++r) {  // r = -1: an untimed warm-up (first-use shader compiles)
        const SpeedSample sample = engine->measureSpeed(pp, tg, uint64_t(42 + r), depth);
        if (r < 0) continue;
        ppSpeeds.push_back(double(pp) / sample.promptSeconds);
        tgSpeeds.push_back(double(tg) / sample.generateSeconds);
    }
    const Stat ppStat = statOf(ppSpeeds), tgStat = statOf(tgSpeeds);
    const double peakMiB = double(peakResidentBytes()) / 1048576.0;

    nlohmann::json llamaCpp;
    if (auto nodeModules = args.value("--llama-cpp"))  // the same thread count as ours
        llamaCpp =
            runLlamaCpp(*nodeModules, *modelPath, pp, tg, repetitions,
                        threads ? threads : std::max(1u, std::thread::hardware_concurrency()), device.vulkan ? device.id : std::string());
    // Decode reads every weight once per token (a mixture of experts: the experts a token uses, by
    // their share of the parameters): bytes / seconds per token is the bandwidth used.
    const double readShare = summary.parameterCount ? double(summary.activeParameterCount) / double(summary.parameterCount) : 1.0;
    const double weightBytesPerSecond = double(summary.weightBytes) * readShare * tgStat.mean;
    const std::string deviceName = device.vulkan ? device.name + " (" + device.kind + ")" : "cpu";
    const uint64_t deviceBytes = engine->deviceBytesPeak();
    if (args.flag("--json")) {
        nlohmann::json out = {{"model", summary.fileName},
                              {"backend", engine->backendName()},
                              {"device", deviceName},
                              {"device_bytes", deviceBytes},
                              {"decode_weight_bytes_per_second", weightBytesPerSecond},
                              {"prompt_tokens", pp},
                              {"generated_tokens", tg},
                              {"depth", depth},
                              {"repetitions", repetitions},
                              {"prompt_tokens_per_second", ppStat.mean},
                              {"prompt_tokens_per_second_sd", ppStat.stddev},
                              {"generation_tokens_per_second", tgStat.mean},
                              {"generation_tokens_per_second_sd", tgStat.stddev},
                              {"load_seconds", loadSeconds},
                              {"peak_host_bytes", peakResidentBytes()}};
        if (!llamaCpp.is_null()) out["llama_cpp"] = llamaCpp;
        std::printf("%s\n", out.dump(2).c_str());
        return 0;
    }
    std::printf("model: %s (%s, %.1f MiB, %llu parameters), load %.2f s, device %s\n", summary.fileName.c_str(),
                summary.dominantWeightType.c_str(), double(summary.fileBytes) / 1048576.0,
                static_cast<unsigned long long>(summary.parameterCount), loadSeconds, deviceName.c_str());
    std::printf("%-24s %22s %22s %14s\n", "engine", ("prompt pp" + std::to_string(pp)).c_str(),
                ("generate tg" + std::to_string(tg)).c_str(), "peak memory");
    std::printf("%-24s %13.1f ± %5.1f t/s %13.1f ± %5.1f t/s %10.1f MiB\n", ("hearth " + engine->backendName()).c_str(), ppStat.mean,
                ppStat.stddev, tgStat.mean, tgStat.stddev, peakMiB);
    std::printf("decode reads the weights at %.2f GB/s%s\n", weightBytesPerSecond / 1e9,
                device.vulkan ? (", device memory " + std::to_string(deviceBytes >> 20) + " MiB").c_str() : "");
    if (!llamaCpp.is_null()) {
        const auto& r = llamaCpp;
        std::printf("%-24s %13.1f         t/s %13.1f         t/s %10.1f MiB (node process)\n",
                    ("llama.cpp b" + r["build"].get<std::string>() + (device.vulkan ? " vulkan" : " cpu")).c_str(), r["pp"].get<double>(),
                    r["tg"].get<double>(), r["peak"].get<double>() / 1048576.0);
    }
    return 0;
}

}  // namespace hearth::cli
