// The engine's forward pass on models written by the test tools (each architecture and weight
// type) against ReferenceForward, an op-by-op double-precision implementation of the same
// equations; plus clear errors for broken models.
#include "backend/cpu/cpu_backend.h"
#include "core/error.h"
#include "engine/session.h"
#include "model/model.h"
#include "gguf/gguf_writer.h"
#include "reference_forward.h"
#include "test_model_writer.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace hearth;

namespace {

double relativeL2(std::span<const float> a, const std::vector<double>& b)
{
    double err = 0, ref = 0;
    for (size_t i = 0; i < b.size(); ++i) {
        err += (a[i] - b[i]) * (a[i] - b[i]);
        ref += b[i] * b[i];
    }
    return std::sqrt(err / ref);
}

struct Case {
    const char* architecture;
    GgmlType type;
    double bound;  // relative L2 error of the logits vs the double-precision reference
    bool tied = false;
    int64_t headDim = 0;  // 0: embedding / heads (Qwen3 sets its own)
};

}  // namespace

TEST(ModelForward, MatchesTheReferenceForEveryArchitectureAndWeightType)
{
    // Bounds come from how each path rounds its activations before the dot products
    // (F16/BF16 to half, the block types to 8 bits); F32 differs only in summation order.
    const Case cases[] = {
        {"llama", GgmlType::F32, 2e-5},
        {"qwen2", GgmlType::F32, 2e-5},
        {"llama", GgmlType::F32, 2e-5, true},
        {"llama", GgmlType::F16, 3e-3},
        {"qwen2", GgmlType::BF16, 2e-2},
        {"llama", GgmlType::Q8_0, 2e-2},
        {"qwen2", GgmlType::Q8_0, 2e-2},
        {"llama", GgmlType::Q4_0, 2e-2},
        {"llama", GgmlType::Q4_1, 2e-2},
        {"qwen2", GgmlType::Q5_0, 2e-2},
        {"llama", GgmlType::Q5_1, 2e-2},
        {"llama", GgmlType::Q2_K, 2e-2},
        {"qwen2", GgmlType::Q3_K, 2e-2},
        {"llama", GgmlType::Q4_K, 2e-2},
        {"qwen2", GgmlType::Q5_K, 2e-2},
        {"llama", GgmlType::Q6_K, 2e-2},
        {"qwen2", GgmlType::Q6_K, 2e-2, true},
        // Qwen3: per-head Q/K norms, and a head size that is not embedding / heads.
        {"qwen3", GgmlType::F32, 2e-5, false, 96},
        {"qwen3", GgmlType::Q8_0, 2e-2, false, 96},
        {"qwen3", GgmlType::Q4_K, 2e-2, true, 96},
    };
    test::ScratchDir dir;
    auto backend = std::make_shared<CpuBackend>(2);
    for (const Case& c : cases) {
        std::string label = std::string(c.architecture) + "/" + std::string(ggmlTypeName(c.type)) + (c.tied ? "/tied" : "");
        if (c.headDim) label += "/head" + std::to_string(c.headDim);
        test::TestModelSpec spec;
        spec.architecture = c.architecture;
        spec.weightType = c.type;
        spec.tiedEmbeddings = c.tied;
        spec.headDim = c.headDim;
        spec.seed = uint64_t(c.type) * 7 + (c.tied ? 1 : 0);
        const std::string path = (dir.path() / "model.gguf").string();
        test::writeTestModel(path, spec);
        auto model = Model::load(path, backend);
        SessionOptions options;
        options.contextLength = 32;
        options.f16Cache = false;  // the reference keeps K/V in full precision
        options.batchSize = 4;  // the prompt runs as two batches
        Session session(*model, options);

        test::ReferenceForward reference(model->file());
        const std::vector<TokenId> prompt = {1, 300, 17, 259, 311, 42};
        std::vector<double> expected;
        for (TokenId t : prompt) expected = reference.step(t);
        auto logits = session.evaluate(prompt);
        ASSERT_EQ(logits.size(), expected.size()) << label;
        EXPECT_LE(relativeL2(logits, expected), c.bound) << label << " after the prompt";
        for (TokenId next : {TokenId(5), TokenId(318)}) {
            expected = reference.step(next);
            logits = session.decode(next);
            EXPECT_LE(relativeL2(logits, expected), c.bound) << label << " decoding " << next;
        }
    }
}

TEST(ModelForward, BrokenModelsGiveClearErrors)
{
    test::ScratchDir dir;
    auto backend = std::make_shared<CpuBackend>(1);
    auto expectError = [&](const std::string& path, ErrorCode code, const std::string& part) {
        try {
            Model::load(path, backend);
            ADD_FAILURE() << "loaded " << path;
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), code) << e.what();
            EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
        }
    };
    // Copies a good test model, dropping or transposing one tensor or renaming the architecture.
    const std::string good = (dir.path() / "good.gguf").string();
    test::writeTestModel(good, test::TestModelSpec {});
    GgufFile src = GgufFile::open(good);
    auto rewrite = [&](const std::string& path, const std::string& dropTensor, const std::string& architecture,
                       const std::string& reshapeTensor) {
        GgufWriter w;
        for (const auto& entry : src.metadata()) {
            const GgufValue& v = entry.value;
            std::string key(entry.key);
            if (key == "general.architecture") {
                w.addString(key, architecture);
                continue;
            }
            switch (v.type()) {
            case GgufValueType::String: w.addString(key, *v.toString()); break;
            case GgufValueType::Float32: w.addFloat(key, v.type(), *v.toDouble()); break;
            case GgufValueType::Array: {
                GgufArrayBuilder a(v.elementType());
                for (uint64_t i = 0; i < v.arraySize(); ++i) {
                    if (v.elementType() == GgufValueType::String) a.addString(v.stringAt(i));
                    else if (v.elementType() == GgufValueType::Float32) a.addFloat(*v.arrayDouble(i));
                    else a.addInt(*v.arrayInt(i));
                }
                w.addArray(key, a);
                break;
            }
            default: w.addInt(key, v.type(), *v.toInt());
            }
        }
        for (const auto& t : src.tensors()) {
            if (t.name == dropTensor) continue;
            auto data = src.tensorData(t);
            std::vector<uint64_t> dims(t.dims.begin(), t.dims.begin() + t.dimCount);
            if (t.name == reshapeTensor) {
                std::swap(dims[0], dims[1]);
            }
            w.addTensor(t.name, t.type, dims, data);
        }
        w.writeFile(path);
    };
    const std::string missing = (dir.path() / "missing.gguf").string();
    rewrite(missing, "blk.1.ffn_up.weight", "llama", "");
    expectError(missing, ErrorCode::NotFound, "tensor 'blk.1.ffn_up.weight' is missing");
    const std::string misshapen = (dir.path() / "misshapen.gguf").string();
    rewrite(misshapen, "", "llama", "blk.0.ffn_down.weight");
    expectError(misshapen, ErrorCode::InvalidFile, "tensor 'blk.0.ffn_down.weight' has shape");
    const std::string unknown = (dir.path() / "unknown.gguf").string();
    rewrite(unknown, "", "mamba", "");
    expectError(unknown, ErrorCode::UnsupportedType, "architecture 'mamba' is not supported");
}
