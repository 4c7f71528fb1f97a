// The model summary on the real stories260K file (values from ../shared/models/README.md and
// counted by hand from its shapes) and on a written file with a mixed quantization.
#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "model/model_summary.h"
#include "test_support.h"

#include <gtest/gtest.h>

using namespace hearth;

TEST(ModelSummary, Stories260K)
{
    HEARTH_REQUIRE_SHARED(shared);
    GgufFile f = GgufFile::open((shared / "models/stories260K.gguf").string());
    EXPECT_EQ(f.version(), 3u);
    EXPECT_EQ(f.fileSize(), 1185376u);
    ModelSummary s = summarizeModel(f);
    EXPECT_EQ(s.architecture, "llama");
    EXPECT_EQ(s.embeddingLength, 64u);
    EXPECT_EQ(s.feedForwardLength, 172u);
    EXPECT_EQ(s.blockCount, 5u);
    EXPECT_EQ(s.headCount, 8u);
    EXPECT_EQ(s.headCountKv, 4u);
    EXPECT_EQ(s.contextLength, 2048u);
    EXPECT_EQ(s.keyLength, 8u);
    EXPECT_EQ(s.vocabularySize, 512u);
    EXPECT_EQ(s.tokenizerModel, "llama");
    EXPECT_FALSE(s.hasChatTemplate);
    EXPECT_EQ(f.getUInt("llama.rope.dimension_count"), 8u);
    EXPECT_NEAR(*f.getDouble("llama.attention.layer_norm_rms_epsilon"), 1e-5, 1e-9);
    ASSERT_NE(f.findTensor("output.weight"), nullptr) << "not tied";

    // Parameters by hand: embeddings + output 2*512*64; per block q,o 64*64, k,v 64*32,
    // gate/up/down 3*64*172, two norms 2*64; final norm 64.
    const uint64_t perBlock = 2 * 64 * 64 + 2 * 64 * 32 + 3 * 64 * 172 + 2 * 64;
    EXPECT_EQ(s.parameterCount, 2 * 512 * 64 + 5 * perBlock + 64);
    ASSERT_EQ(s.weightTypes.size(), 1u);
    EXPECT_EQ(s.weightTypes.at("F32").tensors, 48u);
    EXPECT_EQ(s.weightBytes, s.parameterCount * 4);
    EXPECT_TRUE(s.allTypesSupported);

    // KV cache: 5 layers x 2048 positions x 4 KV heads x (8 + 8) x 2 bytes.
    EXPECT_EQ(s.kvCacheBytes(2048), 5u * 2048 * 4 * 16 * 2);
    EXPECT_EQ(s.memoryBytes(2048), s.weightBytes + s.kvCacheBytes(2048));

    const GgufValue* tokens = f.find("tokenizer.ggml.tokens");
    ASSERT_TRUE(tokens && tokens->isArray());
    EXPECT_EQ(tokens->stringAt(0), "<unk>");
    EXPECT_EQ(tokens->stringAt(1), "<s>");
    EXPECT_EQ(tokens->stringAt(2), "</s>");
    EXPECT_EQ(tokens->stringAt(3), "<0x00>");
    EXPECT_EQ(tokens->stringAt(258), "<0xFF>");
}

TEST(ModelSummary, QuantizedMixAndGroupedQueryDefaults)
{
    GgufWriter w;
    w.addString("general.architecture", "qwen2");
    w.addString("general.name", "mini");
    w.addInt("qwen2.embedding_length", GgufValueType::UInt32, 64);
    w.addInt("qwen2.block_count", GgufValueType::UInt32, 2);
    w.addInt("qwen2.attention.head_count", GgufValueType::UInt32, 4);
    w.addInt("qwen2.context_length", GgufValueType::UInt32, 32768);
    w.addString("tokenizer.chat_template", "{{ messages }}");
    std::vector<uint64_t> q8dims = {64, 4};
    std::vector<uint8_t> q8(4 * 2 * 34);
    w.addTensor("a", GgmlType::Q8_0, q8dims, q8);
    std::vector<uint64_t> f32dims = {64};
    std::vector<uint8_t> f32(64 * 4);
    w.addTensor("n", GgmlType::F32, f32dims, f32);
    auto bytes = w.toBytes();
    ModelSummary s = summarizeModel(GgufFile::parse(bytes, "mini.gguf"));
    EXPECT_EQ(s.name, "mini");
    EXPECT_EQ(s.headCountKv, 4u) << "no head_count_kv means no grouping";
    EXPECT_EQ(s.keyLength, 16u);
    EXPECT_TRUE(s.hasChatTemplate);
    EXPECT_EQ(s.weightTypes.at("Q8_0").bytes, 272u);
    EXPECT_EQ(s.weightTypes.at("F32").parameters, 64u);
    EXPECT_EQ(s.dominantWeightType, "Q8_0");
    EXPECT_EQ(s.parameterCount, 320u);
}

