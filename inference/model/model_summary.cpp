#include "model/model_summary.h"

#include "core/error.h"

#include "gguf/gguf_file.h"
#include "model/model_config.h"

#include <algorithm>

namespace hearth {

namespace {

// Per-layer values may be arrays (one entry per block); the summary reports the largest.
uint64_t uintOrMax(const GgufFile& file, const std::string& key)
{
    const GgufValue* v = file.find(key);
    if (!v) return 0;
    if (auto u = v->toUInt()) return *u;
    uint64_t best = 0;
    if (v->isArray())
        for (uint64_t i = 0; i < v->arraySize(); ++i)
            if (auto x = v->arrayInt(i); x && *x > 0) best = std::max(best, uint64_t(*x));
    return best;
}

std::string fileNameOf(const std::string& path)
{
    size_t slash = path.find_last_of("/\\");
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

uint64_t ModelSummary::expandedKvCacheBytes(uint64_t context, bool f16Cache) const
{
    return hearth::kvCacheBytes(blockCount, headCount, expandedKeyLength, expandedValueLength, context, f16Cache);
}

uint64_t ModelSummary::kvCacheBytes(uint64_t context, bool f16Cache) const
{
    // A hybrid model's session also keeps checkpoints of its recurrent state.
    if (config) return hearth::kvCacheBytes(*config, int64_t(context), f16Cache) + recurrentCheckpointBytes(*config);
    // The session's rule (ModelConfig::kvSlots with its 512-token batches).
    const uint64_t ring = slidingLayers ? std::min<uint64_t>(context, slidingWindow + 512) : context;
    return hearth::kvCacheBytes(blockCount - slidingLayers, headCountKv, keyLength, valueLength, context, f16Cache) +
        hearth::kvCacheBytes(slidingLayers, headCountKv, keyLength, valueLength, ring, f16Cache);
}

bool ModelSummary::architectureSupported() const
{
    const auto& supported = supportedArchitectures();
    return std::find(supported.begin(), supported.end(), architecture) != supported.end();
}

ModelSummary summarizeModel(const GgufFile& file)
{
    ModelSummary s;
    s.fileName = fileNameOf(file.displayName());
    s.ggufVersion = file.version();
    s.fileBytes = file.fileSize();
    s.architecture = std::string(file.getString("general.architecture").value_or(""));
    s.name = std::string(file.getString("general.name").value_or(""));

    for (const auto& t : file.tensors()) {
        const auto& traits = ggmlTypeTraits(t.type);
        auto& usage = s.weightTypes[std::string(traits.name)];
        usage.tensors += 1;
        usage.bytes += t.byteSize;
        usage.parameters += t.elementCount;
        s.parameterCount += t.elementCount;
        s.weightBytes += t.byteSize;
        s.allTypesSupported = s.allTypesSupported && traits.computeSupported;
    }
    uint64_t most = 0;
    for (const auto& [type, usage] : s.weightTypes)
        if (usage.parameters > most) {
            most = usage.parameters;
            s.dominantWeightType = type;
        }

    const std::string a = s.architecture + ".";
    s.expertCount = uintOrMax(file, a + "expert_count");
    s.expertUsedCount = uintOrMax(file, a + "expert_used_count");
    s.activeParameterCount = s.parameterCount;
    if (s.expertCount > 0 && s.expertUsedCount > 0 && s.expertUsedCount <= s.expertCount) {
        s.activeParameterCount = 0;
        for (const auto& t : file.tensors())
            s.activeParameterCount +=
                t.name.find("_exps") != std::string_view::npos ? t.elementCount / s.expertCount * s.expertUsedCount : t.elementCount;
    }
    s.contextLength = uintOrMax(file, a + "context_length");
    s.embeddingLength = uintOrMax(file, a + "embedding_length");
    s.feedForwardLength = uintOrMax(file, a + "feed_forward_length");
    s.blockCount = uintOrMax(file, a + "block_count");
    s.headCount = uintOrMax(file, a + "attention.head_count");
    s.headCountKv = uintOrMax(file, a + "attention.head_count_kv");
    if (s.headCountKv == 0) s.headCountKv = s.headCount;  // absent means no grouped-query attention
    uint64_t headDim = s.headCount ? s.embeddingLength / s.headCount : 0;
    s.keyLength = uintOrMax(file, a + "attention.key_length");
    s.valueLength = uintOrMax(file, a + "attention.value_length");
    if (s.keyLength == 0) s.keyLength = headDim;
    if (s.valueLength == 0) s.valueLength = headDim;
    // DeepSeek's latent attention caches one head of keys and reads the values from it.
    if (file.find(a + "attention.key_length_mla")) {
        s.valueLength = 0;
        s.expandedKeyLength = uintOrMax(file, a + "attention.key_length_mla");
        s.expandedValueLength = uintOrMax(file, a + "attention.value_length_mla");
    }

    s.tokenizerModel = std::string(file.getString("tokenizer.ggml.model").value_or(""));
    s.tokenizerPre = std::string(file.getString("tokenizer.ggml.pre").value_or(""));
    if (const GgufValue* tokens = file.find("tokenizer.ggml.tokens"); tokens && tokens->isArray()) s.vocabularySize = tokens->arraySize();
    else s.vocabularySize = uintOrMax(file, a + "vocab_size");
    s.hasChatTemplate = file.find("tokenizer.chat_template") != nullptr;
    if (s.architectureSupported()) {
        try {  // the same reading of the window and its layers as the engine's
            s.config = ModelConfig::fromGguf(file);
            s.slidingWindow = uint64_t(s.config->slidingWindow);
            for (int64_t i = 0; i < s.config->layers; ++i) s.slidingLayers += s.config->isSliding(i) ? 1 : 0;
        } catch (const Error&) {  // a summary never fails on what only loading needs
        }
    }
    return s;
}

}  // namespace hearth
