#include "test_model_writer.h"

#include "gguf/gguf_writer.h"
#include "quant/quantize_reference.h"

#include <cmath>
#include <random>
#include <vector>

namespace hearth::test {

namespace {

class RandomTensors {
public:
    explicit RandomTensors(uint64_t seed) : m_rng(seed) { }

    std::vector<float> values(int64_t n, float scale, float mean = 0.0f)
    {
        std::uniform_real_distribution<float> dist(-scale, scale);
        std::vector<float> v(static_cast<size_t>(n));
        for (auto& x : v) x = mean + dist(m_rng);
        return v;
    }

private:
    std::mt19937_64 m_rng;
};

// Rows that are not whole K-quant super-blocks (e.g. Qwen2.5-0.5B's 896) get the type llama.cpp
// falls back to for them.
GgmlType typeForRow(GgmlType type, int64_t cols)
{
    if (ggmlTypeTraits(type).blockElements != 256 || cols % 256 == 0) return type;
    switch (type) {
    case GgmlType::Q5_K: return GgmlType::Q5_1;
    case GgmlType::Q6_K: return GgmlType::Q8_0;
    default: return GgmlType::Q5_0;
    }
}

void addTensor(GgufWriter& w, const std::string& name, GgmlType requested, int64_t rows, int64_t cols, const std::vector<float>& values)
{
    const GgmlType type = typeForRow(requested, cols);
    auto bytes = quantizeReference(type, values.data(), rows * cols);
    std::vector<uint64_t> dims =
        rows == 1 ? std::vector<uint64_t> {uint64_t(cols)} : std::vector<uint64_t> {uint64_t(cols), uint64_t(rows)};
    w.addTensor(name, type, dims, bytes);
}

// Experts' matrices stacked [experts][rows][cols], as mixture-of-experts files store them.
void addStacked(GgufWriter& w, const std::string& name, GgmlType requested, int64_t experts, int64_t rows, int64_t cols,
                const std::vector<float>& values)
{
    const GgmlType type = typeForRow(requested, cols);
    const std::vector<uint64_t> dims = {uint64_t(cols), uint64_t(rows), uint64_t(experts)};
    w.addTensor(name, type, dims, quantizeReference(type, values.data(), experts * rows * cols));
}

void addVocabulary(GgufWriter& w, int64_t size)
{
    GgufArrayBuilder tokens(GgufValueType::String), scores(GgufValueType::Float32), types(GgufValueType::Int32);
    auto add = [&](const std::string& piece, float score, int type) {
        tokens.addString(piece);
        scores.addFloat(score);
        types.addInt(type);
    };
    add("<unk>", 0, 2);
    add("<s>", 0, 3);
    add("</s>", 0, 3);
    const char* hex = "0123456789ABCDEF";
    for (int b = 0; b < 256; ++b) add(std::string("<0x") + hex[b >> 4] + hex[b & 15] + ">", 0, 6);
    for (int64_t i = 259; i < size; ++i) add("\xE2\x96\x81w" + std::to_string(i - 259), -float(i), 1);
    w.addString("tokenizer.ggml.model", "llama");
    w.addArray("tokenizer.ggml.tokens", tokens);
    w.addArray("tokenizer.ggml.scores", scores);
    w.addArray("tokenizer.ggml.token_type", types);
    w.addInt("tokenizer.ggml.bos_token_id", GgufValueType::UInt32, 1);
    w.addInt("tokenizer.ggml.eos_token_id", GgufValueType::UInt32, 2);
    w.addInt("tokenizer.ggml.unknown_token_id", GgufValueType::UInt32, 0);
}

// Gemma 4 (E2B's layout): sliding layers with headDim-wide heads, every third layer full with
// heads twice as wide, one KV head and no value projection; from 4 layers on, the layers after
// the third read the caches of layers 1 and 2; per-layer token embeddings 32 wide; proportional
// RoPE on the full layers; a scale on each layer's output.
void writeGemma4(GgufWriter& w, const TestModelSpec& s, int64_t headDim, RandomTensors& random)
{
    const std::string a = "gemma4.";
    const int64_t full = 2 * headDim, ple = 32, shared = s.layers >= 4 ? s.layers - 3 : 0;
    auto isFull = [](int64_t i) { return (i + 1) % 3 == 0; };
    GgufArrayBuilder pattern(GgufValueType::Bool), kvHeads(GgufValueType::UInt32);
    for (int64_t i = 0; i < s.layers; ++i) {
        pattern.addInt(isFull(i) ? 0 : 1);
        kvHeads.addInt(isFull(i) ? 1 : s.kvHeads);
    }
    w.addArray(a + "attention.sliding_window_pattern", pattern);
    w.addArray(a + "attention.head_count_kv", kvHeads);
    w.addInt(a + "attention.key_length", GgufValueType::UInt32, full);
    w.addInt(a + "attention.value_length", GgufValueType::UInt32, full);
    w.addInt(a + "attention.key_length_swa", GgufValueType::UInt32, headDim);
    w.addInt(a + "attention.value_length_swa", GgufValueType::UInt32, headDim);
    w.addInt(a + "rope.dimension_count", GgufValueType::UInt32, full);
    w.addInt(a + "rope.dimension_count_swa", GgufValueType::UInt32, headDim);
    w.addFloat(a + "rope.freq_base_swa", GgufValueType::Float32, 10000.0);
    w.addInt(a + "attention.shared_kv_layers", GgufValueType::UInt32, shared);
    w.addInt(a + "embedding_length_per_layer_input", GgufValueType::UInt32, ple);
    w.addFloat(a + "final_logit_softcapping", GgufValueType::Float32, 30.0);
    if (s.gemma4Experts) {
        w.addInt(a + "expert_count", GgufValueType::UInt32, s.experts);
        w.addInt(a + "expert_used_count", GgufValueType::UInt32, s.expertsUsed);
        w.addInt(a + "expert_feed_forward_length", GgufValueType::UInt32, s.expertFeedForward);
    }
    addVocabulary(w, s.vocabulary);
    if (!s.chatTemplate.empty()) w.addString("tokenizer.chat_template", s.chatTemplate);

    const GgmlType t = s.weightType;
    const float k = s.weightScale;
    const int64_t width = ple * s.layers;
    addTensor(w, "token_embd.weight", t, s.vocabulary, s.embedding, random.values(s.vocabulary * s.embedding, 1.0f));
    addTensor(w, "output_norm.weight", GgmlType::F32, 1, s.embedding, random.values(s.embedding, 0.1f, 1.0f));
    addTensor(w, "per_layer_token_embd.weight", t, s.vocabulary, width, random.values(s.vocabulary * width, 1.0f));
    addTensor(w, "per_layer_model_proj.weight", t, width, s.embedding, random.values(width * s.embedding, k));
    addTensor(w, "per_layer_proj_norm.weight", GgmlType::F32, 1, ple, random.values(ple, 0.1f, 1.0f));
    std::vector<float> factors(size_t(full / 2), 1e30f);  // a quarter of the full layers' dimensions turn
    std::fill(factors.begin(), factors.begin() + full / 8, 1.0f);
    addTensor(w, "rope_freqs.weight", GgmlType::F32, 1, full / 2, factors);
    for (int64_t i = 0; i < s.layers; ++i) {
        const std::string p = "blk." + std::to_string(i) + ".";
        const int64_t head = isFull(i) ? full : headDim, kv = (isFull(i) ? 1 : s.kvHeads) * head, q = s.heads * head;
        auto norm = [&](const std::string& name, int64_t n) { addTensor(w, p + name, GgmlType::F32, 1, n, random.values(n, 0.1f, 1.0f)); };
        norm("attn_norm.weight", s.embedding);
        addTensor(w, p + "attn_q.weight", t, q, s.embedding, random.values(q * s.embedding, k));
        norm("attn_q_norm.weight", head);
        if (i < s.layers - shared) {
            addTensor(w, p + "attn_k.weight", t, kv, s.embedding, random.values(kv * s.embedding, k));
            norm("attn_k_norm.weight", head);
            if (!isFull(i)) addTensor(w, p + "attn_v.weight", t, kv, s.embedding, random.values(kv * s.embedding, k));
        }
        addTensor(w, p + "attn_output.weight", t, s.embedding, q, random.values(s.embedding * q, k));
        norm("post_attention_norm.weight", s.embedding);
        norm("ffn_norm.weight", s.embedding);
        addTensor(w, p + "ffn_gate.weight", t, s.feedForward, s.embedding, random.values(s.feedForward * s.embedding, k));
        addTensor(w, p + "ffn_up.weight", t, s.feedForward, s.embedding, random.values(s.feedForward * s.embedding, k));
        addTensor(w, p + "ffn_down.weight", t, s.embedding, s.feedForward, random.values(s.embedding * s.feedForward, k));
        norm("post_ffw_norm.weight", s.embedding);
        if (s.gemma4Experts) {
            const int64_t e = s.experts, eff = s.expertFeedForward;
            addTensor(w, p + "ffn_gate_inp.weight", GgmlType::F32, e, s.embedding, random.values(e * s.embedding, 4 * k));
            addTensor(w, p + "ffn_gate_inp.scale", GgmlType::F32, 1, s.embedding, random.values(s.embedding, 0.1f, 1.0f));
            addStacked(w, p + "ffn_gate_up_exps.weight", t, e, 2 * eff, s.embedding, random.values(e * 2 * eff * s.embedding, k));
            addStacked(w, p + "ffn_down_exps.weight", t, e, s.embedding, eff, random.values(e * s.embedding * eff, k));
            addTensor(w, p + "ffn_down_exps.scale", GgmlType::F32, 1, e, random.values(e, 0.3f, 1.0f));
            norm("pre_ffw_norm_2.weight", s.embedding);
            norm("post_ffw_norm_1.weight", s.embedding);
            norm("post_ffw_norm_2.weight", s.embedding);
        }
        addTensor(w, p + "inp_gate.weight", t, ple, s.embedding, random.values(ple * s.embedding, k));
        addTensor(w, p + "proj.weight", GgmlType::F32, s.embedding, ple, random.values(s.embedding * ple, k));
        norm("post_norm.weight", s.embedding);
        addTensor(w, p + "layer_output_scale.weight", GgmlType::F32, 1, 1, random.values(1, 0.1f, 0.8f));
    }
}

// Qwen3.5 (llama.cpp's qwen35.cpp): three Gated DeltaNet layers per full-attention layer, then
// one multi-token-prediction layer (counted in block_count, never run).
void writeQwen35(GgufWriter& w, const TestModelSpec& s, int64_t headDim, RandomTensors& random)
{
    const std::string a = s.architecture + ".";
    const bool moe = s.architecture == "qwen35moe";
    const int64_t keyHeads = s.deltaKeyHeads ? s.deltaKeyHeads : 2, valueHeads = s.deltaValueHeads ? s.deltaValueHeads : 4;
    const int64_t state = s.deltaHeadDim ? s.deltaHeadDim : headDim, keyDim = keyHeads * state, valueDim = valueHeads * state;
    const int64_t channels = 2 * keyDim + valueDim, qDim = s.heads * headDim, kvDim = s.kvHeads * headDim;
    w.addInt(a + "block_count", GgufValueType::UInt32, s.layers + 1);
    w.addInt(a + "nextn_predict_layers", GgufValueType::UInt32, 1);
    w.addInt(a + "attention.head_count_kv", GgufValueType::UInt32, s.kvHeads);
    w.addInt(a + "attention.key_length", GgufValueType::UInt32, headDim);
    w.addInt(a + "attention.value_length", GgufValueType::UInt32, headDim);
    w.addInt(a + "rope.dimension_count", GgufValueType::UInt32, headDim / 4);
    GgufArrayBuilder sections(GgufValueType::Int32);
    const int64_t pairs = headDim / 8;  // the rotated quarter's pairs, in three text sections
    for (int64_t n : {(pairs + 2) / 3, (pairs + 1) / 3, pairs / 3, int64_t(0)}) sections.addInt(n);
    w.addArray(a + "rope.dimension_sections", sections);
    w.addInt(a + "ssm.conv_kernel", GgufValueType::UInt32, 4);
    w.addInt(a + "ssm.state_size", GgufValueType::UInt32, state);
    w.addInt(a + "ssm.group_count", GgufValueType::UInt32, keyHeads);
    w.addInt(a + "ssm.time_step_rank", GgufValueType::UInt32, valueHeads);
    w.addInt(a + "ssm.inner_size", GgufValueType::UInt32, valueDim);
    w.addInt(a + "full_attention_interval", GgufValueType::UInt32, 4);
    if (moe) {
        w.addInt(a + "expert_count", GgufValueType::UInt32, s.experts);
        w.addInt(a + "expert_used_count", GgufValueType::UInt32, s.expertsUsed);
        w.addInt(a + "expert_feed_forward_length", GgufValueType::UInt32, s.expertFeedForward);
        w.addInt(a + "expert_shared_feed_forward_length", GgufValueType::UInt32, s.expertFeedForward);
    }
    addVocabulary(w, s.vocabulary);
    if (!s.chatTemplate.empty()) w.addString("tokenizer.chat_template", s.chatTemplate);

    const GgmlType t = s.weightType;
    const float k = s.weightScale;
    auto matrix = [&](const std::string& name, int64_t rows, int64_t cols, float scale) {
        addTensor(w, name, t, rows, cols, random.values(rows * cols, scale));
    };
    auto vector = [&](const std::string& name, int64_t n, float scale, float mean) {
        addTensor(w, name, GgmlType::F32, 1, n, random.values(n, scale, mean));
    };
    matrix("token_embd.weight", s.vocabulary, s.embedding, 1.0f);
    vector("output_norm.weight", s.embedding, 0.1f, 1.0f);
    if (!s.tiedEmbeddings) matrix("output.weight", s.vocabulary, s.embedding, k);
    for (int64_t i = 0; i <= s.layers; ++i) {
        const std::string p = "blk." + std::to_string(i) + ".";
        vector(p + "attn_norm.weight", s.embedding, 0.1f, 1.0f);
        if (i == s.layers) {  // the multi-token-prediction layer: only some of its tensors, never read
            matrix(p + "nextn.eh_proj.weight", s.embedding, 2 * s.embedding, k);
            vector(p + "nextn.enorm.weight", s.embedding, 0.1f, 1.0f);
            break;
        }
        if ((i + 1) % 4 != 0) {
            matrix(p + "attn_qkv.weight", channels, s.embedding, 2 * k);
            matrix(p + "attn_gate.weight", valueDim, s.embedding, k);
            addTensor(w, p + "ssm_conv1d.weight", GgmlType::F32, channels, 4, random.values(channels * 4, 0.5f));
            vector(p + "ssm_dt.bias", valueHeads, 0.5f, 0.0f);
            vector(p + "ssm_a", valueHeads, 0.5f, -1.0f);
            matrix(p + "ssm_beta.weight", valueHeads, s.embedding, k);
            matrix(p + "ssm_alpha.weight", valueHeads, s.embedding, k);
            vector(p + "ssm_norm.weight", state, 0.1f, 1.0f);
            matrix(p + "ssm_out.weight", s.embedding, valueDim, k);
        } else {
            matrix(p + "attn_q.weight", 2 * qDim, s.embedding, k);
            matrix(p + "attn_k.weight", kvDim, s.embedding, k);
            matrix(p + "attn_v.weight", kvDim, s.embedding, k);
            vector(p + "attn_q_norm.weight", headDim, 0.1f, 1.0f);
            vector(p + "attn_k_norm.weight", headDim, 0.1f, 1.0f);
            matrix(p + "attn_output.weight", s.embedding, qDim, k);
        }
        vector(p + "post_attention_norm.weight", s.embedding, 0.1f, 1.0f);
        if (moe) {
            const int64_t e = s.experts, ff = s.expertFeedForward;
            addTensor(w, p + "ffn_gate_inp.weight", GgmlType::F32, e, s.embedding, random.values(e * s.embedding, 4 * k));
            addStacked(w, p + "ffn_gate_exps.weight", t, e, ff, s.embedding, random.values(e * ff * s.embedding, k));
            addStacked(w, p + "ffn_up_exps.weight", t, e, ff, s.embedding, random.values(e * ff * s.embedding, k));
            addStacked(w, p + "ffn_down_exps.weight", t, e, s.embedding, ff, random.values(e * s.embedding * ff, k));
            vector(p + "ffn_gate_inp_shexp.weight", s.embedding, 4 * k, 0.0f);
            matrix(p + "ffn_gate_shexp.weight", ff, s.embedding, k);
            matrix(p + "ffn_up_shexp.weight", ff, s.embedding, k);
            matrix(p + "ffn_down_shexp.weight", s.embedding, ff, k);
        } else {
            matrix(p + "ffn_gate.weight", s.feedForward, s.embedding, k);
            matrix(p + "ffn_up.weight", s.feedForward, s.embedding, k);
            matrix(p + "ffn_down.weight", s.embedding, s.feedForward, k);
        }
    }
}

}  // namespace

void writeTestModel(const std::string& path, const TestModelSpec& s)
{
    const std::string a = s.architecture + ".";
    const int64_t headDim = s.headDim ? s.headDim : s.embedding / s.heads, qDim = s.heads * headDim, kvDim = s.kvHeads * headDim;
    GgufWriter w;
    w.addString("general.architecture", s.architecture);
    w.addString("general.name", "hearth test " + s.architecture + " " + std::string(ggmlTypeName(s.weightType)));
    w.addInt(a + "context_length", GgufValueType::UInt32, s.context);
    w.addInt(a + "embedding_length", GgufValueType::UInt32, s.embedding);
    const bool qwen35 = s.architecture == "qwen35" || s.architecture == "qwen35moe";  // writes its own block count
    if (!qwen35) w.addInt(a + "block_count", GgufValueType::UInt32, s.layers);
    w.addInt(a + "feed_forward_length", GgufValueType::UInt32, s.feedForward);
    w.addInt(a + "attention.head_count", GgufValueType::UInt32, s.heads);
    // DeepSeek's latent attention: one cached head of a 64-value latent and 16 rotated values, 32 + 16
    // query and 32 value dimensions per head.
    const bool deepSeek = s.architecture == "deepseek2";
    const int64_t lora = 64, qLora = s.deepSeekV3 ? 32 : 0, nope = 32, rot = 16, valueDim = 32;
    const bool gemma4 = s.architecture == "gemma4";  // writes its per-layer attention keys itself
    if (!gemma4 && !qwen35) w.addInt(a + "attention.head_count_kv", GgufValueType::UInt32, deepSeek ? 1 : s.kvHeads);
    if (!gemma4 && !qwen35) w.addInt(a + "rope.dimension_count", GgufValueType::UInt32, deepSeek ? rot : headDim);
    if (s.headDim && !deepSeek && !gemma4 && !qwen35) {
        w.addInt(a + "attention.key_length", GgufValueType::UInt32, headDim);
        w.addInt(a + "attention.value_length", GgufValueType::UInt32, headDim);
    }
    w.addFloat(a + "rope.freq_base", GgufValueType::Float32, s.ropeBase);
    w.addFloat(a + "attention.layer_norm_rms_epsilon", GgufValueType::Float32, 1e-6);
    if (s.slidingWindow > 0) w.addInt(a + "attention.sliding_window", GgufValueType::UInt32, s.slidingWindow);
    if (gemma4 || qwen35) {
        RandomTensors random(s.seed);
        if (gemma4) {
            writeGemma4(w, s, headDim, random);
        } else {
            writeQwen35(w, s, headDim, random);
        }
        w.writeFile(path);
        return;
    }
    const bool moe = s.architecture == "qwen3moe" || s.architecture == "gpt-oss" || s.architecture == "deepseek2";
    const bool oss = s.architecture == "gpt-oss";
    if (moe) {
        w.addInt(a + "expert_count", GgufValueType::UInt32, s.experts);
        w.addInt(a + "expert_used_count", GgufValueType::UInt32, s.expertsUsed);
        w.addInt(a + "expert_feed_forward_length", GgufValueType::UInt32, s.expertFeedForward);
    }
    if (deepSeek) {
        w.addInt(a + "attention.key_length", GgufValueType::UInt32, lora + rot);
        w.addInt(a + "attention.value_length", GgufValueType::UInt32, lora);
        w.addInt(a + "attention.key_length_mla", GgufValueType::UInt32, nope + rot);
        w.addInt(a + "attention.value_length_mla", GgufValueType::UInt32, valueDim);
        w.addInt(a + "attention.kv_lora_rank", GgufValueType::UInt32, lora);
        if (qLora) w.addInt(a + "attention.q_lora_rank", GgufValueType::UInt32, qLora);
        w.addInt(a + "leading_dense_block_count", GgufValueType::UInt32, 1);
        w.addInt(a + "expert_shared_count", GgufValueType::UInt32, 1);
        if (s.deepSeekV3) {
            w.addInt(a + "expert_gating_func", GgufValueType::UInt32, 2);
            w.addBool(a + "expert_weights_norm", true);
            w.addFloat(a + "expert_weights_scale", GgufValueType::Float32, 2.5);
            w.addInt(a + "expert_group_count", GgufValueType::UInt32, 2);
            w.addInt(a + "expert_group_used_count", GgufValueType::UInt32, 1);
        }
    }
    addVocabulary(w, s.vocabulary);
    if (!s.chatTemplate.empty()) w.addString("tokenizer.chat_template", s.chatTemplate);

    RandomTensors random(s.seed);
    const GgmlType t = s.weightType;
    const float k = s.weightScale;
    addTensor(w, "token_embd.weight", t, s.vocabulary, s.embedding, random.values(s.vocabulary * s.embedding, 1.0f));
    addTensor(w, "output_norm.weight", GgmlType::F32, 1, s.embedding, random.values(s.embedding, 0.1f, 1.0f));
    if (!s.tiedEmbeddings) addTensor(w, "output.weight", t, s.vocabulary, s.embedding, random.values(s.vocabulary * s.embedding, k));
    for (int64_t i = 0; i < s.layers; ++i) {
        const std::string p = "blk." + std::to_string(i) + ".";
        addTensor(w, p + "attn_norm.weight", GgmlType::F32, 1, s.embedding, random.values(s.embedding, 0.1f, 1.0f));
        if (s.architecture == "deepseek2") {
            const int64_t queries = s.heads * (nope + rot);
            if (qLora) {
                addTensor(w, p + "attn_q_a.weight", t, qLora, s.embedding, random.values(qLora * s.embedding, k));
                addTensor(w, p + "attn_q_a_norm.weight", GgmlType::F32, 1, qLora, random.values(qLora, 0.1f, 1.0f));
                addTensor(w, p + "attn_q_b.weight", t, queries, qLora, random.values(queries * qLora, 4 * k));
            } else {
                addTensor(w, p + "attn_q.weight", t, queries, s.embedding, random.values(queries * s.embedding, k));
            }
            addTensor(w, p + "attn_kv_a_mqa.weight", t, lora + rot, s.embedding, random.values((lora + rot) * s.embedding, k));
            addTensor(w, p + "attn_kv_a_norm.weight", GgmlType::F32, 1, lora, random.values(lora, 0.1f, 1.0f));
            addStacked(w, p + "attn_k_b.weight", t, s.heads, lora, nope, random.values(s.heads * lora * nope, 4 * k));
            addStacked(w, p + "attn_v_b.weight", t, s.heads, valueDim, lora, random.values(s.heads * valueDim * lora, 4 * k));
            addTensor(w, p + "attn_output.weight", t, s.embedding, s.heads * valueDim, random.values(s.embedding * s.heads * valueDim, k));
            addTensor(w, p + "ffn_norm.weight", GgmlType::F32, 1, s.embedding, random.values(s.embedding, 0.1f, 1.0f));
            if (i == 0) {  // the leading dense layer
                addTensor(w, p + "ffn_gate.weight", t, s.feedForward, s.embedding, random.values(s.feedForward * s.embedding, k));
                addTensor(w, p + "ffn_up.weight", t, s.feedForward, s.embedding, random.values(s.feedForward * s.embedding, k));
                addTensor(w, p + "ffn_down.weight", t, s.embedding, s.feedForward, random.values(s.embedding * s.feedForward, k));
                continue;
            }
            const int64_t e = s.experts, ff = s.expertFeedForward;
            addTensor(w, p + "ffn_gate_inp.weight", GgmlType::F32, e, s.embedding, random.values(e * s.embedding, 4 * k));
            if (s.deepSeekV3) addTensor(w, p + "exp_probs_b.bias", GgmlType::F32, 1, e, random.values(e, 0.2f));
            addStacked(w, p + "ffn_gate_exps.weight", t, e, ff, s.embedding, random.values(e * ff * s.embedding, k));
            addStacked(w, p + "ffn_up_exps.weight", t, e, ff, s.embedding, random.values(e * ff * s.embedding, k));
            addStacked(w, p + "ffn_down_exps.weight", t, e, s.embedding, ff, random.values(e * s.embedding * ff, k));
            addTensor(w, p + "ffn_gate_shexp.weight", t, ff, s.embedding, random.values(ff * s.embedding, k));
            addTensor(w, p + "ffn_up_shexp.weight", t, ff, s.embedding, random.values(ff * s.embedding, k));
            addTensor(w, p + "ffn_down_shexp.weight", t, s.embedding, ff, random.values(s.embedding * ff, k));
            continue;
        }
        addTensor(w, p + "attn_q.weight", t, qDim, s.embedding, random.values(qDim * s.embedding, k));
        addTensor(w, p + "attn_k.weight", t, kvDim, s.embedding, random.values(kvDim * s.embedding, k));
        addTensor(w, p + "attn_v.weight", t, kvDim, s.embedding, random.values(kvDim * s.embedding, k));
        if (s.architecture == "qwen2" || oss) {
            addTensor(w, p + "attn_q.bias", GgmlType::F32, 1, qDim, random.values(qDim, 0.1f));
            addTensor(w, p + "attn_k.bias", GgmlType::F32, 1, kvDim, random.values(kvDim, 0.1f));
            addTensor(w, p + "attn_v.bias", GgmlType::F32, 1, kvDim, random.values(kvDim, 0.1f));
        }
        if (s.architecture == "qwen3" || s.architecture == "gemma3" || s.architecture == "qwen3moe") {
            addTensor(w, p + "attn_q_norm.weight", GgmlType::F32, 1, headDim, random.values(headDim, 0.1f, 1.0f));
            addTensor(w, p + "attn_k_norm.weight", GgmlType::F32, 1, headDim, random.values(headDim, 0.1f, 1.0f));
        }
        addTensor(w, p + "attn_output.weight", t, s.embedding, qDim, random.values(s.embedding * qDim, k));
        if (s.architecture == "gemma3") {
            addTensor(w, p + "post_attention_norm.weight", GgmlType::F32, 1, s.embedding, random.values(s.embedding, 0.1f, 1.0f));
            addTensor(w, p + "post_ffw_norm.weight", GgmlType::F32, 1, s.embedding, random.values(s.embedding, 0.1f, 1.0f));
        }
        if (oss) {
            addTensor(w, p + "attn_output.bias", GgmlType::F32, 1, s.embedding, random.values(s.embedding, 0.1f));
            addTensor(w, p + "attn_sinks.weight", GgmlType::F32, 1, s.heads, random.values(s.heads, 1.0f));
        }
        addTensor(w, p + (oss ? "post_attention_norm.weight" : "ffn_norm.weight"), GgmlType::F32, 1, s.embedding,
                  random.values(s.embedding, 0.1f, 1.0f));
        if (moe) {
            const int64_t e = s.experts, ff = s.expertFeedForward;
            addTensor(w, p + "ffn_gate_inp.weight", GgmlType::F32, e, s.embedding, random.values(e * s.embedding, 4 * k));
            addStacked(w, p + "ffn_gate_exps.weight", t, e, ff, s.embedding, random.values(e * ff * s.embedding, k));
            addStacked(w, p + "ffn_up_exps.weight", t, e, ff, s.embedding, random.values(e * ff * s.embedding, k));
            addStacked(w, p + "ffn_down_exps.weight", t, e, s.embedding, ff, random.values(e * s.embedding * ff, k));
            if (oss) {
                addTensor(w, p + "ffn_gate_inp.bias", GgmlType::F32, 1, e, random.values(e, 0.1f));
                addTensor(w, p + "ffn_gate_exps.bias", GgmlType::F32, e, ff, random.values(e * ff, 0.1f));
                addTensor(w, p + "ffn_up_exps.bias", GgmlType::F32, e, ff, random.values(e * ff, 0.1f));
                addTensor(w, p + "ffn_down_exps.bias", GgmlType::F32, e, s.embedding, random.values(e * s.embedding, 0.1f));
            }
            continue;
        }
        addTensor(w, p + "ffn_gate.weight", t, s.feedForward, s.embedding, random.values(s.feedForward * s.embedding, k));
        addTensor(w, p + "ffn_up.weight", t, s.feedForward, s.embedding, random.values(s.feedForward * s.embedding, k));
        addTensor(w, p + "ffn_down.weight", t, s.embedding, s.feedForward, random.values(s.embedding * s.feedForward, k));
    }
    w.writeFile(path);
}

}  // namespace hearth::test
