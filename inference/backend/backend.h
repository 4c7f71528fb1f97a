// The interface every compute backend implements. The forward pass (model/transformer.cpp)
// is written once against it; the CPU reference executes each op at once, the Vulkan backend
// records them into command buffers.
#pragma once

#include "gguf/gguf_file.h"
#include "sampling/logit_candidate.h"
#include "tokenizer/vocabulary.h"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace hearth {

// A 2-D tensor owned by a backend: a weight from the model file ([rows][cols] in its GGUF
// type, cols = GGUF dims[0]) or F32 activations ([tokens][features]).
class Tensor {
public:
    Tensor(int64_t rows, int64_t cols) : m_rows(rows), m_cols(cols) { }
    virtual ~Tensor() = default;
    int64_t rows() const { return m_rows; }
    int64_t cols() const { return m_cols; }

private:
    int64_t m_rows, m_cols;
};

// K and V for every layer and position of a context of slotCount() positions. A sliding-window
// layer may keep only a ring of its last layerSlots(layer) positions (position p in slot
// p % layerSlots): that is all its attention ever reads, and what makes long contexts cheap.
class KvCache {
public:
    // keysOnly: the values are the keys (DeepSeek's latent attention reads both from one cache).
    // layerKvDims: per layer, its row width where layers differ (Gemma 4's sliding and full
    // layers have different head sizes and counts); empty: kvDim for every layer.
    KvCache(int64_t layers, int64_t slots, int64_t kvDim, std::span<const int64_t> layerSlots = {}, bool keysOnly = false,
            std::span<const int64_t> layerKvDims = {})
        : m_layers(layers), m_slots(slots), m_layerSlots(size_t(layers), slots), m_layerKvDims(size_t(layers), kvDim), m_keysOnly(keysOnly)
    {
        for (size_t i = 0; i < layerSlots.size() && i < m_layerSlots.size(); ++i)
            if (layerSlots[i] > 0 && layerSlots[i] < slots) m_layerSlots[i] = layerSlots[i];
        for (size_t i = 0; i < layerKvDims.size() && i < m_layerKvDims.size(); ++i)
            if (layerKvDims[i] >= 0) m_layerKvDims[i] = layerKvDims[i];  // 0: a layer without a cache (recurrent)
    }
    virtual ~KvCache() = default;
    int64_t layers() const { return m_layers; }
    int64_t slotCount() const { return m_slots; }
    int64_t kvDim(int64_t layer) const { return m_layerKvDims[size_t(layer)]; }
    int64_t layerSlots(int64_t layer) const { return m_layerSlots[size_t(layer)]; }
    bool keysOnly() const { return m_keysOnly; }
    bool hasRings() const
    {
        for (int64_t s : m_layerSlots)
            if (s < m_slots) return true;
        return false;
    }

    // The recurrent state of layer `layer` (Gated DeltaNet layers), or null: a hybrid model's
    // sequence memory is this cache plus these states.
    class RecurrentState* recurrent(int64_t layer) const
    {
        return size_t(layer) < m_recurrent.size() ? m_recurrent[size_t(layer)].get() : nullptr;
    }
    void setRecurrent(int64_t layer, std::unique_ptr<class RecurrentState> state);
    bool hasRecurrent() const
    {
        for (const auto& s : m_recurrent)
            if (s) return true;
        return false;
    }

private:
    int64_t m_layers, m_slots;
    std::vector<int64_t> m_layerSlots, m_layerKvDims;
    bool m_keysOnly;
    std::vector<std::unique_ptr<class RecurrentState>> m_recurrent;
};

// One recurrent layer's memory of one sequence: the causal convolution's last kernel - 1 inputs
// ([kernel - 1][channels], oldest first) and the delta rule's [headDim][headDim] matrix per value
// head (row j, value index j, holds the keys' side), F32, zero for a fresh sequence.
class RecurrentState {
public:
    RecurrentState(int64_t convFloats, int64_t deltaFloats) : m_conv(convFloats), m_delta(deltaFloats) { }
    virtual ~RecurrentState() = default;
    int64_t convFloats() const { return m_conv; }
    int64_t deltaFloats() const { return m_delta; }

private:
    int64_t m_conv, m_delta;
};

