// hearth-cli info FILE [--json] [--ctx N]: a model file's summary from its metadata.
#include "cli_args.h"
#include "commands.h"

#include "engine/engine.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <stdexcept>

namespace hearth::cli {

namespace {

std::string humanBytes(uint64_t bytes)
{
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = double(bytes);
    int u = 0;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.2f %s", v, units[u]);
    return buf;
}

std::string humanCount(uint64_t n)
{
    char buf[32];
    if (n >= 1000000000ull) std::snprintf(buf, sizeof buf, "%.2f B", double(n) / 1e9);
    else if (n >= 1000000ull) std::snprintf(buf, sizeof buf, "%.2f M", double(n) / 1e6);
    else if (n >= 1000ull) std::snprintf(buf, sizeof buf, "%.1f K", double(n) / 1e3);
    else std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(n));
    return buf;
}

nlohmann::json toJson(const ModelSummary& s, uint64_t context)
{
    nlohmann::json types = nlohmann::json::object();
    for (const auto& [name, usage] : s.weightTypes)
        types[name] = {{"tensors", usage.tensors}, {"bytes", usage.bytes}, {"parameters", usage.parameters}};
    return {
        {"file", s.fileName},
        {"gguf_version", s.ggufVersion},
        {"file_bytes", s.fileBytes},
        {"architecture", s.architecture},
        {"name", s.name},
        {"parameters", s.parameterCount},
        {"active_parameters", s.activeParameterCount},
        {"experts", s.expertCount},
        {"experts_used", s.expertUsedCount},
        {"weight_bytes", s.weightBytes},
        {"weight_types", types},
        {"dominant_weight_type", s.dominantWeightType},
        {"all_types_supported", s.allTypesSupported},
        {"context_length", s.contextLength},
        {"embedding_length", s.embeddingLength},
        {"feed_forward_length", s.feedForwardLength},
        {"block_count", s.blockCount},
        {"head_count", s.headCount},
        {"head_count_kv", s.headCountKv},
        {"key_length", s.keyLength},
        {"value_length", s.valueLength},
        {"vocabulary_size", s.vocabularySize},
        {"tokenizer_model", s.tokenizerModel},
        {"tokenizer_pre", s.tokenizerPre},
        {"has_chat_template", s.hasChatTemplate},
        {"memory",
         {{"context", context},
          {"kv_cache_bytes", s.kvCacheBytes(context)},
          {"expanded_kv_cache_bytes", s.expandedKeyLength ? s.expandedKvCacheBytes(context) : s.kvCacheBytes(context)},
          {"recurrent_state_bytes", s.config ? recurrentStateBytes(*s.config) : 0},
          {"recurrent_checkpoint_bytes", s.config ? recurrentCheckpointBytes(*s.config) : 0},
          {"total_bytes", s.memoryBytes(context)}}},
    };
}

void printHuman(const ModelSummary& s, uint64_t context)
{
    auto row = [](const char* label, const std::string& value) { std::printf("  %-16s %s\n", label, value.c_str()); };
    std::printf("%s  (GGUF v%u, %s on disk)\n", s.fileName.c_str(), s.ggufVersion, humanBytes(s.fileBytes).c_str());
    row("architecture", s.architecture.empty() ? "(not set)" : s.architecture);
    if (!s.name.empty()) row("name", s.name);
    row("parameters", humanCount(s.parameterCount) + " (" + std::to_string(s.parameterCount) + ")");
    if (s.expertCount > 0)
        row("experts",
            std::to_string(s.expertCount) + ", " + std::to_string(s.expertUsedCount) +
                " used per token: " + humanCount(s.activeParameterCount) + " parameters read per token");
    row("weights", humanBytes(s.weightBytes) + ", mostly " + s.dominantWeightType);
    for (const auto& [type, usage] : s.weightTypes) {
        char line[128];
        std::snprintf(line, sizeof line, "%-8s %4llu tensors  %10s  %5.1f%%", type.c_str(), static_cast<unsigned long long>(usage.tensors),
                      humanBytes(usage.bytes).c_str(), s.weightBytes ? 100.0 * double(usage.bytes) / double(s.weightBytes) : 0.0);
        row("", line);
    }
    if (!s.allTypesSupported) row("", "(some weight types are not supported by Hearth's kernels yet)");
    row("context length", std::to_string(s.contextLength));
    row("embedding", std::to_string(s.embeddingLength));
    row("feed-forward", std::to_string(s.feedForwardLength));
    const ModelConfig* c = s.config ? &*s.config : nullptr;
    row("layers", std::to_string(c ? c->layers : int64_t(s.blockCount)));  // not counting Qwen3.5's prediction layers
    if (c && c->headDimSliding > 0) {  // Gemma 4: sliding and full layers differ
        int64_t sliding = 0, full = 0;
        for (int64_t i = 0; i < c->layers; ++i) (c->isSliding(i) ? sliding : full) = i;  // one layer of each kind
        row("heads",
            std::to_string(c->heads) + " (sliding layers: KV heads " + std::to_string(c->kvHeadsAt(sliding)) + ", head size " +
                std::to_string(c->headDimAt(sliding)) + "; full layers: KV heads " + std::to_string(c->kvHeadsAt(full)) + ", head size " +
                std::to_string(c->headDimAt(full)) + ")");
    } else {
        row("heads",
            std::to_string(s.headCount) + " (KV heads " + std::to_string(s.headCountKv) + ", head size " + std::to_string(s.keyLength) +
                ")");
    }
    if (s.slidingLayers > 0)
        row("attention",
            std::to_string(s.slidingLayers) + " of " + std::to_string(s.blockCount) + " layers see the last " +
                std::to_string(s.slidingWindow) + " tokens");
    if (c && c->kvSharedFrom > 0)
        row("", "the last " + std::to_string(c->layers - c->kvSharedFrom) + " layers reuse earlier layers' KV cache");
    if (c && c->hasRecurrentLayers()) {
        const auto linear = std::count(c->recurrentLayers.begin(), c->recurrentLayers.end(), true);
        row("attention",
            std::to_string(linear) + " of " + std::to_string(c->layers) + " layers are Gated DeltaNet (" +
                std::to_string(c->deltaValueHeads) + " value heads, " + std::to_string(c->deltaKeyHeads) + " key heads of " +
                std::to_string(c->deltaHeadDim) + "): a fixed state of " + humanBytes(recurrentStateBytes(*c)) + " per conversation");
        if (c->nextTokenLayers > 0) row("", std::to_string(c->nextTokenLayers) + " multi-token-prediction layer(s), not run");
    }
    if (c && c->perLayerEmbedding > 0)
        row("", "per-layer token embeddings (" + std::to_string(c->perLayerEmbedding) + " per layer), read from the file, not the GPU");
    std::string tokenizer = std::to_string(s.vocabularySize) + " tokens, " +
        (s.tokenizerModel.empty() ? std::string("no tokenizer") : s.tokenizerModel + " tokenizer");
    if (!s.tokenizerPre.empty()) tokenizer += " (pre: " + s.tokenizerPre + ")";
    row("vocabulary", tokenizer);
    row("chat template", s.hasChatTemplate ? "yes" : "no");
    row("memory",
        humanBytes(s.memoryBytes(context)) + " at " + std::to_string(context) + " tokens of context (weights " + humanBytes(s.weightBytes) +
            " + F16 KV cache " + humanBytes(s.kvCacheBytes(context)) + ")");
    if (c && c->hasRecurrentLayers())
        row("",
            "the KV cache figure includes the recurrent state and up to " + std::to_string(kRecurrentCheckpoints) + " checkpoints of it (" +
                humanBytes(recurrentCheckpointBytes(*c)) + ")");
    if (s.expandedKeyLength)
        row("",
            "latent attention: the cache holds " + humanBytes(s.kvCacheBytes(context)) + "; expanded keys and values would take " +
                humanBytes(s.expandedKvCacheBytes(context)));
}

}  // namespace

int runInfo(const std::vector<std::string>& argv)
{
    CliArgs args(argv, {"--ctx"}, {"--json"});
    if (args.positionals().size() != 1) throw std::invalid_argument("usage: hearth-cli info FILE [--json] [--ctx N]");
    auto requestedContext = args.value("--ctx") ? std::optional(args.unsignedValue("--ctx", 0)) : std::nullopt;
    ModelSummary summary = readModelSummary(args.positionals()[0]);
    // Without --ctx: the trained context, capped at a size a desktop chat typically uses.
    uint64_t context = requestedContext.value_or(summary.contextLength ? std::min<uint64_t>(summary.contextLength, 4096) : 4096);
    if (args.flag("--json")) std::printf("%s\n", toJson(summary, context).dump(2).c_str());
    else printHuman(summary, context);
    return 0;
}

}  // namespace hearth::cli
