// The fast CPU backend end to end against the reference CPU backend, with every kernel table this
// CPU can run (HEARTH_CPU_ISA forces each): the same greedy tokens on stories260K, the same
// perplexities, and the K-quant mixes' logits. The kernels sum in the reference's order, so
// "the same" is bit for bit (the issue asks 0.01 %; 8-bit activations would turn any rounding
// difference into flipped quantization steps, so nothing less than the same bits is stable).
#include "backend/cpu/cpu_backend.h"
#include "backend/cpu/cpu_isa.h"
#include "backend/cpu/fast_cpu_backend.h"
#include "engine/perplexity.h"
#include "engine/session.h"
#include "model/model.h"
#include "test_model_writer.h"
#include "quant/fp16.h"
#include "quant/iq_dequantize.h"
#include "quant/quantize_reference.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

using namespace hearth;

namespace {

// A fast backend running one forced kernel table.
// Random quants under small scales: the level types, which the reference has no quantizer for
// (IQ4_NL's and IQ4_XS's F16 d come first in the block, MXFP4's E8M0 exponent).
std::vector<uint8_t> randomLevelBlocks(GgmlType type, int64_t n, uint32_t seed)
{
    std::mt19937 rng(seed);
    std::vector<uint8_t> bytes(rowBytes(type, n));
    for (auto& b : bytes) b = uint8_t(rng());
    for (size_t block = 0; block < bytes.size(); block += ggmlTypeTraits(type).blockBytes) {
        if (type == GgmlType::MXFP4) {
            bytes[block] = uint8_t(118 + rng() % 12);
            continue;
        }
        const uint16_t d = floatToFp16(0.001f + 0.0001f * float(rng() % 100));
        std::memcpy(bytes.data() + block, &d, 2);
    }
    return bytes;
}

std::shared_ptr<Backend> fastBackend(const char* isa, unsigned threads)
{
    setenv("HEARTH_CPU_ISA", isa, 1);
    auto backend = std::make_shared<FastCpuBackend>(threads);
    unsetenv("HEARTH_CPU_ISA");
    EXPECT_STREQ(backend->isa(), isa);
    return backend;
}

const char* kStoriesFiles[] = {"stories260K.gguf",      "stories260K-F16.gguf",  "stories260K-Q8_0.gguf", "stories260K-Q5_1.gguf",
                               "stories260K-Q5_0.gguf", "stories260K-Q4_1.gguf", "stories260K-Q4_0.gguf"};

std::vector<TokenId> greedy(Model& model, const std::vector<TokenId>& prompt)
{
    Session session(model, SessionOptions {});
    GenerateOptions options;
    options.maxTokens = 64;
    options.sampler.temperature = 0;
    return session.generate(prompt, options, {}).tokens;
}

// The logits of a prompt and one decode step on every kernel table, bit for bit the reference's.
void expectTheReferencesLogits(const std::string& path, const std::vector<TokenId>& prompt, const std::string& label)
{
    std::vector<float> want;
    {
        auto model = Model::load(path, std::make_shared<CpuBackend>(2));
        Session session(*model, SessionOptions {});
        session.evaluate(prompt);
        const auto logits = session.decode(5);
        want.assign(logits.begin(), logits.end());
    }
    for (const auto* table : runnableKernelTables()) {
        auto model = Model::load(path, fastBackend(table->isa, 2));
        Session session(*model, SessionOptions {});
        session.evaluate(prompt);
        const auto got = session.decode(5);
        ASSERT_EQ(got.size(), want.size());
        EXPECT_TRUE(std::equal(got.begin(), got.end(), want.begin())) << label << " on " << table->isa;
    }
}

// The tensor info of a rows x cols matrix of `type` stored in `bytes` bytes.
GgufTensorInfo matrixInfo(GgmlType type, int64_t rows, int64_t cols, size_t bytes)
{
    GgufTensorInfo info;
    info.name = "w";
    info.type = type;
    info.dimCount = 2;
    info.dims = {uint64_t(cols), uint64_t(rows), 1, 1};
    info.elementCount = uint64_t(rows * cols);
    info.byteSize = bytes;
    return info;
}

}  // namespace

TEST(FastCpuBackend, GreedyTokensAreTheReferencesOnEveryFileAndInstructionSet)
{
    HEARTH_REQUIRE_SHARED(shared);
    auto reference = std::make_shared<CpuBackend>(2);
    for (const char* file : kStoriesFiles) {
        const std::string path = (shared / "models" / file).string();
        auto referenceModel = Model::load(path, reference);
        const auto prompt = referenceModel->tokenizer().encode("Once upon a time", true, false);
        const auto want = greedy(*referenceModel, prompt);
        for (const auto* table : runnableKernelTables())
            for (unsigned threads : {3u}) {
                auto model = Model::load(path, fastBackend(table->isa, threads));
                EXPECT_EQ(greedy(*model, prompt), want) << file << " on " << table->isa << ", " << threads << " threads";
            }
    }
}