inline void KvCache::setRecurrent(int64_t layer, std::unique_ptr<RecurrentState> state)
{
    if (m_recurrent.size() <= size_t(layer)) m_recurrent.resize(size_t(layer) + 1);
    m_recurrent[size_t(layer)] = std::move(state);
}

// Gated DeltaNet (Qwen3.5): per token, each value head's matrix S decays by exp(g), moves toward
// v along k by beta (S += k (beta (v - S^T k))^T), and is read by q.
struct DeltaRuleParams {
    int64_t keyHeads = 0, valueHeads = 0, headDim = 0;  // value head h reads key head h % keyHeads
    float normEpsilon = 1e-6f;  // q and k are L2-normed (ggml: rms_norm with eps / headDim, over sqrt(headDim))
};

struct RopeParams {
    int64_t headDim = 0;
    int64_t ropeDims = 0;
    float base = 10000.0f;
    float freqScale = 1.0f;
    bool neox = false;
    const float* freqFactors = nullptr;  // ropeDims/2 divisors of the frequencies (Llama 3, LongRoPE), or null
    // YaRN (ggml's rope_yarn): dimensions below corrLow keep the extrapolated angle, above
    // corrHigh the interpolated one, ramped in between, when extFactor != 0.
    float extFactor = 0;
    float corrLow = 0, corrHigh = 0;
    // cos and sin are multiplied by it (YaRN's and LongRoPE's attention factor); a context shift's
    // re-rotation uses 1.
    float attnFactor = 1.0f;
};

// The angle multiplier of pair i relative to its extrapolated angle (1 without YaRN), and the
// magnitude cos/sin are scaled by: ggml's rope_yarn, shared by both backends.
float ropeYarnMix(const RopeParams& p, int64_t pair);
float ropeMagnitude(const RopeParams& p);

struct AttentionParams {
    int64_t heads = 0;
    int64_t kvHeads = 0;
    int64_t headDim = 0;
    float scale = 1.0f;  // applied to q.k before the softmax
    float softCap = 0;  // > 0: scores become softCap * tanh(score / softCap) (Gemma 2)
    int64_t window = 0;  // > 0: query at slot s sees only slots (s - window, s] (sliding-window layers)
    // Per head, a logit that joins the head's softmax without a value (gpt-oss's learned attention
    // sinks: a head can attend to nothing), or null.
    const float* sinks = nullptr;
};

class Backend {
public:
    virtual ~Backend() = default;
    virtual std::string name() const = 0;

    // Called before a model's weights are bound, with their total size in the file: a backend
    // with its own memory (a GPU) refuses a model that cannot fit, with the numbers.
    virtual void prepareForWeights(uint64_t /*weightBytes*/) { }
    // A weight as stored in the file (2-D: rows = dims[1], cols = dims[0]; 1-D: one row).
    virtual std::unique_ptr<Tensor> weight(const GgufTensorInfo& info, std::span<const uint8_t> data) = 0;
    virtual std::unique_ptr<Tensor> activations(int64_t rows, int64_t cols) = 0;
    // layerSlots: per layer, the ring size of a sliding-window layer (empty or >= slots: all positions).
    // keysOnly: no values are kept; attention reads the keys as values (and storeKv stores the keys).
    // layerKvDims: per layer, its row width when layers differ (empty: kvDim for all).
    virtual std::unique_ptr<KvCache> kvCache(int64_t layers, int64_t slots, int64_t kvDim, bool f16,
                                             std::span<const int64_t> layerSlots = {}, bool keysOnly = false,
                                             std::span<const int64_t> layerKvDims = {}) = 0;

