#include "model/model.h"

#include "core/error.h"
#include "quant/dequantize.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numbers>

namespace hearth {

Model::Model(GgufFile file, std::shared_ptr<Backend> backend, const ModelPlacement& placement)
    : m_file(std::move(file)), m_backend(std::move(backend)), m_placement(placement), m_bindOn(m_backend.get())
{
}

std::unique_ptr<Tensor> Model::bind(const std::string& name, int64_t rows, int64_t cols, bool required)
{
    const GgufTensorInfo* info = m_file.findTensor(name);
    if (!info) {
        if (!required) return nullptr;
        throw Error(ErrorCode::NotFound, m_file.displayName() + ": tensor '" + name + "' is missing");
    }
    const int64_t haveCols = int64_t(info->dims[0]), haveRows = int64_t(info->dims[1]);
    if (haveCols != cols || haveRows != rows || info->dims[2] != 1 || info->dims[3] != 1)
        throw Error(ErrorCode::InvalidFile,
                    m_file.displayName() + ": tensor '" + name + "' has shape [" + std::to_string(info->dims[0]) + ", " +
                        std::to_string(info->dims[1]) + "], expected [" + std::to_string(cols) + ", " + std::to_string(rows) + "]");
    return m_bindOn->weight(*info, m_file.tensorData(*info));
}

std::unique_ptr<Tensor> Model::bindRows(const std::string& name, int64_t totalRows, int64_t firstRow, int64_t rows, int64_t cols)
{
    // A fused weight (phi3's attn_qkv, its gate+up ffn_up) is rows of separate matrices one after
    // another; each part is bound on its own as a view of its rows, so the forward pass and the
    // backends see ordinary weights and every output element is the same dot product.
    const GgufTensorInfo* info = m_file.findTensor(name);
    if (!info) throw Error(ErrorCode::NotFound, m_file.displayName() + ": tensor '" + name + "' is missing");
    if (int64_t(info->dims[0]) != cols || int64_t(info->dims[1]) != totalRows || info->dims[2] != 1 || info->dims[3] != 1)
        throw Error(ErrorCode::InvalidFile,
                    m_file.displayName() + ": tensor '" + name + "' has shape [" + std::to_string(info->dims[0]) + ", " +
                        std::to_string(info->dims[1]) + "], expected [" + std::to_string(cols) + ", " + std::to_string(totalRows) + "]");
    const size_t rowBytes = info->byteSize / size_t(totalRows);
    GgufTensorInfo part = *info;
    part.dims[1] = uint64_t(rows);
    part.elementCount = uint64_t(rows) * uint64_t(cols);
    part.byteSize = rowBytes * size_t(rows);
    part.offset = info->offset + rowBytes * size_t(firstRow);
    return m_bindOn->weight(part, m_file.tensorData(*info).subspan(rowBytes * size_t(firstRow), part.byteSize));
}

std::vector<float> Model::readFactors(const std::string& name) const
{
    if (!m_file.findTensor(name)) return {};
    return readVector(name, m_config.ropeDims / 2);
}

std::vector<float> Model::readVector(const std::string& name, int64_t n) const
{
    const GgufTensorInfo* t = m_file.findTensor(name);
    if (!t) throw Error(ErrorCode::NotFound, m_file.displayName() + ": tensor '" + name + "' is missing");
    if (t->type != GgmlType::F32 || int64_t(t->elementCount) != n)
        throw Error(ErrorCode::InvalidFile, m_file.displayName() + ": " + name + " must be F32 with " + std::to_string(n) + " values");
    std::vector<float> values(static_cast<size_t>(n));
    dequantizeRow(GgmlType::F32, m_file.tensorData(*t).data(), values.data(), n);
    return values;
}

std::unique_ptr<Tensor> Model::bindStacked(const std::string& name, int64_t experts, int64_t rows, int64_t cols)
{
    const GgufTensorInfo* info = m_file.findTensor(name);
    if (!info) throw Error(ErrorCode::NotFound, m_file.displayName() + ": tensor '" + name + "' is missing");
    if (int64_t(info->dims[0]) != cols || int64_t(info->dims[1]) != rows || int64_t(info->dims[2]) != experts || info->dims[3] != 1)
        throw Error(ErrorCode::InvalidFile,
                    m_file.displayName() + ": tensor '" + name + "' has shape [" + std::to_string(info->dims[0]) + ", " +
                        std::to_string(info->dims[1]) + ", " + std::to_string(info->dims[2]) + "], expected [" + std::to_string(cols) +
                        ", " + std::to_string(rows) + ", " + std::to_string(experts) + "]");
    // The experts' matrices are consecutive in the file: one 2-D weight of all their rows.
    GgufTensorInfo flat = *info;
    flat.dimCount = 2;
    flat.dims[1] = uint64_t(rows * experts);
    flat.dims[2] = 1;
    return m_bindOn->weight(flat, m_file.tensorData(*info));
}

void Model::bindLatentAttention(const std::string& p, LayerWeights& l)
{
    const ModelConfig& c = m_config;
    const int64_t queryHead = c.qkNopeDim + c.ropeDims;
    if (c.qLoraRank > 0) {
        l.qA = bind(p + "attn_q_a.weight", c.qLoraRank, c.embedding);
        l.qANorm = bind(p + "attn_q_a_norm.weight", 1, c.qLoraRank);
        l.qB = bind(p + "attn_q_b.weight", c.heads * queryHead, c.qLoraRank);
    } else {
        l.wq = bind(p + "attn_q.weight", c.heads * queryHead, c.embedding);
    }
    l.kvA = bind(p + "attn_kv_a_mqa.weight", c.kvLoraRank + c.ropeDims, c.embedding);
    l.kvANorm = bind(p + "attn_kv_a_norm.weight", 1, c.kvLoraRank);
    l.kB = bindStacked(p + "attn_k_b.weight", c.heads, c.kvLoraRank, c.qkNopeDim);
    l.vB = bindStacked(p + "attn_v_b.weight", c.heads, c.valueHeadDim, c.kvLoraRank);
}

void Model::bindExperts(const std::string& p, LayerWeights& l)
{
    const ModelConfig& c = m_config;
    const int64_t e = c.experts, ff = c.expertFeedForward;
    l.router = bind(p + "ffn_gate_inp.weight", e, c.embedding);
    l.expertGate = bindStacked(p + "ffn_gate_exps.weight", e, ff, c.embedding);
    l.expertUp = bindStacked(p + "ffn_up_exps.weight", e, ff, c.embedding);
    l.expertDown = bindStacked(p + "ffn_down_exps.weight", e, c.embedding, ff);
    if (m_file.findTensor(p + "exp_probs_b.bias")) l.expertSelectionBias = readVector(p + "exp_probs_b.bias", e);
    if (c.architecture == "gpt-oss") {  // biases on the router and on every expert
        l.routerBias = bind(p + "ffn_gate_inp.bias", 1, e);
        l.expertGateBias = bind(p + "ffn_gate_exps.bias", e, ff);
        l.expertUpBias = bind(p + "ffn_up_exps.bias", e, ff);
        l.expertDownBias = bind(p + "ffn_down_exps.bias", e, c.embedding);
    }
}

namespace {

// The side a file's tensor runs on under a placement: the layer's (its experts' for expert
// tensors), the first layer's for the embedding table, the last's (the device's) for the output.
bool runsOnHost(std::string_view name, const ModelConfig& c, const ModelPlacement& p)
{
    if (!p.host) return false;
    if (name.rfind("blk.", 0) == 0) {
        const int64_t layer = std::atoll(std::string(name.substr(4)).c_str());
        const bool expert = name.find("_exps") != std::string_view::npos || name.find("ffn_gate_inp") != std::string_view::npos;
        return layer < p.hostLayers || (expert && layer < p.hostExpertLayers);
    }
    if (name.rfind("token_embd", 0) == 0) return p.hostLayers > 0;
    return p.hostLayers >= c.layers;  // the output norm and matrix
}

}  // namespace

uint64_t Model::deviceWeightBytes(const GgufFile& file, const ModelConfig& config, const ModelPlacement& placement)
{
    uint64_t bytes = 0;
    for (const GgufTensorInfo& t : file.tensors())
        if (!runsOnHost(t.name, config, placement)) bytes += t.byteSize;
    // Tied embeddings are bound twice: as the embedding table on the host side and the output on the device.
    if (placement.host && !file.findTensor("output.weight") && placement.hostLayers > 0 && placement.hostLayers < config.layers)
        if (const GgufTensorInfo* table = file.findTensor("token_embd.weight")) bytes += table->byteSize;
    return bytes;
}

Backend& Model::layerBackend(int64_t layer) const
{
    return m_placement.host && layer < m_placement.hostLayers ? *m_placement.host : *m_backend;
}

Backend& Model::expertBackend(int64_t layer) const
{
    return m_placement.host && layer < std::max(m_placement.hostLayers, m_placement.hostExpertLayers) ? *m_placement.host : *m_backend;
}

Backend& Model::outputBackend() const
{
    return m_placement.host && m_placement.hostLayers >= m_config.layers ? *m_placement.host : *m_backend;
}

std::unique_ptr<Model> Model::load(const std::string& path, std::shared_ptr<Backend> backend, const ModelPlacement& placement)
{
    std::unique_ptr<Model> m(new Model(GgufFile::open(path), std::move(backend), placement));
    m->m_config = ModelConfig::fromGguf(m->m_file);
    m->m_tokenizer = Tokenizer::create(Vocabulary::fromGguf(m->m_file));
    ModelConfig& c = m->m_config;
    ModelPlacement& where = m->m_placement;
    if (where.host) {
        where.hostLayers = std::clamp<int64_t>(where.hostLayers, 0, c.layers);
        where.hostExpertLayers = c.isMixtureOfExperts() ? std::clamp<int64_t>(where.hostExpertLayers, 0, c.layers) : 0;
        if (where.hostLayers == 0 && where.hostExpertLayers == 0) where.host.reset();
    }
    m->m_backend->prepareForWeights(deviceWeightBytes(m->m_file, c, where));
    if (c.vocabulary == 0) c.vocabulary = int64_t(m->m_tokenizer->vocabulary().size());

    m->m_bindOn = &m->layerBackend(0);
    m->m_tokenEmbedding = m->bind("token_embd.weight", c.vocabulary, c.embedding);
    m->m_bindOn = &m->outputBackend();
    m->m_outputNorm = m->bind("output_norm.weight", 1, c.embedding);
    m->m_output = m->bind("output.weight", c.vocabulary, c.embedding, /*required=*/false);
    if (!m->m_output) m->m_output = m->bind("token_embd.weight", c.vocabulary, c.embedding);  // tied embeddings
    m->m_ropeFreqFactors = m->readFactors("rope_freqs.weight");  // Llama 3
    m->m_ropeFactorsShort = m->readFactors("rope_factors_short.weight");  // LongRoPE
    m->m_ropeFactorsLong = m->readFactors("rope_factors_long.weight");

    m->m_layers.resize(size_t(c.layers));
    for (int64_t i = 0; i < c.layers; ++i) {
        const std::string p = "blk." + std::to_string(i) + ".";
        LayerWeights& l = m->m_layers[size_t(i)];
        m->m_bindOn = &m->layerBackend(i);
        l.attnNorm = m->bind(p + "attn_norm.weight", 1, c.embedding);
        if (c.latentAttention) {
            m->bindLatentAttention(p, l);
        } else if (c.fusedQkv) {
            const int64_t total = c.qDim() + 2 * c.kvDim();
            l.wq = m->bindRows(p + "attn_qkv.weight", total, 0, c.qDim(), c.embedding);
            l.wk = m->bindRows(p + "attn_qkv.weight", total, c.qDim(), c.kvDim(), c.embedding);
            l.wv = m->bindRows(p + "attn_qkv.weight", total, c.qDim() + c.kvDim(), c.kvDim(), c.embedding);
        } else {
            l.wq = m->bind(p + "attn_q.weight", c.qDim(), c.embedding);
            l.wk = m->bind(p + "attn_k.weight", c.kvDim(), c.embedding);
            l.wv = m->bind(p + "attn_v.weight", c.kvDim(), c.embedding);
        }
        if (!c.latentAttention) {
            l.bq = m->bind(p + "attn_q.bias", 1, c.qDim(), c.attentionBias);
            l.bk = m->bind(p + "attn_k.bias", 1, c.kvDim(), c.attentionBias);
            l.bv = m->bind(p + "attn_v.bias", 1, c.kvDim(), c.attentionBias);
        }
        if (c.qkNorm) {
            l.qNorm = m->bind(p + "attn_q_norm.weight", 1, c.headDim);
            l.kNorm = m->bind(p + "attn_k_norm.weight", 1, c.headDim);
        }
        l.wo = m->bind(p + "attn_output.weight", c.embedding, c.latentAttention ? c.heads * c.valueHeadDim : c.qDim());
        if (c.architecture == "gpt-oss") {  // its norm before the feed-forward is named "post attention"
            l.ffnNorm = m->bind(p + "post_attention_norm.weight", 1, c.embedding);
            l.sinks = m->readVector(p + "attn_sinks.weight", c.heads);
        } else {
            l.ffnNorm = m->bind(p + "ffn_norm.weight", 1, c.embedding);
        }
        if (c.isExpertLayer(i)) {
            m->m_bindOn = &m->expertBackend(i);
            m->bindExperts(p, l);
            m->m_bindOn = &m->layerBackend(i);
            if (c.sharedExperts > 0) {  // DeepSeek's shared experts: read for every token, so with the layer
                const int64_t shared = c.sharedExperts * c.expertFeedForward;
                l.sharedGate = m->bind(p + "ffn_gate_shexp.weight", shared, c.embedding);
                l.sharedUp = m->bind(p + "ffn_up_shexp.weight", shared, c.embedding);
                l.sharedDown = m->bind(p + "ffn_down_shexp.weight", c.embedding, shared);
            }
        } else if (c.fusedGateUp) {  // ggml's swiglu of the fused output: silu(first half) * second half
            l.ffnGate = m->bindRows(p + "ffn_up.weight", 2 * c.feedForward, 0, c.feedForward, c.embedding);
            l.ffnUp = m->bindRows(p + "ffn_up.weight", 2 * c.feedForward, c.feedForward, c.feedForward, c.embedding);
        } else {
            l.ffnGate = m->bind(p + "ffn_gate.weight", c.feedForward, c.embedding);
            l.ffnUp = m->bind(p + "ffn_up.weight", c.feedForward, c.embedding);
        }
        if (!c.isExpertLayer(i)) l.ffnDown = m->bind(p + "ffn_down.weight", c.embedding, c.feedForward);
        l.bo = m->bind(p + "attn_output.bias", 1, c.embedding, false);
        l.bGate = m->bind(p + "ffn_gate.bias", 1, c.feedForward, false);
        l.bUp = m->bind(p + "ffn_up.bias", 1, c.feedForward, false);
        l.bDown = m->bind(p + "ffn_down.bias", 1, c.embedding, false);
        if (c.postNorms) {
            l.attnPostNorm = m->bind(p + "post_attention_norm.weight", 1, c.embedding);
            l.ffnPostNorm = m->bind(p + "post_ffw_norm.weight", 1, c.embedding);
        }
    }
    m->m_file.checkIntact();  // a backend that copied the weights may have copied zeros
    return m;
}

RopeParams Model::ropeParams(int64_t layer, int64_t contextLength) const
{
    RopeParams r;
    const bool sliding = m_config.isSliding(layer);
    r.headDim = m_config.headDim;
    r.ropeDims = m_config.ropeDims;
    r.base = sliding ? m_config.ropeBaseSliding : m_config.ropeBase;
    r.freqScale = sliding ? m_config.ropeFreqScaleSliding : m_config.ropeFreqScale;
    r.neox = m_config.ropeStyle == RopeStyle::NeoX;
    r.freqFactors = m_ropeFreqFactors.empty() ? nullptr : m_ropeFreqFactors.data();
    // LongRoPE: the long factors once the context goes past the original one (llama.cpp's rule).
    const std::vector<float>& longRope = contextLength > m_config.ropeOriginalContext ? m_ropeFactorsLong : m_ropeFactorsShort;
    if (!longRope.empty() && m_ropeFreqFactors.empty()) r.freqFactors = longRope.data();
    r.attnFactor = m_config.ropeAttnFactor;
    if (m_config.ropeScaling == RopeScaling::Yarn) {
        // ggml_rope_yarn_corr_dims: the dimensions whose wavelength spans beta_fast / beta_slow
        // rotations over the original context.
        const auto corrDim = [&](float rotations) {
            return float(r.ropeDims) * std::log(float(m_config.ropeOriginalContext) / (rotations * 2 * std::numbers::pi_v<float>)) /
                (2 * std::log(r.base));
        };
        r.extFactor = 1.0f;
        r.corrLow = std::max(0.0f, std::floor(corrDim(m_config.yarnBetaFast)));
        r.corrHigh = std::min(float(r.ropeDims - 1), std::ceil(corrDim(m_config.yarnBetaSlow)));
    }
    if (m_config.isRopeless(layer)) r.ropeDims = 0;  // positions come from the other layers alone
    return r;
}

std::vector<RopeParams> Model::layerRopeParams(int64_t contextLength) const
{
    std::vector<RopeParams> all;
    for (int64_t i = 0; i < m_config.layers; ++i) all.push_back(ropeParams(i, contextLength));
    return all;
}

AttentionParams Model::attentionParams(int64_t layer) const
{
    const ModelConfig& c = m_config;
    AttentionParams a {c.heads, c.kvHeads, c.headDim, c.attentionScale > 0 ? c.attentionScale : 1.0f / std::sqrt(float(c.headDim))};
    a.softCap = c.attentionSoftCap;
    a.window = c.isSliding(layer) ? c.slidingWindow : 0;
    return a;
}

namespace {

// A split model's KV cache: the host's layers in one backend's cache, the device's in another's.
class SplitKvCache : public KvCache {
public:
    SplitKvCache(std::unique_ptr<KvCache> hostPart, std::unique_ptr<KvCache> devicePart, int64_t layersOnHost, int64_t slots, int64_t kvDim,
                 std::span<const int64_t> layerSlots)
        : KvCache(layersOnHost + devicePart->layers(), slots, kvDim, layerSlots), host(std::move(hostPart)), device(std::move(devicePart)),
          hostLayers(layersOnHost)
    {
    }
    std::unique_ptr<KvCache> host, device;
    int64_t hostLayers;
    // The part that holds a layer, and the layer's index in it.
    std::pair<KvCache*, int64_t> part(int64_t layer)
    {
        return layer < hostLayers ? std::pair {host.get(), layer} : std::pair {device.get(), layer - hostLayers};
    }
};

}  // namespace

std::unique_ptr<KvCache> Model::makeKvCache(int64_t slots, bool f16, std::span<const int64_t> layerSlots) const
{
    const ModelConfig& c = m_config;
    const int64_t hostLayers = m_placement.host ? m_placement.hostLayers : 0;
    const bool keysOnly = c.valuesInKeys();
    if (hostLayers == 0) return m_backend->kvCache(c.layers, slots, c.kvDim(), f16, layerSlots, keysOnly);
    const auto split = std::min<size_t>(size_t(hostLayers), layerSlots.size());
    auto host = m_placement.host->kvCache(hostLayers, slots, c.kvDim(), f16, layerSlots.subspan(0, split), keysOnly);
    std::unique_ptr<KvCache> device = hostLayers < c.layers
        ? m_backend->kvCache(c.layers - hostLayers, slots, c.kvDim(), f16, layerSlots.subspan(split), keysOnly)
        : nullptr;
    if (!device) return host;
    return std::make_unique<SplitKvCache>(std::move(host), std::move(device), hostLayers, slots, c.kvDim(), layerSlots);
}

void Model::shiftKv(KvCache& cache, int64_t keep, int64_t discard, int64_t used) const
{
    const std::vector<RopeParams> rope = layerRopeParams(cache.slotCount());
    if (auto* split = dynamic_cast<SplitKvCache*>(&cache)) {
        const auto hostLayers = size_t(split->hostLayers);
        m_placement.host->shiftKv(*split->host, keep, discard, used, std::span(rope).subspan(0, hostLayers));
        m_backend->shiftKv(*split->device, keep, discard, used, std::span(rope).subspan(hostLayers));
        return;
    }
    layerBackend(0).shiftKv(cache, keep, discard, used, rope);
}

// One backend's tensors for a forward pass (a split model has two sets).
struct Model::PassTensors {
    std::unique_ptr<Tensor> x;  // the residual stream
    std::unique_ptr<Tensor> normed, q, k, v, attended, qNormed, kNormed, projected, postNormed, gate, up;
    std::unique_ptr<ExpertWorkspace> experts;
    std::unique_ptr<Tensor> sharedGate, sharedUp, sharedOut;  // DeepSeek's shared experts
    // Latent attention: the low-rank query, the latent and rotated key, one head's slices.
    std::unique_ptr<Tensor> qA, qANormed, latentAndRope, latent, latentNormed, headNope, headLatent, headValue, values;
};

Model::PassTensors& Model::passTensors(std::map<const Backend*, PassTensors>& all, Backend& b, int64_t n) const
{
    PassTensors& t = all[&b];
    if (t.x) return t;
    const ModelConfig& c = m_config;
    t.x = b.activations(n, c.embedding);
    t.normed = b.activations(n, c.embedding);
    t.q = b.activations(n, c.latentAttention ? c.heads * (c.qkNopeDim + c.ropeDims) : c.qDim());
    t.k = b.activations(n, c.kvDim());
    if (!c.valuesInKeys()) t.v = b.activations(n, c.kvDim());
    t.attended = b.activations(n, c.qDim());
    if (c.latentAttention) {
        if (c.qLoraRank > 0) {
            t.qA = b.activations(n, c.qLoraRank);
            t.qANormed = b.activations(n, c.qLoraRank);
        }
        t.qNormed = b.activations(n, c.qDim());  // the assembled queries: [rotated | latent] per head
        t.latentAndRope = b.activations(n, c.kvLoraRank + c.ropeDims);
        t.latent = b.activations(n, c.kvLoraRank);
        t.latentNormed = b.activations(n, c.kvLoraRank);
        t.headNope = b.activations(n, c.qkNopeDim);
        t.headLatent = b.activations(n, c.kvLoraRank);
        t.headValue = b.activations(n, c.valueHeadDim);
        t.values = b.activations(n, c.heads * c.valueHeadDim);
    }
    if (c.qkNorm) {
        t.qNormed = b.activations(n, c.qDim());
        t.kNormed = b.activations(n, c.kvDim());
    }
    t.projected = b.activations(n, c.embedding);
    if (c.postNorms) t.postNormed = b.activations(n, c.embedding);
    if (c.isMixtureOfExperts()) t.experts = std::make_unique<ExpertWorkspace>(b, c, n);
    if (!c.isMixtureOfExperts() || c.denseLeadLayers > 0) {
        t.gate = b.activations(n, c.feedForward);
        t.up = b.activations(n, c.feedForward);
    }
    if (c.sharedExperts > 0) {
        t.sharedGate = b.activations(n, c.sharedExperts * c.expertFeedForward);
        t.sharedUp = b.activations(n, c.sharedExperts * c.expertFeedForward);
        t.sharedOut = b.activations(n, c.embedding);
    }
    return t;
}

void Model::addToResidual(Backend& b, PassTensors& t, const Tensor* postNorm) const
{
    const ModelConfig& c = m_config;
    if (c.residualScale != 0) b.scale(*t.projected, c.residualScale);
    if (postNorm) {
        b.rmsNorm(*t.projected, *postNorm, c.rmsEpsilon, *t.postNormed);
        b.add(*t.x, *t.postNormed, *t.x);
    } else {
        b.add(*t.x, *t.projected, *t.x);
    }
}

void Model::transfer(Backend& from, const Tensor& x, Backend& to, Tensor& out) const
{
    std::vector<float> values(size_t(x.rows() * x.cols()));
    for (int64_t r = 0; r < x.rows(); ++r) from.readRow(x, r, std::span<float>(values.data() + r * x.cols(), size_t(x.cols())));
    to.writeRows(out, values);
}

void Model::latentAttention(const LayerWeights& l, PassTensors& t, Backend& b, KvCache& cache, int64_t cacheLayer, int64_t firstSlot,
                            std::span<const int32_t> positions, const RopeParams& rope, const AttentionParams& attention) const
{
    const ModelConfig& c = m_config;
    const int64_t heads = c.heads, nope = c.qkNopeDim, rot = c.ropeDims, lora = c.kvLoraRank, queryHead = nope + rot,
                  cacheHead = lora + rot;
    if (l.qA) {
        b.matmul(*l.qA, *t.normed, *t.qA);
        b.rmsNorm(*t.qA, *l.qANorm, c.rmsEpsilon, *t.qANormed);
        b.matmul(*l.qB, *t.qANormed, *t.q);
    } else {
        b.matmul(*l.wq, *t.normed, *t.q);
    }
    Tensor& queries = *t.qNormed;  // per head [rotated (rot) | absorbed (lora)]: RoPE turns the first dimensions
    // The key: [rotated part | normed latent], one head.
    b.matmul(*l.kvA, *t.normed, *t.latentAndRope);
    b.copyColumns(*t.latentAndRope, *t.latent, {lora, 0, 0, 0, 0, 1});
    b.rmsNorm(*t.latent, *l.kvANorm, c.rmsEpsilon, *t.latentNormed);
    b.copyColumns(*t.latentAndRope, *t.k, {rot, lora, 0, 0, 0, 1});
    b.copyColumns(*t.latentNormed, *t.k, {lora, 0, 0, rot, 0, 1});
    // The queries: each head's rotated part as it is, its unrotated part into the latent space.
    b.copyColumns(*t.q, queries, {rot, nope, queryHead, 0, cacheHead, heads});
    for (int64_t h = 0; h < heads; ++h) {
        b.copyColumns(*t.q, *t.headNope, {nope, h * queryHead, 0, 0, 0, 1});
        b.matmulRows(*l.kB, h * lora, *t.headNope, *t.headLatent);
        b.copyColumns(*t.headLatent, queries, {lora, 0, 0, h * cacheHead + rot, 0, 1});
    }
    b.rope(queries, positions, rope);
    b.rope(*t.k, positions, rope);
    b.storeKv(cache, cacheLayer, *t.k, *t.k, firstSlot);  // keys only: the values are read from them
    b.attention(queries, cache, cacheLayer, firstSlot, attention, *t.attended);
    // Each head's latent result (after its rotated part) to the head's value size.
    for (int64_t h = 0; h < heads; ++h) {
        b.copyColumns(*t.attended, *t.headLatent, {lora, h * cacheHead + rot, 0, 0, 0, 1});
        b.matmulRows(*l.vB, h * c.valueHeadDim, *t.headLatent, *t.headValue);
        b.copyColumns(*t.headValue, *t.values, {c.valueHeadDim, 0, 0, h * c.valueHeadDim, 0, 1});
    }
}

void Model::forward(std::span<const TokenId> tokens, int64_t firstSlot, KvCache& cache, bool allLogits, std::vector<float>& logits) const
{
    const ModelConfig& c = m_config;
    const int64_t n = int64_t(tokens.size());
    if (n == 0) throw Error(ErrorCode::InvalidArgument, "forward: no tokens");
    if (firstSlot + n > cache.slotCount())
        throw Error(ErrorCode::InvalidArgument,
                    "forward: " + std::to_string(firstSlot + n) + " tokens do not fit a context of " + std::to_string(cache.slotCount()));

    for (int64_t i = 0; i < c.layers; ++i)
        if (cache.layerSlots(i) < cache.slotCount() && n > cache.layerSlots(i) - c.slidingWindow)
            throw Error(ErrorCode::InvalidArgument,
                        "forward: " + std::to_string(n) + " tokens at once do not fit layer " + std::to_string(i) +
                            "'s sliding-window cache of " + std::to_string(cache.layerSlots(i)) + " slots");
    std::vector<int32_t> positions(static_cast<size_t>(n));
    for (int64_t t = 0; t < n; ++t) positions[size_t(t)] = int32_t(firstSlot + t);
    const std::vector<RopeParams> rope = layerRopeParams(cache.slotCount());
    auto* split = dynamic_cast<SplitKvCache*>(&cache);

    std::map<const Backend*, PassTensors> sides;
    Backend* current = &layerBackend(0);
    current->getRows(*m_tokenEmbedding, tokens, *passTensors(sides, *current, n).x);
    if (c.embeddingScale != 1.0f) current->scale(*sides[current].x, c.embeddingScale);
    for (int64_t i = 0; i < c.layers; ++i) {
        const LayerWeights& l = m_layers[size_t(i)];
        Backend& b = layerBackend(i);
        PassTensors& t = passTensors(sides, b, n);
        if (&b != current) {  // the residual stream crosses to the other side of the split
            transfer(*current, *sides[current].x, b, *t.x);
            current = &b;
        }
        auto [layerCache, cacheLayer] = split ? split->part(i) : std::pair {&cache, i};
        // Attention block.
        b.rmsNorm(*t.x, *l.attnNorm, c.rmsEpsilon, *t.normed);
        if (c.latentAttention) {
            latentAttention(l, t, b, *layerCache, cacheLayer, firstSlot, positions, rope[size_t(i)], attentionParams(i));
            b.matmul(*l.wo, *t.values, *t.projected);
            addToResidual(b, t, nullptr);
        } else {
            b.matmul(*l.wq, *t.normed, *t.q);
            b.matmul(*l.wk, *t.normed, *t.k);
            b.matmul(*l.wv, *t.normed, *t.v);
            if (l.bq) b.addBias(*t.q, *l.bq);
            if (l.bk) b.addBias(*t.k, *l.bk);
            if (l.bv) b.addBias(*t.v, *l.bv);
            Tensor* queries = t.q.get();
            Tensor* keys = t.k.get();
            if (l.qNorm) {  // each head normalized on its own (the weight is one head long)
                b.rmsNorm(*t.q, *l.qNorm, c.rmsEpsilon, *t.qNormed);
                b.rmsNorm(*t.k, *l.kNorm, c.rmsEpsilon, *t.kNormed);
                queries = t.qNormed.get();
                keys = t.kNormed.get();
            }
            if (rope[size_t(i)].ropeDims > 0) {
                b.rope(*queries, positions, rope[size_t(i)]);
                b.rope(*keys, positions, rope[size_t(i)]);
            }
            b.storeKv(*layerCache, cacheLayer, *keys, *t.v, firstSlot);
            AttentionParams attention = attentionParams(i);
            if (!l.sinks.empty()) attention.sinks = l.sinks.data();
            b.attention(*queries, *layerCache, cacheLayer, firstSlot, attention, *t.attended);
            b.matmul(*l.wo, *t.attended, *t.projected);
            if (l.bo) b.addBias(*t.projected, *l.bo);
            addToResidual(b, t, l.attnPostNorm.get());
        }  // the attention block
        // Feed-forward block (SwiGLU, or GeGLU for Gemma), or a mixture of experts.
        b.rmsNorm(*t.x, *l.ffnNorm, c.rmsEpsilon, *t.normed);
        if (c.isExpertLayer(i)) {
            Backend& eb = expertBackend(i);
            if (&eb == &b) {
                mixtureOfExperts(l, *t.normed, *t.experts, *t.projected);
            } else {  // this layer's experts on the other side: its input there, the mix back
                PassTensors& e = passTensors(sides, eb, n);
                transfer(b, *t.normed, eb, *e.normed);
                mixtureOfExperts(l, *e.normed, *e.experts, *e.projected);
                transfer(eb, *e.projected, b, *t.projected);
            }
            if (l.sharedGate) {  // DeepSeek's shared experts, added to the routed ones' mix
                b.matmul(*l.sharedUp, *t.normed, *t.sharedUp);
                b.matmul(*l.sharedGate, *t.normed, *t.sharedGate);
                b.swiglu(*t.sharedGate, *t.sharedUp, *t.sharedGate);
                b.matmul(*l.sharedDown, *t.sharedGate, *t.sharedOut);
                b.add(*t.projected, *t.sharedOut, *t.projected);
            }
            addToResidual(b, t, nullptr);
            continue;
        }
        b.matmul(*l.ffnGate, *t.normed, *t.gate);
        b.matmul(*l.ffnUp, *t.normed, *t.up);
        if (l.bGate) b.addBias(*t.gate, *l.bGate);
        if (l.bUp) b.addBias(*t.up, *l.bUp);
        if (c.activation == FeedForwardActivation::GeluTanh) {
            b.geglu(*t.gate, *t.up, *t.gate);
        } else {
            b.swiglu(*t.gate, *t.up, *t.gate);
        }
        b.matmul(*l.ffnDown, *t.gate, *t.projected);
        if (l.bDown) b.addBias(*t.projected, *l.bDown);
        addToResidual(b, t, l.ffnPostNorm.get());
    }

    Backend& b = outputBackend();
    PassTensors& t = passTensors(sides, b, n);
    if (&b != current) transfer(*current, *sides[current].x, b, *t.x);
    // Only the rows whose logits are wanted go through the (large) output matrix.
    const int64_t outRows = allLogits ? n : 1;
    auto finalRows = b.activations(outRows, c.embedding);
    if (allLogits) {
        b.rmsNorm(*t.x, *m_outputNorm, c.rmsEpsilon, *finalRows);
    } else {
        auto lastRow = b.activations(1, c.embedding);
        b.copyRows(*t.x, n - 1, *lastRow);
        b.rmsNorm(*lastRow, *m_outputNorm, c.rmsEpsilon, *finalRows);
    }
    auto out = b.activations(outRows, c.vocabulary);
    b.matmul(*m_output, *finalRows, *out);
    logits.resize(size_t(outRows * c.vocabulary));
    for (int64_t r = 0; r < outRows; ++r) b.readRow(*out, r, std::span<float>(logits.data() + r * c.vocabulary, size_t(c.vocabulary)));
    if (c.logitScale != 0) {  // Granite: ggml scales by the reciprocal
        const float inverse = 1.0f / c.logitScale;
        for (float& l : logits) l *= inverse;
    }
    if (c.finalLogitSoftCap > 0) {  // ggml's order: scale by 1/cap, tanh, scale by cap
        const float cap = c.finalLogitSoftCap;
        for (float& l : logits) l = std::tanh(l * (1.0f / cap)) * cap;
    }
    m_file.checkIntact();  // weights read in place from a file that shrank are zeros, not a reply
}

}  // namespace hearth
