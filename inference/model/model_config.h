// A model's hyperparameters, read once from GGUF metadata and immutable afterwards.
// Architecture differences are data here, not separate forward passes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace hearth {

class GgufFile;

enum class RopeStyle {
    Normal,  // rotate adjacent pairs (x[2i], x[2i+1]): llama
    NeoX,  // rotate halves (x[i], x[i + d/2]): qwen2
};

enum class RopeScaling {
    None,  // no scaling, even where a factor is written
    Linear,
    Yarn,  // ggml's rope_yarn: ramped blend of interpolated and extrapolated angles
    LongRope,  // Phi-3: per-dimension factors (short / long by context), an attention factor
};

enum class FeedForwardActivation {
    SiLU,  // SwiGLU: llama, qwen
    GeluTanh,  // GeGLU: gemma
    SwigluOai,  // gpt-oss's clamped SwiGLU (alpha 1.702, limit 7)
};

// How a mixture-of-experts router turns its logits into the chosen experts' weights.
enum class ExpertGating {
    Softmax,  // softmax over every expert, the top k chosen (qwen3moe)
    SoftmaxOfChosen,  // the top k logits chosen, the softmax taken over them alone (gpt-oss)
    Sigmoid,  // a sigmoid per expert, chosen with a bias added (DeepSeek-V3)
};

struct ModelConfig {
    std::string architecture;
    int64_t embedding = 0;  // n_embd
    int64_t layers = 0;
    int64_t heads = 0;
    int64_t kvHeads = 0;  // < heads means grouped-query attention
    int64_t headDim = 0;  // per-head size of Q and K (and V)
    int64_t feedForward = 0;
    int64_t vocabulary = 0;
    int64_t trainedContext = 0;
    float rmsEpsilon = 1e-5f;
    float ropeBase = 10000.0f;
    float ropeFreqScale = 1.0f;  // 1 / scaling factor (linear, YaRN)
    RopeScaling ropeScaling = RopeScaling::Linear;
    int64_t ropeOriginalContext = 0;  // YaRN's and LongRoPE's pre-extension context
    float yarnBetaFast = 32.0f, yarnBetaSlow = 1.0f;
    float ropeAttnFactor = 1.0f;  // cos/sin magnitude (YaRN's mscale, LongRoPE's attention factor)
    int64_t ropeDims = 0;  // dimensions rotated per head (<= headDim)
    RopeStyle ropeStyle = RopeStyle::Normal;
    bool attentionBias = false;  // Q/K/V biases (qwen2)
    bool fusedQkv = false;  // one attn_qkv weight holds Q, K and V rows (phi3)
    bool fusedGateUp = false;  // ffn_up holds the gate rows, then the up rows (phi3)
    bool qkNorm = false;  // per-head RMS norm of Q and K before RoPE (qwen3, gemma3)
    bool postNorms = false;  // RMS norms after attention and after the feed-forward, before the residual adds (gemma)
    FeedForwardActivation activation = FeedForwardActivation::SiLU;
    float embeddingScale = 1.0f;  // token embeddings are multiplied by it (gemma: sqrt(embedding))
    float attentionScale = 0;  // q.k scale; 0 means 1 / sqrt(headDim)
    float attentionSoftCap = 0;  // > 0: attention scores capped (gemma2)
    float finalLogitSoftCap = 0;  // > 0: logits capped (gemma2, some gemma3)
    // Sliding-window attention (gemma2/3): layers marked here see only the last slidingWindow
    // positions, and rotate with their own RoPE base and scale.
    int64_t slidingWindow = 0;
    std::vector<bool> slidingLayers;
    float ropeBaseSliding = 10000.0f;
    float ropeFreqScaleSliding = 1.0f;
    // Layers without RoPE (SmolLM3: every fourth), empty when all rotate.
    std::vector<bool> ropelessLayers;
    // Mixture of experts (qwen3moe, gpt-oss): every layer's feed-forward is `experts` networks of
    // expertFeedForward rows, of which a router picks expertsUsed per token. 0 experts: dense.
    int64_t experts = 0;
    int64_t expertsUsed = 0;
    int64_t expertFeedForward = 0;
    ExpertGating expertGating = ExpertGating::Softmax;
    bool normalizeExpertWeights = false;  // the chosen experts' weights divided by their sum
    float expertWeightsScale = 0;  // the weights multiplied by it; 0 or 1: not scaled
    bool attentionSinks = false;  // a learned sink logit per head (gpt-oss)
    // DeepSeek-V2/V3 (deepseek2): shared experts beside the routed ones, the first layers dense,
    // routing limited to the best groups of experts.
    int64_t sharedExperts = 0;
    int64_t sharedExpertFeedForward = 0;  // the shared experts' width; 0: sharedExperts * expertFeedForward
    int64_t sharedWidth() const { return sharedExpertFeedForward > 0 ? sharedExpertFeedForward : sharedExperts * expertFeedForward; }
    int64_t denseLeadLayers = 0;
    int64_t expertGroups = 0, expertGroupsUsed = 0;
    bool isExpertLayer(int64_t layer) const { return experts > 0 && layer >= denseLeadLayers; }
    // Multi-head latent attention (deepseek2): the cache holds one head per position, the
    // compressed latent (kvLoraRank values) after the rotated part (ropeDims), and keys and values
    // are both read from it; queries are qkNopeDim + ropeDims per head (through a low-rank qLoraRank
    // projection when it is > 0), values valueHeadDim per head after their up-projection.
    bool latentAttention = false;
    int64_t kvLoraRank = 0, qLoraRank = 0, qkNopeDim = 0, valueHeadDim = 0;
    bool isMixtureOfExperts() const { return experts > 0; }
    // Granite's multipliers: attention and FFN outputs scaled before the residual add, logits divided.
    float residualScale = 0;  // 0: none
    float logitScale = 0;  // 0: none

