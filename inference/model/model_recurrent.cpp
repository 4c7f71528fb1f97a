// Qwen3.5's Gated DeltaNet layers (llama.cpp's qwen35.cpp, build_layer_attn_linear): their
// weights, their step of the forward pass, and their recurrent state in a cache.
#include "model/model.h"
#include "model/pass_tensors.h"

#include "core/error.h"
#include "quant/dequantize.h"

#include <cmath>

namespace hearth {

void Model::bindDeltaNet(const std::string& p, LayerWeights& l)
{
    const ModelConfig& c = m_config;
    const int64_t heads = c.deltaValueHeads;
    l.deltaQkv = bind(p + "attn_qkv.weight", c.convChannels(), c.embedding);
    l.deltaGate = bind(p + "attn_gate.weight", c.deltaValueDim(), c.embedding);
    l.deltaAlpha = bind(p + "ssm_alpha.weight", heads, c.embedding);
    l.deltaBeta = bind(p + "ssm_beta.weight", heads, c.embedding);
    l.deltaNorm = bind(p + "ssm_norm.weight", 1, c.deltaHeadDim);
    l.deltaOut = bind(p + "ssm_out.weight", c.embedding, c.deltaValueDim());
    // Per-head constants as F32 on every backend, whatever the file stores.
    l.dtBias = ownWeight(p + "ssm_dt.bias", readVector(p + "ssm_dt.bias", heads));
    l.decay = ownWeight(p + "ssm_a", readVector(p + "ssm_a", heads));
    // The convolution's taps, [channels][kernel] in the file, as one F32 row (a few values per channel).
    const GgufTensorInfo* taps = m_file.findTensor(p + "ssm_conv1d.weight");
    if (!taps || taps->dims[0] != uint64_t(c.convKernel) || taps->dims[1] != uint64_t(c.convChannels()) || taps->dims[2] != 1)
        throw Error(ErrorCode::InvalidFile,
                    m_file.displayName() + ": tensor '" + p + "ssm_conv1d.weight' is missing or not [" + std::to_string(c.convKernel) +
                        ", " + std::to_string(c.convChannels()) + "]");
    std::vector<float> values(size_t(c.convKernel * c.convChannels()));
    const std::span<const uint8_t> bytes = m_file.tensorData(*taps);
    const size_t rowBytes = taps->byteSize / size_t(c.convChannels());
    for (int64_t ch = 0; ch < c.convChannels(); ++ch)
        dequantizeRow(taps->type, bytes.data() + size_t(ch) * rowBytes, values.data() + ch * c.convKernel, c.convKernel);
    l.convKernel = ownWeight(p + "ssm_conv1d.weight", std::move(values));
}

void Model::deltaNet(const LayerWeights& l, PassTensors& t, Backend& b, RecurrentState& state) const
{
    const ModelConfig& c = m_config;
    const int64_t n = t.x->rows();
    if (!t.deltaQkv) {
        t.deltaQkv = b.activations(n, c.convChannels());
        t.deltaConv = b.activations(n, c.convChannels());
        t.deltaZ = b.activations(n, c.deltaValueDim());
        t.deltaAlpha = b.activations(n, c.deltaValueHeads);
        t.deltaBeta = b.activations(n, c.deltaValueHeads);
        t.deltaOut = b.activations(n, c.deltaValueDim());
        t.deltaNormed = b.activations(n, c.deltaValueDim());
    }
    const Backend::MatmulTarget projections[] = {{l.deltaQkv.get(), t.deltaQkv.get()},
                                                 {l.deltaGate.get(), t.deltaZ.get()},
                                                 {l.deltaBeta.get(), t.deltaBeta.get()},
                                                 {l.deltaAlpha.get(), t.deltaAlpha.get()}};
    b.matmulSharedInput(*t.normed, projections);
    b.causalConv(*t.deltaQkv, *l.convKernel, state, *t.deltaConv);
    const DeltaRuleParams rule {c.deltaKeyHeads, c.deltaValueHeads, c.deltaHeadDim, c.rmsEpsilon};
    b.gatedDeltaRule(*t.deltaConv, *t.deltaAlpha, *t.deltaBeta, *l.dtBias, *l.decay, state, rule, *t.deltaOut);
    // The gated norm: each head normed (the weight is one head long), times silu(z).
    b.rmsNorm(*t.deltaOut, *l.deltaNorm, c.rmsEpsilon, *t.deltaNormed);
    b.swiglu(*t.deltaZ, *t.deltaNormed, *t.deltaNormed);
    b.matmul(*l.deltaOut, *t.deltaNormed, *t.projected);
}

void Model::addRecurrentStates(KvCache& cache) const
{
    const ModelConfig& c = m_config;
    for (int64_t i = 0; i < c.layers; ++i)
        if (c.isRecurrent(i)) cache.setRecurrent(i, layerBackend(i).recurrentState(c.convStateFloats(), c.deltaStateFloats()));
}

std::vector<float> Model::saveRecurrent(const KvCache& cache) const
{
    const ModelConfig& c = m_config;
    const auto conv = size_t(c.convStateFloats()), delta = size_t(c.deltaStateFloats());
    std::vector<float> saved;
    for (int64_t i = 0; i < c.layers; ++i) {
        const RecurrentState* s = cache.recurrent(i);
        if (!s) continue;
        const size_t at = saved.size();
        saved.resize(at + conv + delta);
        layerBackend(i).readState(*s, std::span(saved).subspan(at, conv), std::span(saved).subspan(at + conv, delta));
    }
    return saved;
}

void Model::restoreRecurrent(KvCache& cache, std::span<const float> saved) const
{
    const ModelConfig& c = m_config;
    const auto conv = size_t(c.convStateFloats()), delta = size_t(c.deltaStateFloats());
    const std::vector<float> zeros(saved.empty() ? conv + delta : 0, 0.0f);
    size_t at = 0;
    for (int64_t i = 0; i < c.layers; ++i) {
        RecurrentState* s = cache.recurrent(i);
        if (!s) continue;
        if (!saved.empty() && saved.size() < at + conv + delta)
            throw Error(ErrorCode::InvalidArgument, "restoreRecurrent: the saved state is too short for this model");
        const std::span<const float> from = saved.empty() ? std::span<const float>(zeros) : saved.subspan(at, conv + delta);
        layerBackend(i).writeState(*s, from.subspan(0, conv), from.subspan(conv, delta));
        at += conv + delta;
    }
}

}  // namespace hearth
