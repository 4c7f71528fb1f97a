// What a user wants to know about a model file before loading it, read from metadata only.
#pragma once

#include "model/model_config.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace hearth {

class GgufFile;

struct WeightTypeUsage {
    uint64_t tensors = 0;
    uint64_t bytes = 0;
    uint64_t parameters = 0;
};

struct ModelSummary {
    std::string fileName;
    uint32_t ggufVersion = 0;
    uint64_t fileBytes = 0;
    std::string architecture;  // general.architecture ("llama", "qwen2", ...)
    std::string name;  // general.name, may be empty
    uint64_t parameterCount = 0;  // sum of tensor element counts
    // A mixture of experts: its experts, how many a token uses, and the parameters a token reads
    // (the experts' share by expertUsedCount / expertCount); 0 and parameterCount when dense.
    uint64_t expertCount = 0;
    uint64_t expertUsedCount = 0;
    uint64_t activeParameterCount = 0;
    uint64_t weightBytes = 0;  // sum of tensor data sizes
    std::map<std::string, WeightTypeUsage> weightTypes;  // by ggml type name
    std::string dominantWeightType;  // the type holding the most parameters
    uint64_t contextLength = 0;  // trained context, 0 when absent
    uint64_t embeddingLength = 0;
    uint64_t feedForwardLength = 0;
    uint64_t blockCount = 0;
    uint64_t headCount = 0;
    uint64_t headCountKv = 0;
    uint64_t keyLength = 0;  // per-head key size
    uint64_t valueLength = 0;  // per-head value size
    uint64_t vocabularySize = 0;
    std::string tokenizerModel;  // tokenizer.ggml.model ("llama", "gpt2", ...)
    std::string tokenizerPre;  // tokenizer.ggml.pre
    bool hasChatTemplate = false;
    bool allTypesSupported = true;  // false when any tensor uses e.g. a ternary type
    // Sliding-window layers (Gemma): their KV cache is a ring of slidingWindow + 512 slots.
    uint64_t slidingWindow = 0;
    uint64_t slidingLayers = 0;

    // The engine's reading of the file where it runs it: the KV cache estimate is then the
    // session's own, layer by layer (Gemma 4's layers differ in head size and count).
    std::optional<ModelConfig> config;
    // K and V for every layer at the given context length (the session's own formula).
    uint64_t kvCacheBytes(uint64_t context, bool f16Cache = true) const;
    // DeepSeek's latent attention: each head's key and value sizes once expanded (key_length_mla,
    // value_length_mla), and what a cache of them would take: the memory the latent cache saves.
    uint64_t expandedKeyLength = 0, expandedValueLength = 0;
    uint64_t expandedKvCacheBytes(uint64_t context, bool f16Cache = true) const;
    // Weights plus KV cache: what loading the model for `context` tokens needs.
    uint64_t memoryBytes(uint64_t context, bool f16Cache = true) const { return weightBytes + kvCacheBytes(context, f16Cache); }
    // Whether Hearth runs this file's architecture (supportedArchitectures()).
    bool architectureSupported() const;
};

ModelSummary summarizeModel(const GgufFile& file);

}  // namespace hearth