    // Gemma 4: sliding and full layers differ in head size, KV heads and rotated dimensions, and
    // layers in feed-forward size; the last layers read the cache of the last layer of their kind
    // that has one; E2B/E4B add a token embedding per layer.
    std::vector<int64_t> layerKvHeads;  // per layer; empty: kvHeads
    std::vector<int64_t> layerFeedForward;  // per layer; empty: feedForward
    int64_t headDimSliding = 0, ropeDimsSliding = 0;  // 0: as the full layers
    int64_t kvSharedFrom = 0;  // > 0: layers from here keep no cache of their own
    int64_t perLayerEmbedding = 0;  // width of each layer's slice of the per-layer token embedding
    bool valueNorm = false;  // values RMS-normed (without a weight) before they are cached
    bool ropeFactorsOnFullLayersOnly = false;  // rope_freqs are the full layers' (proportional RoPE)

    // Qwen3.5 / 3.6 (qwen35, qwen35moe): most layers are Gated DeltaNet linear attention, whose
    // memory is a fixed-size recurrent state per sequence (a causal convolution's last inputs and
    // a key x value matrix per value head) instead of a KV cache; the full-attention layers gate
    // their output by a sigmoid of a second half of the query projection.
    std::vector<bool> recurrentLayers;  // empty: none
    int64_t convKernel = 0;  // ssm.conv_kernel
    int64_t deltaKeyHeads = 0, deltaValueHeads = 0, deltaHeadDim = 0;  // ssm.group_count, time_step_rank, state_size
    bool attentionOutputGate = false;
    int64_t nextTokenLayers = 0;  // multi-token-prediction layers after `layers` in the file (unused)
    bool isRecurrent(int64_t layer) const { return size_t(layer) < recurrentLayers.size() && recurrentLayers[size_t(layer)]; }
    bool hasRecurrentLayers() const { return std::find(recurrentLayers.begin(), recurrentLayers.end(), true) != recurrentLayers.end(); }
    int64_t deltaKeyDim() const { return deltaKeyHeads * deltaHeadDim; }
    int64_t deltaValueDim() const { return deltaValueHeads * deltaHeadDim; }
    int64_t convChannels() const { return 2 * deltaKeyDim() + deltaValueDim(); }
    // Floats of one recurrent layer's state: the convolution's last kernel - 1 inputs per channel,
    // and the delta rule's headDim x headDim matrix per value head.
    int64_t convStateFloats() const { return (convKernel - 1) * convChannels(); }
    int64_t deltaStateFloats() const { return deltaValueHeads * deltaHeadDim * deltaHeadDim; }

