#include "model/model.h"
#include "model/pass_tensors.h"

#include "core/error.h"
#include "quant/dequantize.h"

#include <algorithm>
#include <array>
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
    if (m_file.findTensor(p + "ffn_gate_up_exps.weight")) {  // Gemma 4: one tensor, gate rows then up rows per expert
        l.expertGate = bindStacked(p + "ffn_gate_up_exps.weight", e, 2 * ff, c.embedding);
        l.expertGateUpFused = true;
    } else {
        l.expertGate = bindStacked(p + "ffn_gate_exps.weight", e, ff, c.embedding);
        l.expertUp = bindStacked(p + "ffn_up_exps.weight", e, ff, c.embedding);
    }
    l.expertDown = bindStacked(p + "ffn_down_exps.weight", e, c.embedding, ff);
    if (m_file.findTensor(p + "ffn_down_exps.scale")) l.expertOutputScale = readVector(p + "ffn_down_exps.scale", e);
    if (m_file.findTensor(p + "exp_probs_b.bias")) l.expertSelectionBias = readVector(p + "exp_probs_b.bias", e);
    if (c.architecture == "gpt-oss") {  // biases on the router and on every expert
        l.routerBias = bind(p + "ffn_gate_inp.bias", 1, e);
        l.expertGateBias = bind(p + "ffn_gate_exps.bias", e, ff);
        l.expertUpBias = bind(p + "ffn_up_exps.bias", e, ff);
        l.expertDownBias = bind(p + "ffn_down_exps.bias", e, c.embedding);
    }
}

std::unique_ptr<Tensor> Model::ownWeight(const std::string& name, std::vector<float> values, int64_t rows)
{
    std::vector<float>& kept = m_ownedValues.emplace_back(std::move(values));
    GgufTensorInfo info;
    info.name = name;  // only read while binding
    info.type = GgmlType::F32;
    info.dimCount = rows > 1 ? 2 : 1;
    info.dims = {uint64_t(kept.size()) / uint64_t(rows), uint64_t(rows), 1, 1};
    info.elementCount = kept.size();
    info.byteSize = kept.size() * sizeof(float);
    return m_bindOn->weight(info, std::span(reinterpret_cast<const uint8_t*>(kept.data()), info.byteSize));
}

const Tensor& Model::unitWeight(int64_t length)
{
    std::unique_ptr<Tensor>& w = m_unitWeights[{m_bindOn, length}];
    if (!w) w = ownWeight("ones", std::vector<float>(size_t(length), 1.0f));
    return *w;
}

void Model::bindAttention(int64_t i, const std::string& p, LayerWeights& l)
{
    const ModelConfig& c = m_config;
    const int64_t qDim = c.qDimAt(i), kvDim = c.kvDimAt(i), headDim = c.headDimAt(i);
    const bool ownCache = i < c.cacheLayers();  // Gemma 4's shared layers read another layer's keys and values
    if (c.latentAttention) {
        bindLatentAttention(p, l);
    } else if (c.fusedQkv) {
        const int64_t total = qDim + 2 * kvDim;
        l.wq = bindRows(p + "attn_qkv.weight", total, 0, qDim, c.embedding);
        l.wk = bindRows(p + "attn_qkv.weight", total, qDim, kvDim, c.embedding);
        l.wv = bindRows(p + "attn_qkv.weight", total, qDim + kvDim, kvDim, c.embedding);
    } else {
        l.wq = bind(p + "attn_q.weight", c.attentionOutputGate ? 2 * qDim : qDim, c.embedding);
        if (ownCache) {
            l.wk = bind(p + "attn_k.weight", kvDim, c.embedding);
            // Gemma 4's full layers may have no value projection: the values are the keys' projection.
            l.wv = bind(p + "attn_v.weight", kvDim, c.embedding, c.architecture != "gemma4");
        }
    }
    if (!c.latentAttention) {
        l.bq = bind(p + "attn_q.bias", 1, qDim, c.attentionBias);
        l.bk = bind(p + "attn_k.bias", 1, kvDim, c.attentionBias);
        l.bv = bind(p + "attn_v.bias", 1, kvDim, c.attentionBias);
    }
    if (c.qkNorm) {
        l.qNorm = bind(p + "attn_q_norm.weight", 1, headDim);
        if (ownCache) l.kNorm = bind(p + "attn_k_norm.weight", 1, headDim);
    }
    if (c.valueNorm && ownCache) l.valueNorm = &unitWeight(headDim);
    l.wo = bind(p + "attn_output.weight", c.embedding, c.latentAttention ? c.heads * c.valueHeadDim : qDim);
    l.bo = bind(p + "attn_output.bias", 1, c.embedding, false);
    if (c.postNorms) l.attnPostNorm = bind(p + "post_attention_norm.weight", 1, c.embedding);
}

