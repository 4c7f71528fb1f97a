// Writes a small seed corpus for the GGUF fuzzer: valid files exercising every value type,
// nested arrays, several tensor types and alignments. Usage: gguf_seed_writer DIR
#include "core/error.h"
#include "gguf/gguf_writer.h"

#include <cstdio>
#include <filesystem>
#include <vector>

using namespace hearth;

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: gguf_seed_writer DIR\n");
        return 2;
    }
    std::filesystem::path dir = argv[1];
    std::filesystem::create_directories(dir);
    try {
        {
            GgufWriter w(3);
            w.addString("general.architecture", "llama");
            w.addInt("llama.block_count", GgufValueType::UInt32, 2);
            w.addInt("llama.embedding_length", GgufValueType::UInt32, 32);
            w.addInt("llama.attention.head_count", GgufValueType::UInt32, 4);
            w.addFloat("llama.attention.layer_norm_rms_epsilon", GgufValueType::Float32, 1e-5);
            GgufArrayBuilder tokens(GgufValueType::String);
            tokens.addString("<s>").addString("</s>").addString("a");
            w.addArray("tokenizer.ggml.tokens", tokens);
            std::vector<uint8_t> f32(32 * 2 * 4, 1), q80(2 * 34, 2);
            std::vector<uint64_t> d2 = {32, 2}, d1 = {64};
            w.addTensor("token_embd.weight", GgmlType::F32, d2, f32);
            w.addTensor("blk.0.attn_q.weight", GgmlType::Q8_0, d1, q80);
            w.writeFile((dir / "llama_small.gguf").string());
        }
        {
            GgufWriter w(2);
            w.setAlignment(64);
            for (auto type : {GgufValueType::UInt8, GgufValueType::Int8, GgufValueType::UInt16, GgufValueType::Int16, GgufValueType::UInt32,
                              GgufValueType::Int32, GgufValueType::Int64})
                w.addInt(std::string("v.") + std::string(ggufValueTypeName(type)), type, 7);
            w.addUInt64("v.u64", 9);
            w.addFloat("v.f32", GgufValueType::Float32, 0.5);
            w.addFloat("v.f64", GgufValueType::Float64, 0.25);
            w.addBool("v.bool", true);
            GgufArrayBuilder inner(GgufValueType::Int32);
            inner.addInt(1).addInt(2);
            GgufArrayBuilder outer(GgufValueType::Array);
            outer.addArray(inner).addArray(inner);
            w.addArray("v.nested", outer);
            std::vector<uint8_t> q4k(144, 3), q6k(210, 4);
            std::vector<uint64_t> d = {256};
            w.addTensor("k4", GgmlType::Q4_K, d, q4k);
            w.addTensor("k6", GgmlType::Q6_K, d, q6k);
            w.writeFile((dir / "values_v2.gguf").string());
        }
        {
            GgufWriter w(3);
            w.writeFile((dir / "empty_v3.gguf").string());
        }
    } catch (const Error& e) {
        std::fprintf(stderr, "gguf_seed_writer: %s\n", e.what());
        return 1;
    }
    return 0;
}
