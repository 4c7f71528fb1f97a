// Writes small random-weight GGUF models of the supported architectures with the project's
// GGUF writer, so engine tests (and benchmarks) do not depend on downloaded files.
#pragma once

#include "gguf/ggml_type.h"

#include <cstdint>
#include <string>

namespace hearth::test {

struct TestModelSpec {
    // "llama", "qwen2" (Q/K/V biases, neox RoPE), "qwen3" (per-head Q/K norms, neox RoPE), "gemma3"
    // (post-norms, Q/K norms, sliding-window layers: slidingWindow > 0, five of every six layers),
    // "qwen3moe" (qwen3 with a mixture of experts), "gpt-oss" (biases, attention sinks, every other
    // layer sliding: slidingWindow > 0, experts with biases), "deepseek2" (latent attention, a dense
    // first layer, a shared expert; deepSeekV3: a low-rank query, sigmoid routing with a bias in groups),
    // "gemma4" (E2B's layout: sliding layers, every third full with wider heads and no value
    // projection, shared KV layers from 4 layers on, per-layer embeddings; slidingWindow > 0),
    // "qwen35" (Gated DeltaNet layers, every fourth full attention with a gated output, 2 key and
    // 4 value heads of headDim in the linear layers, a multi-token-prediction layer the model
    // does not run), "qwen35moe" (qwen35 with experts and a gated shared expert)
    std::string architecture = "llama";
    GgmlType weightType = GgmlType::F32;  // for the matrices; norms and biases stay F32
    int64_t embedding = 256;
    int64_t layers = 2;
    int64_t heads = 4;
    int64_t kvHeads = 2;
    int64_t headDim = 0;  // 0: embedding / heads; Qwen3 files set it (attention.key_length) independently
    int64_t feedForward = 512;
    int64_t vocabulary = 320;  // at least 259 (<unk>, <s>, </s>, 256 byte tokens)
    int64_t context = 2048;
    bool tiedEmbeddings = false;  // no output.weight
    float ropeBase = 10000.0f;
    uint64_t seed = 1;
    float weightScale = 0.05f;  // weights ~ uniform(-scale, scale) * sqrt(3)-ish
    int64_t slidingWindow = 0;  // gemma3: attention.sliding_window
    std::string chatTemplate;  // tokenizer.chat_template ("" for none)
    // qwen3moe, gpt-oss: the experts, how many a token uses, their feed-forward size.
    int64_t experts = 8;
    int64_t expertsUsed = 2;
    int64_t expertFeedForward = 256;
    bool deepSeekV3 = false;
    bool gemma4Experts = false;
    // qwen35: the Gated DeltaNet layers' key and value heads and their size (0: 2, 4 and headDim).
    int64_t deltaKeyHeads = 0, deltaValueHeads = 0,
            deltaHeadDim = 0;  // gemma4: 26B-A4B's experts (fused gate/up, per-expert scales) beside the dense feed-forward
};

// Writes the model to path; throws hearth::Error on failure.
void writeTestModel(const std::string& path, const TestModelSpec& spec);

}  // namespace hearth::test
