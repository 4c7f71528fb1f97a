#include "model/model_config.h"

#include "core/error.h"
#include "gguf/gguf_file.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace hearth {

namespace {

int64_t requireCount(const GgufFile& file, const std::string& key, int64_t max)
{
    auto v = file.getUInt(key);
    if (!v) throw Error(ErrorCode::NotFound, file.displayName() + ": metadata " + key + " is missing or not an integer");
    if (*v == 0 || *v > uint64_t(max))
        throw Error(ErrorCode::InvalidFile,
                    file.displayName() + ": metadata " + key + " = " + std::to_string(*v) + " is out of range (1.." + std::to_string(max) +
                        ")");
    return int64_t(*v);
}

// A count the file gives for every layer at once or per layer (llama.cpp's get_key_or_arr).
std::vector<int64_t> requirePerLayer(const GgufFile& file, const std::string& key, int64_t layers, int64_t max)
{
    const GgufValue* v = file.find(key);
    if (!v || !v->isArray()) return std::vector<int64_t>(size_t(layers), requireCount(file, key, max));
    if (v->arraySize() != uint64_t(layers))
        throw Error(ErrorCode::InvalidFile,
                    file.displayName() + ": metadata " + key + " has " + std::to_string(v->arraySize()) + " entries for " +
                        std::to_string(layers) + " layers");
    std::vector<int64_t> values;
    for (uint64_t i = 0; i < v->arraySize(); ++i) {
        const int64_t n = v->arrayInt(i).value_or(-1);
        if (n < 0 || n > max)
            throw Error(ErrorCode::InvalidFile,
                        file.displayName() + ": metadata " + key + "[" + std::to_string(i) + "] = " + std::to_string(n) +
                            " is out of range (0.." + std::to_string(max) + ")");
        values.push_back(n);
    }
    return values;
}

// The per-layer list when its entries differ, else empty (the one value is in the scalar field).
std::vector<int64_t> onlyIfVaried(const std::vector<int64_t>& values)
{
    return std::adjacent_find(values.begin(), values.end(), std::not_equal_to<>()) == values.end() ? std::vector<int64_t> {} : values;
}

// Which layers use the sliding window: the file's per-layer array, or llama.cpp's pattern rule
// (layer i slides unless i % pattern == pattern - 1) with the file's or the family's period.
void readSlidingLayers(const GgufFile& file, const std::string& a, uint32_t defaultPattern, ModelConfig& c)
{
    c.slidingLayers.assign(size_t(c.layers), false);
    const GgufValue* pattern = file.find(a + "attention.sliding_window_pattern");
    if (pattern && pattern->isArray()) {
        if (pattern->arraySize() != uint64_t(c.layers))
            throw Error(ErrorCode::InvalidFile,
                        file.displayName() + ": metadata " + a + "attention.sliding_window_pattern has " +
                            std::to_string(pattern->arraySize()) + " entries for " + std::to_string(c.layers) + " layers");
        for (int64_t i = 0; i < c.layers; ++i) c.slidingLayers[size_t(i)] = pattern->arrayInt(uint64_t(i)).value_or(0) != 0;
        return;
    }
    const uint64_t period = pattern ? pattern->toUInt().value_or(defaultPattern) : defaultPattern;
    for (int64_t i = 0; i < c.layers; ++i) c.slidingLayers[size_t(i)] = period == 0 || uint64_t(i) % period < period - 1;
}

// Gemma 2 and 3 (llama.cpp's gemma2.cpp / gemma3.cpp): norms after attention and feed-forward,
// GeGLU, embeddings scaled by sqrt(n_embd), interleaved sliding-window layers with their own
// RoPE base, soft-capped scores and logits (Gemma 2), and a query scale from the model size.
void readGemma(const GgufFile& file, const std::string& a, ModelConfig& c)
{
    const bool gemma2 = c.architecture == "gemma2";
    c.postNorms = true;
    c.activation = FeedForwardActivation::GeluTanh;
    c.embeddingScale = std::sqrt(float(c.embedding));
    c.qkNorm = !gemma2;
    const auto window = file.getUInt(a + "attention.sliding_window");
    if (gemma2) {
        c.slidingWindow = int64_t(window.value_or(4096));
        c.ropeBaseSliding = float(file.getDouble(a + "rope.freq_base_swa").value_or(c.ropeBase));
        c.ropeFreqScaleSliding = c.ropeFreqScale;
        c.attentionSoftCap = float(file.getDouble(a + "attn_logit_softcapping").value_or(50.0));
        c.finalLogitSoftCap = float(file.getDouble(a + "final_logit_softcapping").value_or(30.0));
    } else {
        c.slidingWindow = int64_t(window.value_or(0));
        c.ropeBaseSliding = float(file.getDouble(a + "rope.freq_base_swa").value_or(10000.0));
        c.ropeFreqScaleSliding = 1.0f;
        c.finalLogitSoftCap = float(file.getDouble(a + "final_logit_softcapping").value_or(0.0));
    }
    if (c.slidingWindow > 0) readSlidingLayers(file, a, gemma2 ? 2 : 6, c);
    // The 27B models scale queries by 1/sqrt(embedding / heads) instead of 1/sqrt(head size)
    // (gemma_pytorch's query_pre_attn_scalar); llama.cpp recognises them by their layer count.
    const bool is27B = c.layers == (gemma2 ? 46 : 62);
    c.attentionScale = 1.0f / std::sqrt(float(is27B ? c.embedding / c.heads : c.headDim));
}

// Gemma 4 (llama.cpp's gemma4.cpp): Gemma 3's norms and GeGLU, with the file's per-layer sliding
// pattern; sliding and full layers with their own head size, KV heads and rotated dimensions; no
// query scaling; values RMS-normed; proportional RoPE on the full layers (rope_freqs); the last
// shared_kv_layers layers reading earlier layers' caches; E2B/E4B's per-layer token embeddings;
// 26B-A4B's experts beside a dense feed-forward in every layer.
void readGemma4(const GgufFile& file, const std::string& a, ModelConfig& c)
{
    c.postNorms = true;
    c.qkNorm = true;
    c.valueNorm = true;
    c.ropeFactorsOnFullLayersOnly = true;
    c.activation = FeedForwardActivation::GeluTanh;
    c.embeddingScale = std::sqrt(float(c.embedding));
    c.attentionScale = 1.0f;
    c.slidingWindow = requireCount(file, a + "attention.sliding_window", 1 << 24);
    readSlidingLayers(file, a, 0, c);
    c.ropeBaseSliding = float(file.getDouble(a + "rope.freq_base_swa").value_or(10000.0));
    c.ropeFreqScaleSliding = 1.0f;
    c.finalLogitSoftCap = float(file.getDouble(a + "final_logit_softcapping").value_or(0.0));
    if (file.find(a + "attention.key_length_swa")) c.headDimSliding = requireCount(file, a + "attention.key_length_swa", 1024);
    const int64_t valueSliding =
        file.find(a + "attention.value_length_swa") ? requireCount(file, a + "attention.value_length_swa", 1024) : c.headDimAt(0);
    const int64_t valueFull = file.find(a + "attention.value_length") ? requireCount(file, a + "attention.value_length", 1024) : c.headDim;
    if (valueFull != c.headDim || (c.headDimSliding > 0 && valueSliding != c.headDimSliding))
        throw Error(ErrorCode::InvalidFile, file.displayName() + ": Gemma 4 needs keys and values of one size per layer");
    const int64_t slidingHead = c.headDimSliding > 0 ? c.headDimSliding : c.headDim;
    c.ropeDimsSliding =
        file.find(a + "rope.dimension_count_swa") ? requireCount(file, a + "rope.dimension_count_swa", slidingHead) : slidingHead;
    const int64_t shared = int64_t(file.getUInt(a + "attention.shared_kv_layers").value_or(0));
    if (shared > 0) {
        // A shared layer reads the last cached layer of its kind: both kinds must come before it.
        if (shared > c.layers - 2 || c.isSliding(c.layers - shared - 1) == c.isSliding(c.layers - shared - 2))
            throw Error(ErrorCode::InvalidFile,
                        file.displayName() + ": " + std::to_string(shared) + " layers sharing the KV cache of " + std::to_string(c.layers) +
                            " do not follow a sliding and a full layer");
        c.kvSharedFrom = c.layers - shared;
    }
    c.perLayerEmbedding = int64_t(file.getUInt(a + "embedding_length_per_layer_input").value_or(0));
    if (c.perLayerEmbedding > 4096)
        throw Error(ErrorCode::InvalidFile,
                    file.displayName() + ": per-layer embedding width " + std::to_string(c.perLayerEmbedding) + " is out of range");
}

// The mixture-of-experts keys (llama.cpp's qwen3moe.cpp and openai-moe.cpp read the same ones).
void readExperts(const GgufFile& file, const std::string& a, ModelConfig& c)
{
    c.experts = requireCount(file, a + "expert_count", 1 << 12);
    c.expertsUsed = requireCount(file, a + "expert_used_count", c.experts);
    const std::string expertLength = a + "expert_feed_forward_length";
    c.expertFeedForward = file.find(expertLength) || c.feedForward / c.expertsUsed == 0 ? requireCount(file, expertLength, 1 << 20)
                                                                                        : c.feedForward / c.expertsUsed;
    c.expertWeightsScale = float(file.getDouble(a + "expert_weights_scale").value_or(0.0));
    if (c.architecture == "gpt-oss") {
        c.expertGating = ExpertGating::SoftmaxOfChosen;
    } else if (c.architecture == "deepseek2") {  // the file says (llama.cpp's defaults: softmax, no renormalisation)
        c.expertGating = file.getUInt(a + "expert_gating_func").value_or(1) == 2 ? ExpertGating::Sigmoid : ExpertGating::Softmax;
        c.normalizeExpertWeights = file.getBool(a + "expert_weights_norm").value_or(false);
        c.sharedExperts = int64_t(file.getUInt(a + "expert_shared_count").value_or(0));
        c.denseLeadLayers = int64_t(file.getUInt(a + "leading_dense_block_count").value_or(0));
        c.expertGroups = int64_t(file.getUInt(a + "expert_group_count").value_or(0));
        c.expertGroupsUsed = int64_t(file.getUInt(a + "expert_group_used_count").value_or(0));
        if (c.sharedExperts > 64 || c.denseLeadLayers > c.layers || c.expertGroupsUsed > c.expertGroups ||
            (c.expertGroups > 1 && (c.experts % c.expertGroups != 0 || c.expertGroupsUsed == 0)))
            throw Error(ErrorCode::InvalidFile,
                        file.displayName() + ": the shared experts, dense layers or expert groups are out of range");
    } else {
        c.expertGating = ExpertGating::Softmax;
        c.normalizeExpertWeights = true;  // qwen3moe's graph always renormalises
    }
}

// DeepSeek-V2/V3's latent attention (llama.cpp's deepseek2.cpp, its absorbed MLA form).
void readDeepSeek(const GgufFile& file, const std::string& a, ModelConfig& c)
{
    c.latentAttention = true;
    c.kvLoraRank = requireCount(file, a + "attention.kv_lora_rank", 1 << 14);
    c.qLoraRank = file.find(a + "attention.q_lora_rank") ? requireCount(file, a + "attention.q_lora_rank", 1 << 16) : 0;
    const int64_t keyMla = requireCount(file, a + "attention.key_length_mla", 1024);
    c.valueHeadDim = requireCount(file, a + "attention.value_length_mla", 1024);
    if (c.ropeDims >= keyMla || c.kvHeads != 1 || c.headDim != c.kvLoraRank + c.ropeDims)
        throw Error(ErrorCode::InvalidFile,
                    file.displayName() +
                        ": not DeepSeek's latent attention layout (one KV head of kv_lora_rank + "
                        "rope dimensions; the older layout with attn_kv_b is not supported)");
    c.qkNopeDim = keyMla - c.ropeDims;
    // Queries meet keys at the nope + rope size, YaRN's magnitude moved into that scale as llama.cpp
    // does (llama-context.cpp's yarn_attn_factor, deepseek2.cpp's kq_scale, TAG_DEEPSEEK2_YARN_LOG_MUL_FIX).
    float mscale = 1.0f;
    if (c.ropeScaling == RopeScaling::Yarn) {
        const float factor = 1.0f / c.ropeFreqScale;
        auto magnitude = [factor](float m) { return factor <= 1.0f ? 1.0f : 0.1f * m * std::log(factor) + 1.0f; };
        const float allDims = float(file.getDouble(a + "rope.scaling.yarn_log_multiplier").value_or(0.0)) / 0.1f;  // mscale_all_dim
        float ropeFactor = allDims != 0 ? magnitude(allDims != 1.0f ? allDims : 1.0f) / magnitude(allDims) : magnitude(1.0f);
        ropeFactor *= 1.0f / (1.0f + 0.1f * std::log(factor));  // rope_yarn multiplies it back in
        ropeFactor *= float(file.getDouble(a + "rope.scaling.attn_factor").value_or(1.0));
        c.ropeAttnFactor = ropeFactor;
        const float original = ropeFactor * (1.0f + 0.1f * std::log(factor));
        mscale = original * (1.0f + 0.1f * allDims * std::log(factor));
    }
    c.attentionScale = mscale * mscale / std::sqrt(float(keyMla));
}

// RoPE scaling as llama.cpp reads it (llama-model.cpp, llama-context.cpp): the factor sets the
// frequency scale for every type but "none"; YaRN adds the ramp and its magnitude correction.
void readRopeScaling(const GgufFile& file, const std::string& a, ModelConfig& c)
{
    const std::string type(file.getString(a + "rope.scaling.type").value_or("linear"));
    if (type == "none") {
        c.ropeScaling = RopeScaling::None;
    } else if (type == "linear") {
        c.ropeScaling = RopeScaling::Linear;
    } else if (type == "yarn") {
        c.ropeScaling = RopeScaling::Yarn;
    } else if (type == "longrope") {
        c.ropeScaling = RopeScaling::LongRope;
    } else {
        throw Error(ErrorCode::UnsupportedType, file.displayName() + ": RoPE scaling '" + type + "' is not supported");
    }
    const double factor = file.getDouble(a + "rope.scaling.factor").value_or(0.0);
    c.ropeFreqScale = c.ropeScaling != RopeScaling::None && factor > 0 ? float(1.0 / factor) : 1.0f;
    c.ropeOriginalContext = int64_t(file.getUInt(a + "rope.scaling.original_context_length").value_or(uint64_t(c.trainedContext)));
    c.yarnBetaFast = float(file.getDouble(a + "rope.scaling.yarn_beta_fast").value_or(32.0));
    c.yarnBetaSlow = float(file.getDouble(a + "rope.scaling.yarn_beta_slow").value_or(1.0));
    float attnFactor = 1.0f;
    if (c.ropeScaling == RopeScaling::Yarn) {
        const float scale = 1.0f / c.ropeFreqScale;
        auto mscale = [scale](float m) { return scale <= 1.0f ? 1.0f : 0.1f * m * std::log(scale) + 1.0f; };
        const float logMul = float(file.getDouble(a + "rope.scaling.yarn_log_multiplier").value_or(0.0));
        attnFactor = logMul != 0 ? mscale(1.0f) / mscale(logMul) : mscale(1.0f);
        attnFactor *= 1.0f / (1.0f + 0.1f * std::log(scale));  // rope_yarn multiplies this back in
    }
    c.ropeAttnFactor = attnFactor * float(file.getDouble(a + "rope.scaling.attn_factor").value_or(1.0));
}

// Qwen3.5 / 3.6 (llama.cpp's qwen35.cpp, delta-net-base.cpp): Gated DeltaNet layers with full
// attention every full_attention_interval-th layer (or the file's recurrent_layers list), the
// multi-token-prediction layers counted in block_count but not run, interleaved multi-section
// RoPE whose sections all read the text position (NeoX rotation of rope.dimension_count dims).
void readQwen35(const GgufFile& file, const std::string& a, ModelConfig& c)
{
    c.ropeStyle = RopeStyle::NeoX;
    c.qkNorm = true;
    c.attentionOutputGate = true;
    c.convKernel = requireCount(file, a + "ssm.conv_kernel", 64);
    c.deltaHeadDim = requireCount(file, a + "ssm.state_size", 1024);
    c.deltaKeyHeads = requireCount(file, a + "ssm.group_count", 1024);
    c.deltaValueHeads = requireCount(file, a + "ssm.time_step_rank", 1024);
    if (c.convKernel < 2 || c.deltaValueHeads % c.deltaKeyHeads != 0 ||
        requireCount(file, a + "ssm.inner_size", 1 << 20) != c.deltaValueDim())
        throw Error(ErrorCode::InvalidFile, file.displayName() + ": the linear-attention sizes (ssm.*) do not agree");
    const int64_t allLayers = c.layers + c.nextTokenLayers;
    c.recurrentLayers.assign(size_t(c.layers), false);
    if (const GgufValue* list = file.find(a + "attention.recurrent_layers"); list && list->isArray()) {
        if (list->arraySize() != uint64_t(allLayers) && list->arraySize() != uint64_t(c.layers))
            throw Error(ErrorCode::InvalidFile,
                        file.displayName() + ": metadata " + a + "attention.recurrent_layers has " + std::to_string(list->arraySize()) +
                            " entries for " + std::to_string(allLayers) + " layers");
        for (int64_t i = 0; i < c.layers; ++i) c.recurrentLayers[size_t(i)] = list->arrayInt(uint64_t(i)).value_or(0) != 0;
    } else {
        const int64_t interval = int64_t(file.getUInt(a + "full_attention_interval").value_or(4));
        if (interval < 1) throw Error(ErrorCode::InvalidFile, file.displayName() + ": full_attention_interval is 0");
        for (int64_t i = 0; i < c.layers; ++i) c.recurrentLayers[size_t(i)] = (i + 1) % interval != 0;
    }
    // Interleaved M-RoPE gives dimension pair i the position of section i % 3 while i is within
    // 3 * that section's size; text tokens have the same position in the first three sections and
    // 0 in the fourth, so a pair that falls to the fourth would not rotate: not a layout we run.
    if (const GgufValue* sections = file.find(a + "rope.dimension_sections");
        sections && sections->isArray() && sections->arraySize() >= 3) {
        int64_t s[4] = {0, 0, 0, 0}, total = 0;
        for (uint64_t i = 0; i < std::min<uint64_t>(4, sections->arraySize()); ++i) total += s[i] = sections->arrayInt(i).value_or(0);
        for (int64_t pair = 0; pair < c.ropeDims / 2 && total > 0; ++pair) {
            const int64_t sector = pair % total;
            const bool text =
                (sector % 3 == 0 && sector < 3 * s[0]) || (sector % 3 == 1 && sector < 3 * s[1]) || (sector % 3 == 2 && sector < 3 * s[2]);
            if (!text)
                throw Error(ErrorCode::UnsupportedType,
                            file.displayName() + ": its RoPE sections leave dimensions to a fourth (non-text) position");
        }
    }
    // The recurrent layers keep no KV cache: zero KV heads there.
    std::vector<int64_t> kvHeads(size_t(c.layers));
    for (int64_t i = 0; i < c.layers; ++i) kvHeads[size_t(i)] = c.isRecurrent(i) ? 0 : c.kvHeadsAt(i);
    c.layerKvHeads = kvHeads;
}

}  // namespace