    int64_t headDimAt(int64_t layer) const { return headDimSliding > 0 && isSliding(layer) ? headDimSliding : headDim; }
    int64_t ropeDimsAt(int64_t layer) const { return ropeDimsSliding > 0 && isSliding(layer) ? ropeDimsSliding : ropeDims; }
    int64_t kvHeadsAt(int64_t layer) const { return size_t(layer) < layerKvHeads.size() ? layerKvHeads[size_t(layer)] : kvHeads; }
    int64_t feedForwardAt(int64_t layer) const
    {
        return size_t(layer) < layerFeedForward.size() ? layerFeedForward[size_t(layer)] : feedForward;
    }
    int64_t qDimAt(int64_t layer) const { return heads * headDimAt(layer); }
    int64_t kvDimAt(int64_t layer) const { return kvHeadsAt(layer) * headDimAt(layer); }
    // The layers with a cache of their own (the first ones), and the cache layer a layer reads:
    // its own, or (Gemma 4's shared layers) the last cached layer of its kind, as llama.cpp does.
    int64_t cacheLayers() const { return kvSharedFrom > 0 ? kvSharedFrom : layers; }
    int64_t cacheLayerOf(int64_t layer) const { return layer < cacheLayers() ? layer : cacheLayers() - (isSliding(layer) ? 2 : 1); }
    std::vector<int64_t> cacheLayerKvDims() const
    {
        std::vector<int64_t> dims;
        for (int64_t i = 0; i < cacheLayers(); ++i) dims.push_back(kvDimAt(i));
        return dims;
    }
    // A split point (the first hostLayers layers on the host) that keeps Gemma 4's shared layers
    // on the side of the caches they read: before the last two cached layers, or every layer.
    int64_t validHostLayers(int64_t hostLayers) const
    {
        hostLayers = std::clamp<int64_t>(hostLayers, 0, layers);
        return kvSharedFrom > 0 && hostLayers > kvSharedFrom - 2 && hostLayers < layers ? layers : hostLayers;
    }
    int64_t maxFeedForward() const
    {
        int64_t widest = feedForward;
        for (int64_t ff : layerFeedForward) widest = std::max(widest, ff);
        return widest;
    }

    int64_t qDim() const { return heads * headDim; }
    // Cache slots a layer needs for a context that is evaluated at most maxBatch positions at a time:
    // a sliding-window layer only its window plus the batch (a ring), every other layer the context.
    int64_t kvSlots(int64_t layer, int64_t context, int64_t maxBatch) const
    {
        return isSliding(layer) ? std::min(context, slidingWindow + maxBatch) : context;
    }
    // Per cache layer (see cacheLayers).
    std::vector<int64_t> kvLayerSlots(int64_t context, int64_t maxBatch) const
    {
        std::vector<int64_t> perLayer;  // not "slots": Qt's keyword macro where the app includes this
        for (int64_t i = 0; i < cacheLayers(); ++i) perLayer.push_back(kvSlots(i, context, maxBatch));
        return perLayer;
    }
    bool isRopeless(int64_t layer) const { return size_t(layer) < ropelessLayers.size() && ropelessLayers[size_t(layer)]; }
    bool isSliding(int64_t layer) const
    {
        return slidingWindow > 0 && size_t(layer) < slidingLayers.size() && slidingLayers[size_t(layer)];
    }
    int64_t kvDim() const { return kvHeads * headDim; }
    bool valuesInKeys() const { return latentAttention; }  // the cache keeps no separate values

    // Throws hearth::Error naming the architecture when it is unsupported, or the key that
    // is missing or out of range.
    static ModelConfig fromGguf(const GgufFile& file);
};

// The GGUF architectures Hearth runs, and the families they cover (for messages). The one list.
const std::vector<std::string>& supportedArchitectures();
const char* supportedArchitecturesDescription();

// Bytes of K and V for every layer at a context length: the one formula, used by the session
// that allocates the cache and by the fit check that predicts it.
uint64_t kvCacheBytes(uint64_t layers, uint64_t kvHeads, uint64_t keyLength, uint64_t valueLength, uint64_t contextLength, bool f16Cache);
// Bytes of K and V for every cached layer from firstLayer on at a context length, sliding-window
// layers counting only their rings (window + maxBatch slots), each layer its own head count and
// size (Gemma 4); a latent cache (DeepSeek) only its keys; the recurrent layers' state (Qwen3.5).
uint64_t kvCacheBytes(const ModelConfig& config, int64_t contextLength, bool f16Cache, int64_t maxBatch = 512, int64_t firstLayer = 0);
// Bytes of one sequence's recurrent state (every recurrent layer from firstLayer on), F32: part
// of kvCacheBytes, which is a sequence's whole memory.
uint64_t recurrentStateBytes(const ModelConfig& config, int64_t firstLayer = 0);
// A session keeps at most this many copies of a hybrid model's recurrent state (checkpoints
// that let it rewind a conversation), in system memory.
constexpr int64_t kRecurrentCheckpoints = 8;
inline uint64_t recurrentCheckpointBytes(const ModelConfig& config)
{
    return uint64_t(kRecurrentCheckpoints) * recurrentStateBytes(config);
}

}  // namespace hearth