void Model::bindFeedForward(int64_t i, const std::string& p, LayerWeights& l)
{
    const ModelConfig& c = m_config;
    const int64_t ff = c.feedForwardAt(i);
    if (c.architecture == "gpt-oss" || c.recurrentLayers.size() > 0) {  // its norm before the feed-forward is named "post attention"
        l.ffnNorm = bind(p + "post_attention_norm.weight", 1, c.embedding);
    } else {
        l.ffnNorm = bind(p + "ffn_norm.weight", 1, c.embedding);
    }
    // Gemma 4's mixture layers run a dense feed-forward beside the experts.
    const bool dense = !c.isExpertLayer(i) || c.architecture == "gemma4";
    if (c.isExpertLayer(i)) {
        m_bindOn = &expertBackend(i);
        bindExperts(p, l);
        m_bindOn = &layerBackend(i);
        if (c.sharedExperts > 0) {  // DeepSeek's shared experts: read for every token, so with the layer
            const int64_t shared = c.sharedWidth();
            l.sharedGate = bind(p + "ffn_gate_shexp.weight", shared, c.embedding);
            l.sharedUp = bind(p + "ffn_up_shexp.weight", shared, c.embedding);
            l.sharedDown = bind(p + "ffn_down_shexp.weight", c.embedding, shared);
            if (m_file.findTensor(p + "ffn_gate_inp_shexp.weight")) {
                std::vector<float> gate = readVector(p + "ffn_gate_inp_shexp.weight", c.embedding);
                gate.resize(size_t(2 * c.embedding), 0.0f);
                l.sharedExpertGate = ownWeight(p + "ffn_gate_inp_shexp.weight", std::move(gate), 2);
            }
        }
        if (dense) {
            // Gemma 4's router reads rms_norm(x) / sqrt(embedding) * scale: one norm, with the product
            // as its weight, run where the layer runs (the router's input is made there).
            std::vector<float> scale = readVector(p + "ffn_gate_inp.scale", c.embedding);
            const float inverseRoot = 1.0f / std::sqrt(float(c.embedding));
            for (float& v : scale) v *= inverseRoot;
            l.routerInputNorm = ownWeight(p + "router_input_norm", std::move(scale));
            l.ffnPostNorm1 = bind(p + "post_ffw_norm_1.weight", 1, c.embedding);
            l.ffnPreNorm2 = bind(p + "pre_ffw_norm_2.weight", 1, c.embedding);
            l.ffnPostNorm2 = bind(p + "post_ffw_norm_2.weight", 1, c.embedding);
        }
    }
    if (dense) {
        if (c.fusedGateUp) {  // ggml's swiglu of the fused output: silu(first half) * second half
            l.ffnGate = bindRows(p + "ffn_up.weight", 2 * ff, 0, ff, c.embedding);
            l.ffnUp = bindRows(p + "ffn_up.weight", 2 * ff, ff, ff, c.embedding);
        } else {
            l.ffnGate = bind(p + "ffn_gate.weight", ff, c.embedding);
            l.ffnUp = bind(p + "ffn_up.weight", ff, c.embedding);
        }
        l.ffnDown = bind(p + "ffn_down.weight", c.embedding, ff);
        l.bGate = bind(p + "ffn_gate.bias", 1, ff, false);
        l.bUp = bind(p + "ffn_up.bias", 1, ff, false);
        l.bDown = bind(p + "ffn_down.bias", 1, c.embedding, false);
    }
    if (c.postNorms) l.ffnPostNorm = bind(p + "post_ffw_norm.weight", 1, c.embedding);
    if (c.perLayerEmbedding > 0) {
        l.perLayerGate = bind(p + "inp_gate.weight", c.perLayerEmbedding, c.embedding);
        l.perLayerProj = bind(p + "proj.weight", c.embedding, c.perLayerEmbedding);
        l.perLayerPostNorm = bind(p + "post_norm.weight", 1, c.embedding);
    }
    if (m_file.findTensor(p + "layer_output_scale.weight")) l.outputScale = readVector(p + "layer_output_scale.weight", 1)[0];
}