const std::vector<std::string>& supportedArchitectures()
{
    static const std::vector<std::string> architectures = {"llama",    "qwen2",   "qwen3",     "gemma2",  "gemma3",
                                                           "gemma4",   "phi3",    "smollm3",   "granite", "mistral3",
                                                           "qwen3moe", "gpt-oss", "deepseek2", "qwen35",  "qwen35moe"};
    return architectures;
}

const char* supportedArchitecturesDescription()
{
    return "Hearth runs 'llama', 'qwen2', 'qwen3', 'qwen3moe', 'gemma2', 'gemma3', 'gemma4', 'phi3', 'smollm3', 'granite', "
           "'mistral3', 'gpt-oss', 'deepseek2', 'qwen35' and 'qwen35moe' models: Llama, Mistral, Ministral 3, TinyLlama, "
           "Qwen 2/2.5/3, Qwen3 MoE (30B-A3B, Coder), Qwen3.5/3.6 (0.8B-27B, 35B-A3B), Gemma 2/3/4 (E2B, E4B, 26B-A4B, 31B), Phi-3/3.5/4, "
           "SmolLM3, Granite 3, gpt-oss, DeepSeek-V2/V3 (latent attention), "
           "DeepSeek LLM and the "
           "DeepSeek-R1 distills";
}