TEST(ModelSummary, MixtureOfExpertsCountsTheParametersATokenReads)
{
    GgufWriter w;
    w.addString("general.architecture", "qwen3moe");
    w.addInt("qwen3moe.expert_count", GgufValueType::UInt32, 8);
    w.addInt("qwen3moe.expert_used_count", GgufValueType::UInt32, 2);
    std::vector<uint64_t> expertDims = {4, 4, 8};
    std::vector<uint8_t> experts(4 * 4 * 8 * 4);
    w.addTensor("blk.0.ffn_up_exps.weight", GgmlType::F32, expertDims, experts);
    std::vector<uint64_t> dims = {64};
    std::vector<uint8_t> dense(64 * 4);
    w.addTensor("blk.0.attn_norm.weight", GgmlType::F32, dims, dense);
    auto bytes = w.toBytes();
    const ModelSummary s = summarizeModel(GgufFile::parse(bytes, "moe.gguf"));
    EXPECT_EQ(s.expertCount, 8u);
    EXPECT_EQ(s.expertUsedCount, 2u);
    EXPECT_EQ(s.parameterCount, 192u);
    EXPECT_EQ(s.activeParameterCount, 64u + 128u / 8 * 2);
}

TEST(ModelSummary, LatentAttentionCachesTheLatentNotExpandedKeysAndValues)
{
    // DeepSeek-V2-Lite's attention: 16 heads of 192-value keys and 128-value values, cached as one
    // 576-value row (512 latent + 64 rotated) per layer and position.
    GgufWriter w;
    w.addString("general.architecture", "deepseek2");
    w.addInt("deepseek2.block_count", GgufValueType::UInt32, 27);
    w.addInt("deepseek2.attention.head_count", GgufValueType::UInt32, 16);
    w.addInt("deepseek2.attention.head_count_kv", GgufValueType::UInt32, 1);
    w.addInt("deepseek2.attention.key_length", GgufValueType::UInt32, 576);
    w.addInt("deepseek2.attention.value_length", GgufValueType::UInt32, 512);
    w.addInt("deepseek2.attention.key_length_mla", GgufValueType::UInt32, 192);
    w.addInt("deepseek2.attention.value_length_mla", GgufValueType::UInt32, 128);
    auto bytes = w.toBytes();
    const ModelSummary s = summarizeModel(GgufFile::parse(bytes, "lite.gguf"));
    EXPECT_EQ(s.kvCacheBytes(8192), 27ull * 8192 * 576 * 2) << "the latent formula";
    EXPECT_EQ(s.expandedKvCacheBytes(8192), 27ull * 8192 * 16 * (192 + 128) * 2) << "the full K/V formula";
}

TEST(ModelSummary, AHybridModelsMemoryIsItsFullLayersCacheAndItsRecurrentStateWithCheckpoints)
{
    // Qwen3.5-4B's shape: 32 layers, every fourth full attention (4 KV heads of 256), the others
    // Gated DeltaNet (32 value heads and 16 key heads of 128, a 4-tap convolution), plus one
    // multi-token-prediction layer that is not run.
    GgufWriter w;
    const std::string a = "qwen35.";
    w.addString("general.architecture", "qwen35");
    w.addInt(a + "block_count", GgufValueType::UInt32, 33);
    w.addInt(a + "nextn_predict_layers", GgufValueType::UInt32, 1);
    w.addInt(a + "embedding_length", GgufValueType::UInt32, 2560);
    w.addInt(a + "feed_forward_length", GgufValueType::UInt32, 9216);
    w.addInt(a + "attention.head_count", GgufValueType::UInt32, 16);
    w.addInt(a + "attention.head_count_kv", GgufValueType::UInt32, 4);
    w.addInt(a + "attention.key_length", GgufValueType::UInt32, 256);
    w.addInt(a + "attention.value_length", GgufValueType::UInt32, 256);
    w.addInt(a + "rope.dimension_count", GgufValueType::UInt32, 64);
    w.addInt(a + "ssm.conv_kernel", GgufValueType::UInt32, 4);
    w.addInt(a + "ssm.state_size", GgufValueType::UInt32, 128);
    w.addInt(a + "ssm.group_count", GgufValueType::UInt32, 16);
    w.addInt(a + "ssm.time_step_rank", GgufValueType::UInt32, 32);
    w.addInt(a + "ssm.inner_size", GgufValueType::UInt32, 4096);
    w.addInt(a + "full_attention_interval", GgufValueType::UInt32, 4);
    auto bytes = w.toBytes();
    const ModelSummary s = summarizeModel(GgufFile::parse(bytes, "qwen35-4b.gguf"));
    ASSERT_TRUE(s.config.has_value());
    EXPECT_EQ(s.config->layers, 32);
    const uint64_t state = 24ull * (32 * 128 * 128 + 3 * (2 * 16 * 128 + 32 * 128)) * 4;
    EXPECT_EQ(recurrentStateBytes(*s.config), state) << "50.25 MiB";
    const uint64_t fullLayersCache = 8ull * 8192 * 4 * (256 + 256) * 2;
    EXPECT_EQ(s.kvCacheBytes(8192), fullLayersCache + state + uint64_t(kRecurrentCheckpoints) * state)
        << "the fit check counts the full layers' cache, the live state and its checkpoints";
}
