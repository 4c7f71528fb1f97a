// hearth-hf-vocab-to-gguf TOKENIZER.json TOKENIZER_CONFIG.json PRE OUT.gguf
// Converts a Hugging Face byte-level BPE tokenizer into a vocabulary-only GGUF laid out the way
// llama.cpp's converter does (ids 0..max, holes as [PADn] unused tokens, added tokens as
// control or user-defined, merges as "left right"), so tests can run the Llama 3, Qwen and
// DeepSeek V3 vocabularies that ship in npm packages.
#include "core/error.h"
#include "gguf/gguf_writer.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

using namespace hearth;
using nlohmann::json;

static json readJson(const char* path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(std::string(path) + ": cannot open");
    return json::parse(in);
}

// tokenizer_config.json names special tokens as strings or as {"content": ...} objects.
static std::string tokenText(const json& v)
{
    if (v.is_string()) return v.get<std::string>();
    if (v.is_object() && v.contains("content")) return v["content"].get<std::string>();
    return {};
}

int main(int argc, char** argv)
{
    if (argc != 5) {
        std::fprintf(stderr, "usage: hearth-hf-vocab-to-gguf TOKENIZER.json TOKENIZER_CONFIG.json PRE OUT.gguf\n");
        return 2;
    }
    try {
        const json tokenizer = readJson(argv[1]);
        const json config = readJson(argv[2]);
        const json& model = tokenizer.at("model");
        if (model.at("type") != "BPE") throw std::runtime_error("not a BPE tokenizer");

        std::map<int64_t, std::pair<std::string, int>> byId;  // id -> (text, type)
        for (const auto& [text, id] : model.at("vocab").items()) byId[id.get<int64_t>()] = {text, 1};
        for (const auto& added : tokenizer.value("added_tokens", json::array())) {
            const std::string text = added.at("content");
            const bool special =
                added.value("special", false) || (text.size() > 4 && text.rfind("<|", 0) == 0 && text.substr(text.size() - 2) == "|>");
            byId[added.at("id").get<int64_t>()] = {text, special ? 3 : 4};
        }
        const int64_t size = byId.empty() ? 0 : byId.rbegin()->first + 1;
        GgufArrayBuilder tokens(GgufValueType::String), types(GgufValueType::Int32);
        std::map<std::string, int64_t> idOf;
        for (int64_t i = 0; i < size; ++i) {
            auto it = byId.find(i);
            const std::string text = it != byId.end() ? it->second.first : "[PAD" + std::to_string(i) + "]";
            tokens.addString(text);
            types.addInt(it != byId.end() ? it->second.second : 5);
            idOf.emplace(text, i);
        }
        GgufArrayBuilder merges(GgufValueType::String);
        for (const auto& m : model.at("merges"))  // "a b", or ["a", "b"] in newer files
            merges.addString(m.is_string() ? m.get<std::string>() : m.at(0).get<std::string>() + " " + m.at(1).get<std::string>());

        GgufWriter w;
        w.addString("general.architecture", "vocabulary");
        w.addString("tokenizer.ggml.model", "gpt2");
        w.addString("tokenizer.ggml.pre", argv[3]);
        w.addArray("tokenizer.ggml.tokens", tokens);
        w.addArray("tokenizer.ggml.token_type", types);
        w.addArray("tokenizer.ggml.merges", merges);
        for (const auto& [key, name] :
             {std::pair {"bos_token", "tokenizer.ggml.bos_token_id"}, std::pair {"eos_token", "tokenizer.ggml.eos_token_id"}}) {
            const std::string text = config.contains(key) ? tokenText(config[key]) : std::string();
            if (auto it = idOf.find(text); !text.empty() && it != idOf.end()) w.addInt(name, GgufValueType::UInt32, it->second);
        }
        const bool addBos = config.value("add_bos_token", false) && config.contains("bos_token") && !config["bos_token"].is_null();
        w.addBool("tokenizer.ggml.add_bos_token", addBos);
        if (config.contains("chat_template") && config["chat_template"].is_string())
            w.addString("tokenizer.chat_template", config["chat_template"].get<std::string>());
        w.writeFile(argv[4]);
        std::printf("%s: %lld tokens, %zu merges, pre %s\n", argv[4], static_cast<long long>(size),
                    static_cast<size_t>(model.at("merges").size()), argv[3]);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "hearth-hf-vocab-to-gguf: %s\n", e.what());
        return 1;
    }
    return 0;
}
