// A forward pass's working tensors, per backend: shared by the files that make up Model's
// forward pass (model.cpp, model_recurrent.cpp), not part of its interface.
#pragma once

#include "model/model.h"

namespace hearth {

// One backend's tensors for a forward pass (a split model has two sets).
struct Model::PassTensors {
    std::unique_ptr<Tensor> x;  // the residual stream
    std::unique_ptr<Tensor> normed, projected, postNormed;
    std::unique_ptr<ExpertWorkspace> experts;
    std::unique_ptr<Tensor> sharedGate, sharedUp, sharedOut;  // DeepSeek's shared experts
    std::unique_ptr<Tensor> sharedGateLogits, sharedScaled;  // Qwen3.5 MoE's gate on them
    std::unique_ptr<Tensor> denseOut, routerIn;  // Gemma 4: the dense feed-forward's part, the router's input
    // Latent attention: the low-rank query, the latent and rotated key, one head's slices.
    std::unique_ptr<Tensor> q, k, attended, qNormed;
    std::unique_ptr<Tensor> qA, qANormed, latentAndRope, latent, latentNormed, headNope, headLatent, headValue, values;
    // Per layer shape (Gemma 4's sliding and full layers differ): attention's and the feed-forward's.
    std::map<std::pair<int64_t, int64_t>, AttentionTensors> attention;
    std::map<int64_t, std::pair<std::unique_ptr<Tensor>, std::unique_ptr<Tensor>>> gateUp;
    // Gemma 4's per-layer inputs, one layer's slice of them, and the gated slice.
    std::unique_ptr<Tensor> perLayerInputs, perLayerSlice, perLayerGated;
    // Gated DeltaNet: the q|k|v projection and its convolution, the output gate, alpha, beta,
    // the rule's output and its gated norm (made by the first recurrent layer).
    std::unique_ptr<Tensor> deltaQkv, deltaConv, deltaZ, deltaAlpha, deltaBeta, deltaOut, deltaNormed;
};

struct Model::AttentionTensors {
    std::unique_ptr<Tensor> q, k, v, qNormed, kNormed, vNormed, attended;
    std::unique_ptr<Tensor> qAndGate, gate;  // Qwen3.5: each head's query and output gate, projected together
};

}  // namespace hearth