    // out[t] = table row ids[t] (dequantized).
    virtual void getRows(const Tensor& table, std::span<const TokenId> ids, Tensor& out) = 0;
    // out[t] = x[t] / rms(x[t]) * weight. A weight shorter than the row (one head long, Qwen3's
    // Q/K norm) normalizes each weight-long segment of the row on its own.
    virtual void rmsNorm(const Tensor& x, const Tensor& weight, float eps, Tensor& out) = 0;
    // out[t][r] = dot(weight row r, x[t]).
    void matmul(const Tensor& weight, const Tensor& x, Tensor& out) { matmulRows(weight, 0, x, out); }
    struct MatmulTarget {
        const Tensor* weight;
        Tensor* out;
    };
    // matmul(weight, x, out) for each target: the products of one input (a layer's query, key and
    // value; gate and up). A backend may run them as one (the CPU quantizes x once and meets its
    // threads once); the results are the same as one by one.
    virtual void matmulSharedInput(const Tensor& x, std::span<const MatmulTarget> targets)
    {
        for (const MatmulTarget& t : targets) matmul(*t.weight, x, *t.out);
    }
    // out[t][r] = dot(weight row firstRow + r, x[t]) for the out.cols() rows from firstRow: one
    // expert of a mixture-of-experts weight, whose experts' matrices are stacked as rows of one tensor.
    virtual void matmulRows(const Tensor& weight, int64_t firstRow, const Tensor& x, Tensor& out) = 0;
    // x[t] += bias for every row t.
    void addBias(Tensor& x, const Tensor& bias) { addBiasRow(x, bias, 0); }
    // x[t] += row `row` of a table of biases (one row per expert) for every row t.
    virtual void addBiasRow(Tensor& x, const Tensor& biases, int64_t row) = 0;
    // out[i] = x[rows[i]]: the tokens routed to one expert, gathered.
    virtual void gatherRows(const Tensor& x, std::span<const int32_t> rows, Tensor& out) = 0;
    // out[rows[i]] = x[i]: an expert's results put back in their token's slots.
    virtual void scatterRows(const Tensor& x, std::span<const int32_t> rows, Tensor& out) = 0;
    // out[t] = sum over j < k of weights[t * k + j] * x[t * k + j], summed in j order (ggml's
    // weighted experts added one after another): the experts' results mixed by the router.
    virtual void weightedRowSum(const Tensor& x, std::span<const float> weights, int64_t k, Tensor& out) = 0;
    // out = a + b (out may be a).
    virtual void add(const Tensor& a, const Tensor& b, Tensor& out) = 0;
    // Rotates each head of x[t] by positions[t].
    virtual void rope(Tensor& x, std::span<const int32_t> positions, const RopeParams& params) = 0;
    // Writes k[t], v[t] into cache slots firstSlot + t of `layer`.
    virtual void storeKv(KvCache& cache, int64_t layer, const Tensor& k, const Tensor& v, int64_t firstSlot) = 0;
    // storeKv with the keys rotated by `positions` first: k may be left rotated (the CPU rotates
    // it in place) or as it was (a GPU rotates on the way into the cache, in one pass).
    virtual void storeRotatedKv(KvCache& cache, int64_t layer, Tensor& k, const Tensor& v, int64_t firstSlot,
                                std::span<const int32_t> positions, const RopeParams& params)
    {
        rope(k, positions, params);
        storeKv(cache, layer, k, v, firstSlot);
    }
    // Causal attention: query row t attends to slots [0, firstSlot + t].
    virtual void attention(const Tensor& q, const KvCache& cache, int64_t layer, int64_t firstSlot, const AttentionParams& params,
                           Tensor& out) = 0;
    // out = silu(gate) * up.
    virtual void swiglu(const Tensor& gate, const Tensor& up, Tensor& out) = 0;
    // out = gelu(gate) * up, GELU's tanh form through ggml's F16 table (Gemma).
    virtual void geglu(const Tensor& gate, const Tensor& up, Tensor& out) = 0;
    // gpt-oss's clamped SwiGLU (ggml_swiglu_oai): gate clamped above at limit, up to [-limit, limit],
    // out = gate * sigmoid(alpha * gate) * (up + 1).
    virtual void swigluOai(const Tensor& gate, const Tensor& up, float alpha, float limit, Tensor& out) = 0;
    // x *= factor (Gemma's embedding scale, Granite's multipliers).
    virtual void scale(Tensor& x, float factor) = 0;
    // out = rows [first, first + out.rows()) of x.
    virtual void copyRows(const Tensor& x, int64_t first, Tensor& out) = 0;
    // For every row and each of `groups` groups: out[r][outFirst + g * outStride + i] =
    // x[r][first + g * stride + i], i < count (heads' slices taken apart and put together).
    struct ColumnCopy {
        int64_t count = 0, first = 0, stride = 0, outFirst = 0, outStride = 0, groups = 1;
    };
    virtual void copyColumns(const Tensor& x, Tensor& out, const ColumnCopy& columns) = 0;
    // Copies row `row` of x to dst (dst.size() == x.cols()).
    virtual void readRow(const Tensor& x, int64_t row, std::span<float> dst) = 0;
    // The `count` best entries of row `row` of x (all of them when the row is shorter), in
    // betterCandidate's order: a sampler that keeps only the best few logits reads these, not the
    // whole row. A GPU finds them on the device and sends back only them.
    virtual std::vector<LogitCandidate> bestOfRow(const Tensor& x, int64_t row, int64_t count);
    // x = values ([rows][cols]): activations arriving from another backend (a model split
    // between the GPU and the CPU).
    virtual void writeRows(Tensor& x, std::span<const float> values) = 0;
    // Context shift: drops slots [keep, keep + discard) of every layer, moves the slots after
    // them (up to `used`) down, and re-rotates their keys by -discard positions with each
    // layer's own rotation (layerRope has one entry per layer).
    virtual void shiftKv(KvCache& cache, int64_t keep, int64_t discard, int64_t used, std::span<const RopeParams> layerRope) = 0;

