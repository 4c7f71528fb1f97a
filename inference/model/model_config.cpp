#include "model/model_config.h"

#include "core/error.h"
#include "gguf/gguf_file.h"

namespace hearth {

namespace {

int64_t requireCount(const GgufFile& file, const std::string& key, int64_t max)
{
    auto v = file.getUInt(key);
    if (!v) throw Error(ErrorCode::NotFound, file.displayName() + ": metadata " + key + " is missing or not an integer");
    if (*v == 0 || *v > uint64_t(max))
        throw Error(ErrorCode::InvalidFile,
                    file.displayName() + ": metadata " + key + " = " + std::to_string(*v) + " is out of range (1.." + std::to_string(max) +
                        ")");
    return int64_t(*v);
}

}  // namespace

const std::vector<std::string>& supportedArchitectures()
{
    static const std::vector<std::string> architectures = {"llama", "qwen2", "qwen3"};
    return architectures;
}

const char* supportedArchitecturesDescription()
{
    return "Hearth runs 'llama', 'qwen2' and 'qwen3' models: Llama, Mistral, TinyLlama, Qwen 2/2.5/3, DeepSeek LLM and the "
           "DeepSeek-R1 distills";
}

uint64_t kvCacheBytes(uint64_t layers, uint64_t kvHeads, uint64_t keyLength, uint64_t valueLength, uint64_t contextLength, bool f16Cache)
{
    return layers * contextLength * kvHeads * (keyLength + valueLength) * (f16Cache ? 2 : 4);
}

ModelConfig ModelConfig::fromGguf(const GgufFile& file)
{
    ModelConfig c;
    c.architecture = std::string(file.getString("general.architecture").value_or(""));
    if (c.architecture == "llama") {
        c.ropeStyle = RopeStyle::Normal;
    } else if (c.architecture == "qwen2") {
        c.ropeStyle = RopeStyle::NeoX;
        c.attentionBias = true;
    } else if (c.architecture == "qwen3") {
        c.ropeStyle = RopeStyle::NeoX;
        c.qkNorm = true;
    } else {
        throw Error(ErrorCode::UnsupportedType,
                    file.displayName() + ": model architecture '" + c.architecture + "' is not supported (" +
                        supportedArchitecturesDescription() + ")");
    }
    const std::string a = c.architecture + ".";
    c.embedding = requireCount(file, a + "embedding_length", 1 << 16);
    c.layers = requireCount(file, a + "block_count", 1024);
    c.heads = requireCount(file, a + "attention.head_count", 1024);
    c.kvHeads = file.find(a + "attention.head_count_kv") ? requireCount(file, a + "attention.head_count_kv", c.heads) : c.heads;
    if (c.heads % c.kvHeads != 0)
        throw Error(ErrorCode::InvalidFile,
                    file.displayName() + ": " + std::to_string(c.heads) + " attention heads cannot be shared by " +
                        std::to_string(c.kvHeads) + " KV heads");
    c.headDim = file.find(a + "attention.key_length") ? requireCount(file, a + "attention.key_length", 1024) : c.embedding / c.heads;
    c.feedForward = requireCount(file, a + "feed_forward_length", 1 << 20);
    c.trainedContext = file.find(a + "context_length") ? requireCount(file, a + "context_length", 1 << 24) : 2048;
    c.ropeDims = file.find(a + "rope.dimension_count") ? requireCount(file, a + "rope.dimension_count", c.headDim) : c.headDim;
    if (auto eps = file.getDouble(a + "attention.layer_norm_rms_epsilon")) c.rmsEpsilon = float(*eps);
    if (auto base = file.getDouble(a + "rope.freq_base")) c.ropeBase = float(*base);
    auto scalingType = file.getString(a + "rope.scaling.type");
    if (auto factor = file.getDouble(a + "rope.scaling.factor"); factor && *factor > 0 && (!scalingType || *scalingType == "linear"))
        c.ropeFreqScale = float(1.0 / *factor);
    if (const GgufValue* tokens = file.find("tokenizer.ggml.tokens"); tokens && tokens->isArray())
        c.vocabulary = int64_t(tokens->arraySize());
    return c;
}

}  // namespace hearth
