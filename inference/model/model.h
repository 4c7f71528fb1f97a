// A loaded model: its config, tokenizer and weights on a backend, and the forward pass
// written once for every supported architecture.
#pragma once

#include "backend/backend.h"
#include "gguf/gguf_file.h"
#include "model/model_config.h"
#include "tokenizer/tokenizer.h"

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace hearth {

struct LayerWeights {
    std::unique_ptr<Tensor> attnNorm;  // [embd]
    std::unique_ptr<Tensor> wq;  // [heads*headDim][embd]
    std::unique_ptr<Tensor> wk;  // [kvHeads*headDim][embd]
    std::unique_ptr<Tensor> wv;  // [kvHeads*headDim][embd]
    std::unique_ptr<Tensor> bq, bk, bv;  // biases (qwen2), else null
    std::unique_ptr<Tensor> qNorm, kNorm;  // [headDim] per-head norms of Q and K (qwen3), else null
    std::unique_ptr<Tensor> wo;  // [embd][heads*headDim]
    std::unique_ptr<Tensor> ffnNorm;  // [embd]
    std::unique_ptr<Tensor> ffnGate;  // [ff][embd]
    std::unique_ptr<Tensor> ffnUp;  // [ff][embd]
    std::unique_ptr<Tensor> ffnDown;  // [embd][ff]
    std::unique_ptr<Tensor> attnPostNorm, ffnPostNorm;  // [embd] (gemma), else null
    std::unique_ptr<Tensor> bo, bGate, bUp, bDown;  // output and feed-forward biases where a file has them (granite)
    // Mixture of experts: the router, and every expert's matrix stacked as rows of one tensor
    // (expert e's gate and up rows from e * expertFeedForward, its down rows from e * embedding).
    std::unique_ptr<Tensor> router, routerBias;  // [experts][embd], [experts]
    std::unique_ptr<Tensor> expertGate, expertUp, expertDown;  // [experts * eff][embd], [experts * embd][eff]
    std::unique_ptr<Tensor> expertGateBias, expertUpBias, expertDownBias;  // [experts][eff], [experts][embd] (gpt-oss), else null
    std::vector<float> sinks;  // [heads] attention sink logits (gpt-oss), else empty
    std::vector<float> expertSelectionBias;  // [experts] added when choosing (DeepSeek-V3's exp_probs_b), else empty
    // DeepSeek's shared experts: a feed-forward every token goes through beside the routed experts.
    std::unique_ptr<Tensor> sharedGate, sharedUp, sharedDown;  // [shared * eff][embd], [embd][shared * eff]
    // Qwen3.5 MoE's shared expert gate: its logit row, then a row of zeros ([2][embd]: a matrix
    // every backend multiplies), the output scaled by the sigmoid of the first column.
    std::unique_ptr<Tensor> sharedExpertGate;
    // Latent attention (deepseek2): queries (directly, or through the low rank qA, its norm and qB),
    // the compressed latent plus the rotated key (kvA, then kvANorm on the latent), and per head the
    // absorbed key (kB: latent from the query's unrotated part) and value (vB: latent to the head's value).
    std::unique_ptr<Tensor> qA, qANorm, qB;  // [qLora][embd], [qLora], [heads * (nope + rope)][qLora]
    std::unique_ptr<Tensor> kvA, kvANorm;  // [kvLora + rope][embd], [kvLora]
    std::unique_ptr<Tensor> kB, vB;  // [heads * kvLora][nope], [heads * valueHeadDim][kvLora]
    // Gemma 4: values normed without a weight (a unit weight, shared), the router's input norm
    // weight (the file's scale over sqrt(embedding)), the experts' gate and up rows fused in one
    // tensor (expert e's gate rows from e * 2 * eff, its up rows after them), a scale per expert's
    // output, the norms around the dense feed-forward that runs beside the experts, the per-layer
    // embedding's gate, projection and norm, and the layer's output scale (0: none).
    const Tensor* valueNorm = nullptr;
    std::unique_ptr<Tensor> routerInputNorm;
    bool expertGateUpFused = false;
    std::vector<float> expertOutputScale;
    std::unique_ptr<Tensor> ffnPostNorm1, ffnPreNorm2, ffnPostNorm2;
    std::unique_ptr<Tensor> perLayerGate, perLayerProj, perLayerPostNorm;  // [ple][embd], [embd][ple], [embd]
    float outputScale = 0;
    // Gated DeltaNet (qwen35's recurrent layers): q|k|v and the output gate z projected from the
    // normed input, the convolution's taps [channels][kernel], per value head the dt bias and the
    // decay (-exp(A_log)) as F32 made here, the alpha and beta projections [valueHeads][embd], the
    // gated norm [headDim], the output projection [embd][valueDim].
    std::unique_ptr<Tensor> deltaQkv, deltaGate, convKernel, dtBias, decay, deltaAlpha, deltaBeta, deltaNorm, deltaOut;
};

// Where the parts of a model run when it does not fit its device: the first hostLayers layers
// (their weights used in place from the mapped file, their KV cache in system memory) on the host
// backend, the rest and the output on the device; and the experts of the first hostExpertLayers
// layers on the host too (a mixture's experts are most of its bytes and the least read per token).
// Only activations cross between the two.
struct ModelPlacement {
    std::shared_ptr<Backend> host;  // null: everything on the model's backend
    int64_t hostLayers = 0;
    int64_t hostExpertLayers = 0;
};

class Model {
public:
    // Opens and validates the file, builds the tokenizer and binds every weight on `backend`
    // (or, with a placement, on the backend each part runs on). Throws hearth::Error naming the
    // file and the tensor that is missing or misshapen.
    static std::unique_ptr<Model> load(const std::string& path, std::shared_ptr<Backend> backend, const ModelPlacement& placement = {});
    // The bytes of the weights a placement puts on the device backend, without loading them.
    static uint64_t deviceWeightBytes(const GgufFile& file, const ModelConfig& config, const ModelPlacement& placement);

    const ModelConfig& config() const { return m_config; }
    const Tokenizer& tokenizer() const { return *m_tokenizer; }
    Backend& backend() const { return *m_backend; }  // the device's (every part's, unless split)
    const ModelPlacement& placement() const { return m_placement; }
    // The KV cache for a context, each layer's part on the backend that runs the layer.
    std::unique_ptr<KvCache> makeKvCache(int64_t slots, bool f16, std::span<const int64_t> layerSlots) const;
    // A hybrid model's recurrent state (every recurrent layer's, in layer order) copied out of a
    // cache, or into it (empty: zeros, a fresh sequence): checkpoints that rewind a conversation.
    std::vector<float> saveRecurrent(const KvCache& cache) const;
    void restoreRecurrent(KvCache& cache, std::span<const float> saved) const;
    // Context shift on every layer's part of the cache (Backend::shiftKv).
    void shiftKv(KvCache& cache, int64_t keep, int64_t discard, int64_t used) const;
    const GgufFile& file() const { return m_file; }
    // A layer's rotation in a context of contextLength slots (sliding-window layers have their own
    // base; LongRoPE picks its factors by the context).
    RopeParams ropeParams(int64_t layer, int64_t contextLength) const;
    std::vector<RopeParams> layerRopeParams(int64_t contextLength) const;
    AttentionParams attentionParams(int64_t layer) const;

    // Runs `tokens` at positions firstSlot.. through every layer, storing K/V in `cache` and
    // advancing its recurrent states (which start from zero when firstSlot is 0).
    // Writes logits for the last token (or for every token when allLogits) to `logits`
    // ([rows][vocabulary]).
    void forward(std::span<const TokenId> tokens, int64_t firstSlot, KvCache& cache, bool allLogits, std::vector<float>& logits) const;
    // forward() for a sampler that needs only the `count` best logits of the last token (in
    // betterCandidate's order): the backend finds them where the logits are, and a GPU sends
    // back only those. Monotonic final transforms (Granite's scale, a soft cap) keep the order,
    // save ties that a soft cap's rounding could make at the edge of the best.
    void forwardBest(std::span<const TokenId> tokens, int64_t firstSlot, KvCache& cache, int64_t count,
                     std::vector<LogitCandidate>& best) const;

private:
    // The forward pass up to the output matrix; `read` gets the logits ([rows][vocabulary],
    // every token's or the last one's) while they live on the output backend.
    void run(std::span<const TokenId> tokens, int64_t firstSlot, KvCache& cache, bool allLogits,
             const std::function<void(Backend&, const Tensor&)>& read) const;
    float finalLogit(float logit) const;  // Granite's logit scale and the final soft cap
    Model(GgufFile file, std::shared_ptr<Backend> backend, const ModelPlacement& placement);
    Backend& layerBackend(int64_t layer) const;
    Backend& expertBackend(int64_t layer) const;
    Backend& outputBackend() const;
    struct PassTensors;
    PassTensors& passTensors(std::map<const Backend*, PassTensors>& all, Backend& on, int64_t tokens) const;
    void bindLatentAttention(const std::string& prefix, LayerWeights& layer);
    // DeepSeek's multi-head latent attention of one layer, llama.cpp's absorbed form: the latent
    // cache is one head of [rotated key | normed latent], the queries' unrotated parts are taken
    // into the latent space per head, attention reads the cached rows as keys and as values, and
    // each head's latent result is taken back to its value size. Writes the output projection's
    // input, [tokens][heads * valueHeadDim], to `out`.
    void latentAttention(const LayerWeights& layer, PassTensors& t, Backend& b, KvCache& cache, int64_t cacheLayer, int64_t firstSlot,
                         std::span<const int32_t> positions, const RopeParams& rope, const AttentionParams& attention) const;
    // x += projected: a block's output joins the residual stream, scaled (Granite) or normed
    // first (Gemma's post-norms) where the model says.
    void addToResidual(Backend& b, PassTensors& t, const Tensor* postNorm) const;
    // Moves activations between backends (a split model's boundary); a no-op on one backend.
    void transfer(Backend& from, const Tensor& x, Backend& to, Tensor& out) const;
    std::unique_ptr<Tensor> bind(const std::string& name, int64_t rows, int64_t cols, bool required = true);
    std::unique_ptr<Tensor> bindRows(const std::string& name, int64_t totalRows, int64_t firstRow, int64_t rows, int64_t cols);
    // A 3-D [experts][rows][cols] tensor bound as one weight of experts * rows rows.
    std::unique_ptr<Tensor> bindStacked(const std::string& name, int64_t experts, int64_t rows, int64_t cols);
    void bindExperts(const std::string& prefix, LayerWeights& layer);
    void bindAttention(int64_t layer, const std::string& prefix, LayerWeights& l);
    void bindFeedForward(int64_t layer, const std::string& prefix, LayerWeights& l);
    void bindDeltaNet(const std::string& prefix, LayerWeights& l);
    void addRecurrentStates(KvCache& cache) const;  // each recurrent layer's, on the backend that runs it
    // A Gated DeltaNet layer from t.normed to t.projected, advancing its recurrent state.
    void deltaNet(const LayerWeights& l, PassTensors& t, Backend& b, RecurrentState& state) const;
    // A weight made here, not read from the file (its values kept alive by the model).
    std::unique_ptr<Tensor> ownWeight(const std::string& name, std::vector<float> values, int64_t rows = 1);
    // A weight of ones, one per backend and length: RMS norms without a weight of their own.
    const Tensor& unitWeight(int64_t length);
    struct AttentionTensors;
    AttentionTensors& attentionTensors(PassTensors& t, Backend& b, int64_t tokens, int64_t layer) const;
    // Self-attention of one layer (every kind but latent attention): writes the output
    // projection's result to t.projected.
    void selfAttention(const LayerWeights& l, PassTensors& t, Backend& b, KvCache& cache, int64_t cacheLayer, int64_t layer,
                       int64_t firstSlot, std::span<const int32_t> positions, const RopeParams& rope) const;
    // The dense feed-forward of a layer from t.normed to t.projected.
    void denseFeedForward(const LayerWeights& l, PassTensors& t, Backend& b, int64_t layer) const;
    // Gemma 4's per-layer inputs, [tokens][layers * perLayerEmbedding]: each token's slice of the
    // per-layer embedding table plus the projection of its embedding, normed and scaled.
    void perLayerInputs(std::span<const TokenId> tokens, PassTensors& t, Backend& b) const;
    // A forward pass's tensors for its mixture-of-experts layers, made once and reused by every
    // layer (a GPU's activation arena is only reclaimed when the pass ends).
    struct ExpertWorkspace {
        ExpertWorkspace(Backend& backend, const ModelConfig& config, int64_t tokens);
        struct Scratch {
            std::unique_ptr<Tensor> input, gate, up, output;
        };
        // One expert's working tensors for `rows` tokens, shared by every expert with that many.
        Scratch& scratch(int64_t rows, const ModelConfig& config);
        Backend& backend;
        std::unique_ptr<Tensor> logits, results;
        std::map<int64_t, Scratch> byRows;
        std::vector<float> hostLogits;
    };
    // The feed-forward of a mixture-of-experts layer: out = the router's mix of its chosen experts
    // applied to `input`, the router reading `routerInput` (the same tensor but in Gemma 4).
    void mixtureOfExperts(const LayerWeights& layer, const Tensor& routerInput, const Tensor& input, ExpertWorkspace& workspace,
                          Tensor& out) const;
    std::vector<float> readFactors(const std::string& name) const;  // ropeDims/2 F32 values, or empty
    std::vector<float> readVector(const std::string& name, int64_t n) const;  // n F32 values

    GgufFile m_file;
    std::shared_ptr<Backend> m_backend;
    ModelPlacement m_placement;
    Backend* m_bindOn = nullptr;  // where bind() puts weights, switched part by part while loading
    ModelConfig m_config;
    std::unique_ptr<Tokenizer> m_tokenizer;
    std::unique_ptr<Tensor> m_tokenEmbedding;  // [vocab][embd]
    std::unique_ptr<Tensor> m_outputNorm;  // [embd]
    std::unique_ptr<Tensor> m_output;  // [vocab][embd], the embedding when tied
    std::vector<float> m_ropeFreqFactors;  // Llama 3 rope_freqs, empty when absent
    std::vector<float> m_ropeFactorsShort, m_ropeFactorsLong;  // LongRoPE (phi3), empty when absent
    std::vector<LayerWeights> m_layers;
    // Gemma 4 E2B/E4B: the per-layer token embedding [vocab][layers * ple], the projection of the
    // token embedding into it [layers * ple][embd], and its norm [ple].
    const GgufTensorInfo* m_perLayerTable = nullptr;  // read on the host from the mapped file
    std::unique_ptr<Tensor> m_perLayerModelProj, m_perLayerProjNorm;
    std::deque<std::vector<float>> m_ownedValues;  // what ownWeight's tensors read
    std::map<std::pair<const Backend*, int64_t>, std::unique_ptr<Tensor>> m_unitWeights;
};

}  // namespace hearth