TEST(FastCpuBackend, PerplexityIsTheReferences)
{
    HEARTH_REQUIRE_SHARED(shared);
    std::ifstream in(shared / "models/story-text.txt", std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    PerplexityRequest request;
    request.text = text.str();
    request.context = 128;
    request.maxChunks = 6;
    auto reference = std::make_shared<CpuBackend>(2);
    for (const char* file : kStoriesFiles) {
        const std::string path = (shared / "models" / file).string();
        const double want = measurePerplexity(*Model::load(path, reference), request, true).perplexity;
        for (const auto* table : runnableKernelTables()) {
            const double got = measurePerplexity(*Model::load(path, fastBackend(table->isa, 2)), request, true).perplexity;
            std::printf("  %-24s %-12s PPL %.6f (reference %.6f)\n", file, table->isa, got, want);
            EXPECT_EQ(got, want) << file << " on " << table->isa;
        }
    }
}

TEST(FastCpuBackend, KQuantMixLogitsMatchTheReference)
{
    HEARTH_REQUIRE_SHARED(shared);
    auto reference = std::make_shared<CpuBackend>(2);
    const std::vector<TokenId> prompt = {1, 100, 2000, 37, 4000, 512, 9, 777, 3000, 64};
    for (const char* name : {"F16", "Q2_K", "Q3_K_M", "Q4_K_M", "Q5_K_M", "Q6_K"}) {
        const std::string path = (shared / ("models/ktest-qwen2-" + std::string(name) + ".gguf")).string();
        std::vector<float> want;
        {
            auto model = Model::load(path, reference);
            Session session(*model, SessionOptions {});
            const auto logits = session.evaluate(prompt);
            want.assign(logits.begin(), logits.end());
        }
        for (const auto* table : runnableKernelTables()) {
            auto model = Model::load(path, fastBackend(table->isa, 2));
            Session session(*model, SessionOptions {});
            const auto got = session.evaluate(prompt);
            ASSERT_EQ(got.size(), want.size());
            EXPECT_TRUE(std::equal(got.begin(), got.end(), want.begin())) << name << " on " << table->isa;
        }
    }
}

TEST(FastCpuBackend, GeneratedModelsOfEveryWeightTypeGiveTheReferencesLogits)
{
    // Tied and untied tables, a vocabulary and feed-forward size that are not multiples of four
    // (rows left out of the packed groups), prompt then decode steps: the same logits, bit for bit.
    test::ScratchDir scratch;
    const auto& dir = scratch.path();
    const std::vector<TokenId> prompt = {1, 17, 300, 45, 99, 260, 3};
    int index = 0;
    for (GgmlType type : {GgmlType::Q4_0, GgmlType::Q8_0, GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q2_K, GgmlType::Q3_K,
                          GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::F16, GgmlType::BF16})
        for (bool tied : {true, false}) {
            test::TestModelSpec spec;
            spec.architecture = tied ? "qwen2" : "llama";
            spec.weightType = type;
            spec.embedding = 256;
            spec.feedForward = ggmlTypeTraits(type).blockElements == 256 ? 512 : 544;
            spec.vocabulary = 2051;  // tables above the size copied at load: the packed lookups run
            spec.tiedEmbeddings = tied;
            spec.seed = uint64_t(++index);
            const std::string path = (dir / (std::string(ggmlTypeName(type)) + (tied ? "-tied" : "") + ".gguf")).string();
            test::writeTestModel(path, spec);
            expectTheReferencesLogits(path, prompt, std::string(ggmlTypeName(type)) + (tied ? " tied" : ""));
        }
}

TEST(FastCpuBackend, MixtureOfExpertsModelsGiveTheReferencesLogits)
{
    // qwen3moe, gpt-oss and DeepSeek (V2-Lite and V3 layouts): each expert's rows of the stacked
    // weights, the router, the expert biases, the latent attention's per-head matrices.
    test::ScratchDir scratch;
    const std::vector<TokenId> prompt = {1, 17, 300, 45, 99, 260, 3, 8, 9, 10, 11};
    int index = 0;
    for (const char* arch : {"qwen3moe", "gpt-oss", "deepseek2", "deepseek3"})
        for (GgmlType type : {GgmlType::Q4_0, GgmlType::Q8_0, GgmlType::Q5_0, GgmlType::Q4_K}) {
            test::TestModelSpec spec;
            spec.architecture = std::string(arch) == "deepseek3" ? "deepseek2" : arch;
            spec.deepSeekV3 = std::string(arch) == "deepseek3";
            spec.weightType = type;
            spec.experts = 6;
            spec.expertsUsed = 3;
            spec.expertFeedForward = type == GgmlType::Q4_K ? 256 : 96;
            spec.slidingWindow = 4;
            spec.seed = uint64_t(++index);
            const std::string path = (scratch.path() / (std::string(arch) + std::string(ggmlTypeName(type)) + ".gguf")).string();
            test::writeTestModel(path, spec);
            expectTheReferencesLogits(path, prompt, std::string(arch) + " " + std::string(ggmlTypeName(type)));
        }
}

TEST(FastCpuBackend, Gemma4GivesTheReferencesLogits)
{
    // Sliding and full layers of different head sizes, shared KV layers, per-layer embeddings.
    test::ScratchDir scratch;
    const std::vector<TokenId> prompt = {1, 17, 300, 45, 99, 260, 3, 8, 9, 10, 11};
    int index = 0;
    for (GgmlType type : {GgmlType::F32, GgmlType::Q8_0, GgmlType::Q4_K}) {
        test::TestModelSpec spec;
        spec.architecture = "gemma4";
        spec.gemma4Experts = type != GgmlType::F32;  // the 26B-A4B's experts on the quantized files
        spec.weightType = type;
        spec.layers = 6;
        spec.heads = 4;
        spec.kvHeads = 2;
        spec.slidingWindow = 4;
        spec.seed = uint64_t(++index);
        const std::string path = (scratch.path() / ("gemma4-" + std::string(ggmlTypeName(type)) + ".gguf")).string();
        test::writeTestModel(path, spec);
        expectTheReferencesLogits(path, prompt, "gemma4 " + std::string(ggmlTypeName(type)));
    }
}

TEST(FastCpuBackend, Qwen35GivesTheReferencesLogits)
{
    // Gated DeltaNet layers beside full attention, dense and with experts.
    test::ScratchDir scratch;
    const std::vector<TokenId> prompt = {1, 17, 300, 45, 99, 260, 3, 8, 9, 10, 11};
    int index = 0;
    for (const char* arch : {"qwen35", "qwen35moe"})
        for (GgmlType type : {GgmlType::F32, GgmlType::Q8_0, GgmlType::Q4_K}) {
            test::TestModelSpec spec;
            spec.architecture = arch;
            spec.weightType = type;
            spec.layers = 4;
            spec.seed = uint64_t(++index);
            const std::string label = std::string(arch) + " " + std::string(ggmlTypeName(type));
            const std::string path = (scratch.path() / (label + ".gguf")).string();
            test::writeTestModel(path, spec);
            expectTheReferencesLogits(path, prompt, label);
        }
}

TEST(FastCpuBackend, RowRangesOfAPackedWeightGiveTheReferencesBits)
{
    // Ranges on and off the packed groups of eight rows, and past the last whole group (the grid
    // IQ types: on and off the groups of eight their prompt kernel decodes together).
    const int64_t rows = 43;
    for (GgmlType type :
         {GgmlType::Q4_0, GgmlType::Q8_0, GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::F16,
          GgmlType::IQ4_NL, GgmlType::IQ4_XS, GgmlType::MXFP4, GgmlType::IQ2_XXS, GgmlType::IQ3_S, GgmlType::IQ1_S}) {
        const int64_t cols = ggmlTypeTraits(type).blockElements == 256 ? 256 : 64;
        const bool levels = isIqType(type);  // random blocks with sane scales (no reference quantizer for these)
        const auto bytes = levels ? randomLevelBlocks(type, rows * cols, 5)
                                  : quantizeReference(type, test::randomValues(size_t(rows * cols), 5).data(), rows * cols);
        const GgufTensorInfo info = matrixInfo(type, rows, cols, bytes.size());
        CpuBackend reference(2);
        // The fast backend gets copies: it releases the pages of what it copies at load, which for
        // anonymous memory (not a mapped file) zeroes them under the reference's view.
        for (const auto* table : runnableKernelTables()) {
            auto fast = fastBackend(table->isa, 2);
            const std::vector<uint8_t> fastBytes = bytes;
            auto wr = reference.weight(info, bytes);
            auto wf = fast->weight(info, fastBytes);
            for (int64_t tokens : {1, 6}) {
                const auto x = test::randomValues(size_t(tokens * cols), 6);
                std::vector<uint8_t> xBytes(x.size() * 4);
                std::memcpy(xBytes.data(), x.data(), xBytes.size());
                GgufTensorInfo xInfo = info;
                xInfo.type = GgmlType::F32;
                xInfo.dims = {uint64_t(cols), uint64_t(tokens), 1, 1};
                xInfo.dimCount = tokens == 1 ? 1 : 2;
                std::vector<TokenId> ids;
                for (int64_t t = 0; t < tokens; ++t) ids.push_back(TokenId(t));
                // A one-row table is a vector: load the activations through a two-row table instead.
                std::vector<uint8_t> tableBytes = xBytes;
                if (tokens == 1) tableBytes.insert(tableBytes.end(), xBytes.begin(), xBytes.end());
                xInfo.dims[1] = uint64_t(std::max<int64_t>(tokens, 2));
                xInfo.dimCount = 2;
                const std::vector<uint8_t> fastTableBytes = tableBytes;
                auto tableR = reference.weight(xInfo, tableBytes);
                auto tableF = fast->weight(xInfo, fastTableBytes);
                auto xr = reference.activations(tokens, cols);
                auto xf = fast->activations(tokens, cols);
                reference.getRows(*tableR, ids, *xr);
                fast->getRows(*tableF, ids, *xf);
                for (auto [first, count] : {std::pair<int64_t, int64_t> {0, 43}, {8, 16}, {3, 13}, {37, 6}, {40, 3}}) {
                    auto outR = reference.activations(tokens, count);
                    auto outF = fast->activations(tokens, count);
                    reference.matmulRows(*wr, first, *xr, *outR);
                    fast->matmulRows(*wf, first, *xf, *outF);
                    for (int64_t t = 0; t < tokens; ++t) {
                        std::vector<float> a(static_cast<size_t>(count)), b(static_cast<size_t>(count));
                        reference.readRow(*outR, t, a);
                        fast->readRow(*outF, t, b);
                        EXPECT_EQ(a, b) << ggmlTypeName(type) << " rows " << first << "+" << count << " token " << t << " on "
                                        << table->isa;
                    }
                }
            }
        }
    }
}

TEST(FastCpuBackend, ProductsOfOneInputGiveTheReferencesBits)
{
    // matmulSharedInput groups the packed weights by type (one quantization of x, one pass of the
    // threads) and runs the rest one by one: types mixed and interleaved, a weight with a partial
    // last group, one too small to pack, a plain one.
    const int64_t cols = 256;
    const std::vector<std::pair<GgmlType, int64_t>> shapes = {{GgmlType::Q4_K, 43}, {GgmlType::Q6_K, 16}, {GgmlType::Q4_0, 5},
                                                              {GgmlType::Q4_K, 24}, {GgmlType::F16, 19},  {GgmlType::Q6_K, 8}};
    std::vector<std::vector<uint8_t>> bytes;
    std::vector<GgufTensorInfo> infos;
    for (size_t i = 0; i < shapes.size(); ++i) {
        const auto [type, rows] = shapes[i];
        bytes.push_back(quantizeReference(type, test::randomValues(size_t(rows * cols), 40 + i).data(), rows * cols));
        infos.push_back(matrixInfo(type, rows, cols, bytes.back().size()));
    }
    CpuBackend reference(2);
    for (const auto* table : runnableKernelTables()) {
        auto fast = fastBackend(table->isa, 2);
        const std::vector<std::vector<uint8_t>> fastBytes = bytes;  // the fast backend releases the pages it packs
        std::vector<std::unique_ptr<Tensor>> wr, wf;
        for (size_t i = 0; i < shapes.size(); ++i) {
            wr.push_back(reference.weight(infos[i], bytes[i]));
            wf.push_back(fast->weight(infos[i], fastBytes[i]));
        }
        for (int64_t tokens : {1, 5}) {
            const auto x = test::randomValues(size_t(tokens * cols), 41);
            auto xr = reference.activations(tokens, cols);
            auto xf = fast->activations(tokens, cols);
            reference.writeRows(*xr, x);
            fast->writeRows(*xf, x);
            std::vector<std::unique_ptr<Tensor>> outR, outF;
            std::vector<Backend::MatmulTarget> targets;
            for (size_t i = 0; i < shapes.size(); ++i) {
                outR.push_back(reference.activations(tokens, shapes[i].second));
                outF.push_back(fast->activations(tokens, shapes[i].second));
                reference.matmul(*wr[i], *xr, *outR[i]);
                targets.push_back({wf[i].get(), outF[i].get()});
            }
            fast->matmulSharedInput(*xf, targets);
            for (size_t i = 0; i < shapes.size(); ++i)
                for (int64_t t = 0; t < tokens; ++t) {
                    std::vector<float> a(size_t(shapes[i].second)), b(size_t(shapes[i].second));
                    reference.readRow(*outR[i], t, a);
                    fast->readRow(*outF[i], t, b);
                    EXPECT_EQ(a, b) << "product " << i << " (" << ggmlTypeName(shapes[i].first) << ") token " << t << " on " << table->isa;
                }
        }
    }
}