uint64_t kvCacheBytes(uint64_t layers, uint64_t kvHeads, uint64_t keyLength, uint64_t valueLength, uint64_t contextLength, bool f16Cache)
{
    return layers * contextLength * kvHeads * (keyLength + valueLength) * (f16Cache ? 2 : 4);
}

uint64_t kvCacheBytes(const ModelConfig& config, int64_t contextLength, bool f16Cache, int64_t maxBatch, int64_t firstLayer)
{
    uint64_t total = 0;
    for (int64_t layer = firstLayer; layer < config.cacheLayers(); ++layer) {
        const auto headDim = uint64_t(config.headDimAt(layer));
        total += kvCacheBytes(1, uint64_t(config.kvHeadsAt(layer)), headDim, config.valuesInKeys() ? 0 : headDim,
                              uint64_t(config.kvSlots(layer, contextLength, maxBatch)), f16Cache);
    }
    return total + recurrentStateBytes(config, firstLayer);
}

uint64_t recurrentStateBytes(const ModelConfig& config, int64_t firstLayer)
{
    uint64_t total = 0;
    for (int64_t layer = firstLayer; layer < config.layers; ++layer)
        if (config.isRecurrent(layer)) total += uint64_t(config.convStateFloats() + config.deltaStateFloats()) * sizeof(float);
    return total;
}