    // A recurrent layer's state for one sequence, zeroed.
    virtual std::unique_ptr<RecurrentState> recurrentState(int64_t convFloats, int64_t deltaFloats) = 0;
    // Copies a state out (a checkpoint) or in (a restore; zeros start a fresh sequence).
    virtual void readState(const RecurrentState& state, std::span<float> conv, std::span<float> delta) = 0;
    virtual void writeState(RecurrentState& state, std::span<const float> conv, std::span<const float> delta) = 0;
    // Causal depthwise convolution over the sequence, then SiLU: with `kernel` one F32 row of
    // taps values per channel (taps = kernel.cols() / channels), out[t][c] = silu(sum over k <
    // taps of kernel[c * taps + k] * in[t - taps + 1 + k][c]), the inputs before row 0 taken from
    // the state, which then keeps the last taps - 1 inputs.
    virtual void causalConv(const Tensor& x, const Tensor& kernel, RecurrentState& state, Tensor& out) = 0;
    // The gated delta rule over the sequence, token by token. qkv[t] holds q (keyHeads heads), k
    // (keyHeads) and v (valueHeads) of headDim each, as the convolution gives them; per value head
    // h, g = softplus(alpha[t][h] + dtBias[h]) * decay[h] and beta = sigmoid(betaRaw[t][h]);
    // out[t] is valueHeads heads of S^T q / sqrt(headDim) (ggml's gated_delta_net).
    virtual void gatedDeltaRule(const Tensor& qkv, const Tensor& alpha, const Tensor& betaRaw, const Tensor& dtBias, const Tensor& decay,
                                RecurrentState& state, const DeltaRuleParams& params, Tensor& out) = 0;
    // out = x * sigmoid(gate) (Qwen3.5's gated attention output).
    virtual void sigmoidGate(const Tensor& gate, const Tensor& x, Tensor& out) = 0;
};

}  // namespace hearth