namespace {

// The side a file's tensor runs on under a placement: the layer's (its experts' for expert
// tensors), the first layer's for the embedding table, the last's (the device's) for the output.
bool runsOnHost(std::string_view name, const ModelConfig& c, const ModelPlacement& p)
{
    // Gemma 4's per-layer embedding table is read a few rows per token straight from the mapped
    // file: it never goes to a device (a quarter of E2B/E4B's bytes).
    if (name == "per_layer_token_embd.weight") return true;
    if (!p.host) return false;
    if (name.rfind("blk.", 0) == 0) {
        const int64_t layer = std::atoll(std::string(name.substr(4)).c_str());
        const bool expert = name.find("_exps") != std::string_view::npos || name.find("ffn_gate_inp") != std::string_view::npos;
        return layer < p.hostLayers || (expert && layer < p.hostExpertLayers);
    }
    if (name.rfind("token_embd", 0) == 0 || name.rfind("per_layer_", 0) == 0) return p.hostLayers > 0;
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
        where.hostLayers = c.validHostLayers(where.hostLayers);
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
    if (c.perLayerEmbedding > 0) {  // with the token embedding, on the first layer's side
        m->m_bindOn = &m->layerBackend(0);
        const int64_t width = c.layers * c.perLayerEmbedding;
        m->m_perLayerTable = m->m_file.findTensor("per_layer_token_embd.weight");
        const GgufTensorInfo* table = m->m_perLayerTable;
        if (!table || table->dims[0] != uint64_t(width) || table->dims[1] != uint64_t(c.vocabulary) || table->dims[2] != 1)
            throw Error(ErrorCode::InvalidFile,
                        m->m_file.displayName() + ": tensor 'per_layer_token_embd.weight' is missing or not [" + std::to_string(width) +
                            ", " + std::to_string(c.vocabulary) + "]");
        m->m_perLayerModelProj = m->bind("per_layer_model_proj.weight", width, c.embedding);
        m->m_perLayerProjNorm = m->bind("per_layer_proj_norm.weight", 1, c.perLayerEmbedding);
    }

    m->m_layers.resize(size_t(c.layers));
    for (int64_t i = 0; i < c.layers; ++i) {
        const std::string p = "blk." + std::to_string(i) + ".";
        LayerWeights& l = m->m_layers[size_t(i)];
        m->m_bindOn = &m->layerBackend(i);
        l.attnNorm = m->bind(p + "attn_norm.weight", 1, c.embedding);
        if (c.isRecurrent(i)) {
            m->bindDeltaNet(p, l);
        } else {
            m->bindAttention(i, p, l);
        }
        if (c.architecture == "gpt-oss") l.sinks = m->readVector(p + "attn_sinks.weight", c.heads);
        m->bindFeedForward(i, p, l);
    }
    m->m_file.checkIntact();  // a backend that copied the weights may have copied zeros
    return m;
}

RopeParams Model::ropeParams(int64_t layer, int64_t contextLength) const
{
    RopeParams r;
    const bool sliding = m_config.isSliding(layer);
    r.headDim = m_config.headDimAt(layer);
    r.ropeDims = m_config.ropeDimsAt(layer);
    r.base = sliding ? m_config.ropeBaseSliding : m_config.ropeBase;
    r.freqScale = sliding ? m_config.ropeFreqScaleSliding : m_config.ropeFreqScale;
    r.neox = m_config.ropeStyle == RopeStyle::NeoX;
    r.freqFactors = m_ropeFreqFactors.empty() || (sliding && m_config.ropeFactorsOnFullLayersOnly) ? nullptr : m_ropeFreqFactors.data();
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
    const int64_t headDim = c.headDimAt(layer);
    AttentionParams a {c.heads, c.kvHeadsAt(layer), headDim, c.attentionScale > 0 ? c.attentionScale : 1.0f / std::sqrt(float(headDim))};
    a.softCap = c.attentionSoftCap;
    a.window = c.isSliding(layer) ? c.slidingWindow : 0;
    return a;
}

namespace {

// A split model's KV cache: the host's layers in one backend's cache, the device's in another's.
class SplitKvCache : public KvCache {
public:
    SplitKvCache(std::unique_ptr<KvCache> hostPart, std::unique_ptr<KvCache> devicePart, int64_t layersOnHost, int64_t slots, int64_t kvDim,
                 std::span<const int64_t> layerSlots, std::span<const int64_t> layerKvDims)
        : KvCache(layersOnHost + devicePart->layers(), slots, kvDim, layerSlots, false, layerKvDims), host(std::move(hostPart)),
          device(std::move(devicePart)), hostLayers(layersOnHost)
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
    // Only the layers with a cache of their own (Gemma 4's shared layers read theirs).
    const int64_t layers = c.cacheLayers();
    const std::vector<int64_t> dims = c.cacheLayerKvDims();
    const std::span<const int64_t> layerDims(dims);
    const int64_t hostLayers = m_placement.host ? std::min(m_placement.hostLayers, layers) : 0;
    const bool keysOnly = c.valuesInKeys();
    if (hostLayers == 0) {
        auto cache = m_backend->kvCache(layers, slots, c.kvDim(), f16, layerSlots, keysOnly, layerDims);
        addRecurrentStates(*cache);
        return cache;
    }
    const auto split = std::min<size_t>(size_t(hostLayers), layerSlots.size());
    auto host = m_placement.host->kvCache(hostLayers, slots, c.kvDim(), f16, layerSlots.subspan(0, split), keysOnly,
                                          layerDims.subspan(0, size_t(hostLayers)));
    std::unique_ptr<KvCache> device = hostLayers < layers
        ? m_backend->kvCache(layers - hostLayers, slots, c.kvDim(), f16, layerSlots.subspan(split), keysOnly,
                             layerDims.subspan(size_t(hostLayers)))
        : nullptr;
    std::unique_ptr<KvCache> cache = device
        ? std::make_unique<SplitKvCache>(std::move(host), std::move(device), hostLayers, slots, c.kvDim(), layerSlots, layerDims)
        : std::move(host);
    addRecurrentStates(*cache);
    return cache;
}

void Model::shiftKv(KvCache& cache, int64_t keep, int64_t discard, int64_t used) const
{
    std::vector<RopeParams> rope = layerRopeParams(cache.slotCount());
    rope.resize(size_t(m_config.cacheLayers()));  // the cached layers' rotations
    if (auto* split = dynamic_cast<SplitKvCache*>(&cache)) {
        const auto hostLayers = size_t(split->hostLayers);
        m_placement.host->shiftKv(*split->host, keep, discard, used, std::span(rope).subspan(0, hostLayers));
        m_backend->shiftKv(*split->device, keep, discard, used, std::span(rope).subspan(hostLayers));
        return;
    }
    layerBackend(0).shiftKv(cache, keep, discard, used, rope);
}

Model::AttentionTensors& Model::attentionTensors(PassTensors& t, Backend& b, int64_t n, int64_t layer) const
{
    const ModelConfig& c = m_config;
    const int64_t qDim = c.qDimAt(layer), kvDim = c.kvDimAt(layer);
    AttentionTensors& a = t.attention[{qDim, kvDim}];
    if (a.q) return a;
    a.q = b.activations(n, qDim);
    a.k = b.activations(n, kvDim);
    a.v = b.activations(n, kvDim);
    a.attended = b.activations(n, qDim);
    if (c.qkNorm) {
        a.qNormed = b.activations(n, qDim);
        a.kNormed = b.activations(n, kvDim);
    }
    if (c.valueNorm) a.vNormed = b.activations(n, kvDim);
    if (c.attentionOutputGate) {
        a.qAndGate = b.activations(n, 2 * qDim);
        a.gate = b.activations(n, qDim);
    }
    return a;
}

Model::PassTensors& Model::passTensors(std::map<const Backend*, PassTensors>& all, Backend& b, int64_t n) const
{
    PassTensors& t = all[&b];
    if (t.x) return t;
    const ModelConfig& c = m_config;
    t.x = b.activations(n, c.embedding);
    t.normed = b.activations(n, c.embedding);
    if (c.latentAttention) {
        t.q = b.activations(n, c.heads * (c.qkNopeDim + c.ropeDims));
        t.k = b.activations(n, c.kvDim());
        t.attended = b.activations(n, c.qDim());
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
    t.projected = b.activations(n, c.embedding);
    if (c.postNorms || c.perLayerEmbedding > 0) t.postNormed = b.activations(n, c.embedding);
    if (c.isMixtureOfExperts()) t.experts = std::make_unique<ExpertWorkspace>(b, c, n);
    if (c.sharedExperts > 0) {
        t.sharedGate = b.activations(n, c.sharedWidth());
        t.sharedUp = b.activations(n, c.sharedWidth());
        t.sharedOut = b.activations(n, c.embedding);
        t.sharedGateLogits = b.activations(n, 2);
        t.sharedScaled = b.activations(n, c.embedding);
    }
    if (c.isMixtureOfExperts() && c.architecture == "gemma4") {
        t.denseOut = b.activations(n, c.embedding);
        t.routerIn = b.activations(n, c.embedding);
    }
    if (c.perLayerEmbedding > 0) {
        t.perLayerInputs = b.activations(n, c.layers * c.perLayerEmbedding);
        t.perLayerSlice = b.activations(n, c.perLayerEmbedding);
        t.perLayerGated = b.activations(n, c.perLayerEmbedding);
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

void Model::selfAttention(const LayerWeights& l, PassTensors& t, Backend& b, KvCache& cache, int64_t cacheLayer, int64_t layer,
                          int64_t firstSlot, std::span<const int32_t> positions, const RopeParams& rope) const
{
    const ModelConfig& c = m_config;
    AttentionTensors& a = attentionTensors(t, b, t.x->rows(), layer);
    const int64_t headDim = c.headDimAt(layer);
    // The query, key and value projections of the same normed input, as one request.
    std::array<Backend::MatmulTarget, 3> projections {{{l.wq.get(), a.qAndGate ? a.qAndGate.get() : a.q.get()}}};
    size_t projectionCount = 1;
    if (l.wk) projections[projectionCount++] = {l.wk.get(), a.k.get()};
    if (l.wk && l.wv) projections[projectionCount++] = {l.wv.get(), a.v.get()};
    b.matmulSharedInput(*t.normed, std::span(projections.data(), projectionCount));
    if (a.qAndGate) {  // per head [query | gate]: taken apart
        b.copyColumns(*a.qAndGate, *a.q, {headDim, 0, 2 * headDim, 0, headDim, c.heads});
        b.copyColumns(*a.qAndGate, *a.gate, {headDim, headDim, 2 * headDim, 0, headDim, c.heads});
    }
    if (l.bq) b.addBias(*a.q, *l.bq);
    Tensor* queries = a.q.get();
    if (l.qNorm) {  // each head normalized on its own (the weight is one head long)
        b.rmsNorm(*a.q, *l.qNorm, c.rmsEpsilon, *a.qNormed);
        queries = a.qNormed.get();
    }
    if (rope.ropeDims > 0) b.rope(*queries, positions, rope);
    if (l.wk) {  // this layer's own keys and values (Gemma 4's shared layers read an earlier layer's)
        if (l.bk) b.addBias(*a.k, *l.bk);
        Tensor* values = a.k.get();  // Gemma 4's full layers without a value projection
        if (l.wv) {
            if (l.bv) b.addBias(*a.v, *l.bv);
            values = a.v.get();
        }
        if (l.valueNorm) {
            b.rmsNorm(*values, *l.valueNorm, c.rmsEpsilon, *a.vNormed);
            values = a.vNormed.get();
        }
        Tensor* keys = a.k.get();
        if (l.kNorm) {
            b.rmsNorm(*a.k, *l.kNorm, c.rmsEpsilon, *a.kNormed);
            keys = a.kNormed.get();
        }
        if (rope.ropeDims > 0) {
            b.storeRotatedKv(cache, cacheLayer, *keys, *values, firstSlot, positions, rope);
        } else {
            b.storeKv(cache, cacheLayer, *keys, *values, firstSlot);
        }
    }
    AttentionParams attention = attentionParams(layer);
    if (!l.sinks.empty()) attention.sinks = l.sinks.data();
    b.attention(*queries, cache, cacheLayer, firstSlot, attention, *a.attended);
    if (a.gate) b.sigmoidGate(*a.gate, *a.attended, *a.attended);
    b.matmul(*l.wo, *a.attended, *t.projected);
    if (l.bo) b.addBias(*t.projected, *l.bo);
}

void Model::denseFeedForward(const LayerWeights& l, PassTensors& t, Backend& b, int64_t layer) const
{
    const ModelConfig& c = m_config;
    const int64_t ff = c.feedForwardAt(layer), n = t.x->rows();
    auto& [gate, up] = t.gateUp[ff];
    if (!gate) {
        gate = b.activations(n, ff);
        up = b.activations(n, ff);
    }
    const Backend::MatmulTarget gateAndUp[] = {{l.ffnGate.get(), gate.get()}, {l.ffnUp.get(), up.get()}};
    b.matmulSharedInput(*t.normed, gateAndUp);
    if (l.bGate) b.addBias(*gate, *l.bGate);
    if (l.bUp) b.addBias(*up, *l.bUp);
    if (c.activation == FeedForwardActivation::GeluTanh) {
        b.geglu(*gate, *up, *gate);
    } else {
        b.swiglu(*gate, *up, *gate);
    }
    b.matmul(*l.ffnDown, *gate, *t.projected);
    if (l.bDown) b.addBias(*t.projected, *l.bDown);
}

void Model::perLayerInputs(std::span<const TokenId> tokens, PassTensors& t, Backend& b) const
{
    // llama.cpp's gemma4.cpp (build_inp_per_layer, project_per_layer_inputs), in its order.
    const ModelConfig& c = m_config;
    const int64_t n = t.x->rows(), width = c.layers * c.perLayerEmbedding;
    auto rows = b.activations(n, width), projected = b.activations(n, width);
    // The table's rows from the mapped file on the host (it stays off any device), then to the backend.
    std::vector<float> values(size_t(n * width));
    const size_t rowBytes = m_perLayerTable->byteSize / size_t(c.vocabulary);
    const std::span<const uint8_t> table = m_file.tensorData(*m_perLayerTable);
    for (int64_t row = 0; row < n; ++row) {
        const TokenId id = tokens[size_t(row)];
        if (id < 0 || id >= c.vocabulary)
            throw Error(ErrorCode::InvalidArgument, "token id " + std::to_string(id) + " is outside the vocabulary");
        dequantizeRow(m_perLayerTable->type, table.data() + size_t(id) * rowBytes, values.data() + row * width, width);
    }
    b.writeRows(*rows, values);
    b.scale(*rows, std::sqrt(float(c.perLayerEmbedding)));
    b.matmul(*m_perLayerModelProj, *t.x, *projected);
    b.scale(*projected, 1.0f / std::sqrt(float(c.embedding)));
    b.rmsNorm(*projected, *m_perLayerProjNorm, c.rmsEpsilon, *t.perLayerInputs);  // each layer's slice on its own
    b.add(*t.perLayerInputs, *rows, *t.perLayerInputs);
    b.scale(*t.perLayerInputs, 1.0f / std::sqrt(2.0f));
}

void Model::forward(std::span<const TokenId> tokens, int64_t firstSlot, KvCache& cache, bool allLogits, std::vector<float>& logits) const
{
    run(tokens, firstSlot, cache, allLogits, [&](Backend& b, const Tensor& out) {
        const int64_t vocabulary = m_config.vocabulary;
        logits.resize(size_t(out.rows() * vocabulary));
        for (int64_t r = 0; r < out.rows(); ++r) b.readRow(out, r, std::span<float>(logits.data() + r * vocabulary, size_t(vocabulary)));
        if (m_config.logitScale != 0 || m_config.finalLogitSoftCap > 0)
            for (float& l : logits) l = finalLogit(l);
    });
}

void Model::forwardBest(std::span<const TokenId> tokens, int64_t firstSlot, KvCache& cache, int64_t count,
                        std::vector<LogitCandidate>& best) const
{
    run(tokens, firstSlot, cache, false, [&](Backend& b, const Tensor& out) {
        best = b.bestOfRow(out, 0, count);
        if (m_config.logitScale != 0 || m_config.finalLogitSoftCap > 0) {
            for (LogitCandidate& c : best) c.logit = finalLogit(c.logit);
            std::sort(best.begin(), best.end(), betterCandidate);
        }
    });
}

float Model::finalLogit(float l) const
{
    if (m_config.logitScale != 0) l *= 1.0f / m_config.logitScale;  // Granite: ggml scales by the reciprocal
    if (const float cap = m_config.finalLogitSoftCap; cap > 0) l = std::tanh(l * (1.0f / cap)) * cap;  // ggml: 1/cap, tanh, cap
    return l;
}

void Model::run(std::span<const TokenId> tokens, int64_t firstSlot, KvCache& cache, bool allLogits,
                const std::function<void(Backend&, const Tensor&)>& read) const
{
    const ModelConfig& c = m_config;
    const int64_t n = int64_t(tokens.size());
    if (n == 0) throw Error(ErrorCode::InvalidArgument, "forward: no tokens");
    if (firstSlot + n > cache.slotCount())
        throw Error(ErrorCode::InvalidArgument,
                    "forward: " + std::to_string(firstSlot + n) + " tokens do not fit a context of " + std::to_string(cache.slotCount()));

    for (int64_t i = 0; i < c.cacheLayers(); ++i)
        if (cache.layerSlots(i) < cache.slotCount() && n > cache.layerSlots(i) - c.slidingWindow)
            throw Error(ErrorCode::InvalidArgument,
                        "forward: " + std::to_string(n) + " tokens at once do not fit layer " + std::to_string(i) +
                            "'s sliding-window cache of " + std::to_string(cache.layerSlots(i)) + " slots");
    for (int64_t i = 0; i < c.layers; ++i)
        if (c.isRecurrent(i) && !cache.recurrent(i))
            throw Error(ErrorCode::InvalidArgument,
                        "forward: the cache has no recurrent state for layer " + std::to_string(i) +
                            " (a hybrid model's cache comes from Model::makeKvCache)");
    // A sequence that starts over starts its recurrent layers from zero (a KV cache needs no
    // clearing: its slots are overwritten before they are read).
    if (firstSlot == 0 && cache.hasRecurrent()) restoreRecurrent(cache, {});
    std::vector<int32_t> positions(static_cast<size_t>(n));
    for (int64_t t = 0; t < n; ++t) positions[size_t(t)] = int32_t(firstSlot + t);
    const std::vector<RopeParams> rope = layerRopeParams(cache.slotCount());
    auto* split = dynamic_cast<SplitKvCache*>(&cache);

    std::map<const Backend*, PassTensors> sides;
    Backend* current = &layerBackend(0);
    current->getRows(*m_tokenEmbedding, tokens, *passTensors(sides, *current, n).x);
    if (c.embeddingScale != 1.0f) current->scale(*sides[current].x, c.embeddingScale);
    if (m_perLayerTable) perLayerInputs(tokens, sides[current], *current);
    for (int64_t i = 0; i < c.layers; ++i) {
        const LayerWeights& l = m_layers[size_t(i)];
        Backend& b = layerBackend(i);
        PassTensors& t = passTensors(sides, b, n);
        if (&b != current) {  // the residual stream (and Gemma 4's per-layer inputs) cross to the other side of the split
            transfer(*current, *sides[current].x, b, *t.x);
            if (t.perLayerInputs) transfer(*current, *sides[current].perLayerInputs, b, *t.perLayerInputs);
            current = &b;
        }
        const int64_t cacheLayerIndex = c.cacheLayerOf(i);
        auto [layerCache, cacheLayer] = split ? split->part(cacheLayerIndex) : std::pair {&cache, cacheLayerIndex};
        // Attention block.
        b.rmsNorm(*t.x, *l.attnNorm, c.rmsEpsilon, *t.normed);
        if (c.latentAttention) {
            latentAttention(l, t, b, *layerCache, cacheLayer, firstSlot, positions, rope[size_t(i)], attentionParams(i));
            b.matmul(*l.wo, *t.values, *t.projected);
            addToResidual(b, t, nullptr);
        } else {
            if (c.isRecurrent(i)) {
                deltaNet(l, t, b, *cache.recurrent(i));
            } else {
                selfAttention(l, t, b, *layerCache, cacheLayer, i, firstSlot, positions, rope[size_t(i)]);
            }
            addToResidual(b, t, l.attnPostNorm.get());
        }
        // Feed-forward block (SwiGLU, or GeGLU for Gemma), or a mixture of experts.
        b.rmsNorm(*t.x, *l.ffnNorm, c.rmsEpsilon, *t.normed);
        if (c.isExpertLayer(i)) {
            const Tensor* routerInput = t.normed.get();
            if (l.ffnGate) {  // Gemma 4: a dense feed-forward beside the experts, each normed on its way in and out
                denseFeedForward(l, t, b, i);
                b.rmsNorm(*t.projected, *l.ffnPostNorm1, c.rmsEpsilon, *t.denseOut);
                b.rmsNorm(*t.x, *l.routerInputNorm, c.rmsEpsilon, *t.routerIn);
                b.rmsNorm(*t.x, *l.ffnPreNorm2, c.rmsEpsilon, *t.normed);
                routerInput = t.routerIn.get();
            }
            Backend& eb = expertBackend(i);
            if (&eb == &b) {
                mixtureOfExperts(l, *routerInput, *t.normed, *t.experts, *t.projected);
            } else {  // this layer's experts on the other side: its inputs there, the mix back
                PassTensors& e = passTensors(sides, eb, n);
                transfer(b, *t.normed, eb, *e.normed);
                const Tensor* remoteRouterInput = e.normed.get();
                if (routerInput != t.normed.get()) {
                    transfer(b, *routerInput, eb, *e.routerIn);
                    remoteRouterInput = e.routerIn.get();
                }
                mixtureOfExperts(l, *remoteRouterInput, *e.normed, *e.experts, *e.projected);
                transfer(eb, *e.projected, b, *t.projected);
            }
            if (l.sharedGate) {  // DeepSeek's shared experts, added to the routed ones' mix
                const Backend::MatmulTarget sharedGateAndUp[] = {{l.sharedUp.get(), t.sharedUp.get()},
                                                                 {l.sharedGate.get(), t.sharedGate.get()}};
                b.matmulSharedInput(*t.normed, sharedGateAndUp);
                b.swiglu(*t.sharedGate, *t.sharedUp, *t.sharedGate);
                b.matmul(*l.sharedDown, *t.sharedGate, *t.sharedOut);
                if (l.sharedExpertGate) {  // Qwen3.5 MoE: scaled by sigmoid(gate . x) per token
                    b.matmul(*l.sharedExpertGate, *t.normed, *t.sharedGateLogits);
                    std::vector<float> gates(static_cast<size_t>(n)), row(2);
                    for (int64_t r = 0; r < n; ++r) {
                        b.readRow(*t.sharedGateLogits, r, row);
                        gates[size_t(r)] = 1.0f / (1.0f + std::exp(-row[0]));
                    }
                    b.weightedRowSum(*t.sharedOut, gates, 1, *t.sharedScaled);
                    b.add(*t.projected, *t.sharedScaled, *t.projected);
                } else {
                    b.add(*t.projected, *t.sharedOut, *t.projected);
                }
            }
            if (l.ffnGate) {  // Gemma 4: the experts' mix normed, then the two parts summed
                b.rmsNorm(*t.projected, *l.ffnPostNorm2, c.rmsEpsilon, *t.normed);
                b.add(*t.denseOut, *t.normed, *t.projected);
            }
            addToResidual(b, t, l.ffnPostNorm.get());
        } else {
            denseFeedForward(l, t, b, i);
            addToResidual(b, t, l.ffnPostNorm.get());
        }
        if (l.perLayerGate) {  // Gemma 4's per-layer embedding: gated by the stream, projected back into it
            b.matmul(*l.perLayerGate, *t.x, *t.perLayerGated);
            b.copyColumns(*t.perLayerInputs, *t.perLayerSlice, {c.perLayerEmbedding, i * c.perLayerEmbedding, 0, 0, 0, 1});
            b.geglu(*t.perLayerGated, *t.perLayerSlice, *t.perLayerGated);
            b.matmul(*l.perLayerProj, *t.perLayerGated, *t.projected);
            addToResidual(b, t, l.perLayerPostNorm.get());
        }
        if (l.outputScale != 0) b.scale(*t.x, l.outputScale);
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
    read(b, *out);
    m_file.checkIntact();  // weights read in place from a file that shrank are zeros, not a reply
}

}  // namespace hearth