ModelConfig ModelConfig::fromGguf(const GgufFile& file)
{
    ModelConfig c;
    c.architecture = std::string(file.getString("general.architecture").value_or(""));
    if (c.architecture == "llama" || c.architecture == "smollm3" || c.architecture == "granite" || c.architecture == "mistral3") {
        c.ropeStyle = RopeStyle::Normal;
    } else if (c.architecture == "phi3") {
        c.ropeStyle = RopeStyle::NeoX;
        c.fusedQkv = file.findTensor("blk.0.attn_qkv.weight") != nullptr;
        c.fusedGateUp = file.findTensor("blk.0.ffn_gate.weight") == nullptr;
    } else if (c.architecture == "qwen2") {
        c.ropeStyle = RopeStyle::NeoX;
        c.attentionBias = true;
    } else if (c.architecture == "qwen35" || c.architecture == "qwen35moe") {
        c.ropeStyle = RopeStyle::NeoX;
    } else if (c.architecture == "qwen3" || c.architecture == "qwen3moe") {
        c.ropeStyle = RopeStyle::NeoX;
        c.qkNorm = true;
    } else if (c.architecture == "deepseek2") {
        c.ropeStyle = RopeStyle::Normal;
    } else if (c.architecture == "gpt-oss") {
        c.ropeStyle = RopeStyle::NeoX;
        c.attentionBias = true;
        c.attentionSinks = true;
        c.activation = FeedForwardActivation::SwigluOai;
    } else if (c.architecture == "gemma2" || c.architecture == "gemma3" || c.architecture == "gemma4") {
        c.ropeStyle = RopeStyle::NeoX;
    } else {
        throw Error(ErrorCode::UnsupportedType,
                    file.displayName() + ": model architecture '" + c.architecture + "' is not supported (" +
                        supportedArchitecturesDescription() + ")");
    }
    const std::string a = c.architecture + ".";
    c.embedding = requireCount(file, a + "embedding_length", 1 << 16);
    c.layers = requireCount(file, a + "block_count", 1024);
    if (c.architecture == "qwen35" || c.architecture == "qwen35moe") {  // the MTP layers come last and are not run
        c.nextTokenLayers = int64_t(file.getUInt(a + "nextn_predict_layers").value_or(0));
        if (c.nextTokenLayers >= c.layers)
            throw Error(ErrorCode::InvalidFile,
                        file.displayName() + ": " + std::to_string(c.nextTokenLayers) + " multi-token-prediction layers leave no model");
        c.layers -= c.nextTokenLayers;
    }
    c.heads = requireCount(file, a + "attention.head_count", 1024);
    const std::vector<int64_t> kvHeads = file.find(a + "attention.head_count_kv")
        ? requirePerLayer(file, a + "attention.head_count_kv", c.layers, c.heads)
        : std::vector<int64_t>(size_t(c.layers), c.heads);
    c.kvHeads = *std::max_element(kvHeads.begin(), kvHeads.end());
    c.layerKvHeads = onlyIfVaried(kvHeads);
    for (int64_t n : kvHeads)
        if (n == 0 || c.heads % n != 0)
            throw Error(ErrorCode::InvalidFile,
                        file.displayName() + ": " + std::to_string(c.heads) + " attention heads cannot be shared by " + std::to_string(n) +
                            " KV heads");
    c.headDim = file.find(a + "attention.key_length") ? requireCount(file, a + "attention.key_length", 1024) : c.embedding / c.heads;
    // A mixture of experts has no dense feed-forward and may not write its length.
    const bool experts =
        c.architecture == "qwen3moe" || c.architecture == "gpt-oss" || c.architecture == "deepseek2" || c.architecture == "qwen35moe";
    if (!experts || file.find(a + "feed_forward_length")) {
        const std::vector<int64_t> ff = requirePerLayer(file, a + "feed_forward_length", c.layers, 1 << 20);
        c.feedForward = *std::max_element(ff.begin(), ff.end());
        c.layerFeedForward = onlyIfVaried(ff);
        if (c.feedForward == 0) throw Error(ErrorCode::InvalidFile, file.displayName() + ": metadata " + a + "feed_forward_length is 0");
    }
    c.trainedContext = file.find(a + "context_length") ? requireCount(file, a + "context_length", 1 << 24) : 2048;
    c.ropeDims = file.find(a + "rope.dimension_count") ? requireCount(file, a + "rope.dimension_count", c.headDim) : c.headDim;
    if (auto eps = file.getDouble(a + "attention.layer_norm_rms_epsilon")) c.rmsEpsilon = float(*eps);
    if (auto base = file.getDouble(a + "rope.freq_base")) c.ropeBase = float(*base);
    readRopeScaling(file, a, c);
    if (const GgufValue* tokens = file.find("tokenizer.ggml.tokens"); tokens && tokens->isArray())
        c.vocabulary = int64_t(tokens->arraySize());
    if (c.architecture == "gemma2" || c.architecture == "gemma3") readGemma(file, a, c);
    if (c.architecture == "gemma4") {
        readGemma4(file, a, c);
        if (file.find(a + "expert_count")) readExperts(file, a, c);
    }
    if (c.architecture == "mistral3" && file.getDouble(a + "attention.temperature_scale").value_or(0.0) != 0.0) {
        // Ministral 3 scales queries by a factor that departs from 1 only past the original
        // context (llama.cpp's attention temperature): within it, the graph is the one we run.
        c.trainedContext = std::min(c.trainedContext, c.ropeOriginalContext);
    }
    if (c.architecture == "qwen3moe" || c.architecture == "gpt-oss" || c.architecture == "deepseek2" || c.architecture == "qwen35moe")
        readExperts(file, a, c);
    if (c.architecture == "qwen35" || c.architecture == "qwen35moe") readQwen35(file, a, c);
    if (c.architecture == "qwen35moe" && file.findTensor("blk.0.ffn_up_shexp.weight")) {
        // One shared expert beside the routed ones, its output gated by a sigmoid per token.
        c.sharedExperts = 1;
        c.sharedExpertFeedForward = file.find(a + "expert_shared_feed_forward_length")
            ? requireCount(file, a + "expert_shared_feed_forward_length", 1 << 20)
            : (c.feedForward > 0 ? c.feedForward : c.expertFeedForward);
    }
    if (c.architecture == "deepseek2") readDeepSeek(file, a, c);
    if (c.architecture == "gpt-oss") {  // llama.cpp's openai-moe.cpp: every other layer slides, from layer 0
        c.slidingWindow = requireCount(file, a + "attention.sliding_window", 1 << 24);
        readSlidingLayers(file, a, 2, c);
        c.ropeBaseSliding = float(file.getDouble(a + "rope.freq_base_swa").value_or(c.ropeBase));
        c.ropeFreqScaleSliding = c.ropeFreqScale;
    }
    if (c.architecture == "smollm3") {  // llama.cpp's smollm3.cpp: no RoPE on layers 3, 7, 11, ...
        c.ropelessLayers.assign(size_t(c.layers), false);
        for (int64_t i = 0; i < c.layers; ++i) c.ropelessLayers[size_t(i)] = (i + 1) % 4 == 0;
    }
    if (c.architecture == "granite") {  // llama.cpp's granite.cpp: the multipliers of Granite 3
        c.embeddingScale = float(file.getDouble(a + "embedding_scale").value_or(1.0));
        c.residualScale = float(file.getDouble(a + "residual_scale").value_or(0.0));
        c.attentionScale = float(file.getDouble(a + "attention.scale").value_or(0.0));
        const auto logitScale = file.getDouble(a + "logit_scale");
        if (!logitScale || *logitScale == 0)
            throw Error(ErrorCode::InvalidFile, file.displayName() + ": metadata " + a + "logit_scale is missing or zero");
        c.logitScale = float(*logitScale);
    }
    return c;
}

}  // namespace hearth
