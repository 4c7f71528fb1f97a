// Dequantization of files made by llama.cpp's own quantizer: the K-quant mixes against the
// F16 model they were made from, and stories260K's F16 file against its F32 original.
#include "gguf/gguf_file.h"
#include "quant/dequantize.h"
#include "quant/fp16.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

using namespace hearth;

namespace {

std::vector<float> dequantizeTensor(const GgufFile& f, const GgufTensorInfo& t)
{
    std::vector<float> out(static_cast<size_t>(t.elementCount));
    dequantizeRow(t.type, f.tensorData(t).data(), out.data(), int64_t(t.elementCount));
    return out;
}

}  // namespace

TEST(RealFiles, F16FileIsTheF32ModelRoundedToHalf)
{
    HEARTH_REQUIRE_SHARED(shared);
    GgufFile f32 = GgufFile::open((shared / "models/stories260K.gguf").string());
    GgufFile f16 = GgufFile::open((shared / "models/stories260K-F16.gguf").string());
    int compared = 0;
    for (const auto& t : f16.tensors()) {
        if (t.type != GgmlType::F16) continue;
        auto half = dequantizeTensor(f16, t);
        auto full = dequantizeTensor(f32, *f32.findTensor(t.name));
        for (size_t i = 0; i < half.size(); ++i) ASSERT_EQ(half[i], roundToFp16(full[i])) << t.name << "[" << i << "]";
        ++compared;
    }
    EXPECT_GT(compared, 10);
}

TEST(RealFiles, StoriesQuantizedFilesStayCloseToF32)
{
    HEARTH_REQUIRE_SHARED(shared);
    GgufFile f32 = GgufFile::open((shared / "models/stories260K.gguf").string());
    const std::map<std::string, double> bounds = {{"Q8_0", 0.01}, {"Q5_1", 0.05}, {"Q5_0", 0.06}, {"Q4_1", 0.1}, {"Q4_0", 0.12}};
    for (const auto& [name, bound] : bounds) {
        GgufFile q = GgufFile::open((shared / ("models/stories260K-" + name + ".gguf")).string());
        for (const auto& t : q.tensors()) {
            auto a = dequantizeTensor(q, t);
            auto b = dequantizeTensor(f32, *f32.findTensor(t.name));
            double err = 0, ref = 0;
            for (size_t i = 0; i < a.size(); ++i) {
                err += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
                ref += double(b[i]) * b[i];
            }
            const double rel = std::sqrt(err / ref);
            const double typeBound = t.type == GgmlType::F16 ? 0.001 : t.type == GgmlType::F32 ? 0.0 : bound;
            EXPECT_LE(rel, typeBound) << name << " " << t.name << " (" << ggmlTypeName(t.type) << ")";
        }
    }
}

TEST(RealFiles, KQuantsMatchTheirF16OriginalWithinTheTypesError)
{
    HEARTH_REQUIRE_SHARED(shared);
    GgufFile original = GgufFile::open((shared / "models/ktest-qwen2-F16.gguf").string());
    // Relative RMS error per type for N(0, 0.12^2) weights quantized by llama-quantize.
    // A wrong block layout gives errors near 1.0 (the size of the weights themselves).
    const std::map<GgmlType, double> bounds = {
        {GgmlType::Q2_K, 0.40},  {GgmlType::Q3_K, 0.22},  {GgmlType::Q4_K, 0.10}, {GgmlType::Q5_K, 0.05},
        {GgmlType::Q6_K, 0.025}, {GgmlType::Q8_0, 0.006}, {GgmlType::F16, 0.0},   {GgmlType::F32, 0.0},
    };
    std::map<GgmlType, double> worst;
    for (const char* mix : {"Q2_K", "Q3_K_M", "Q4_K_M", "Q5_K_M", "Q6_K"}) {
        GgufFile q = GgufFile::open((shared / ("models/ktest-qwen2-" + std::string(mix) + ".gguf")).string());
        ASSERT_EQ(q.tensors().size(), original.tensors().size());
        for (const auto& t : q.tensors()) {
            auto a = dequantizeTensor(q, t);
            auto b = dequantizeTensor(original, *original.findTensor(t.name));
            ASSERT_EQ(a.size(), b.size());
            double err = 0, ref = 0;
            for (size_t i = 0; i < a.size(); ++i) {
                err += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
                ref += double(b[i]) * b[i];
            }
            const double rel = ref > 0 ? std::sqrt(err / ref) : 0;
            ASSERT_TRUE(bounds.count(t.type)) << "unexpected type " << ggmlTypeName(t.type) << " in " << mix;
            EXPECT_LE(rel, bounds.at(t.type)) << mix << " " << t.name << " (" << ggmlTypeName(t.type) << ")";
            worst[t.type] = std::max(worst[t.type], rel);
        }
    }
    for (const auto& [type, rel] : worst)
        std::printf("  %-5s worst relative RMS error %.4f\n", std::string(ggmlTypeName(type)).c_str(), rel);
    EXPECT_TRUE(worst.count(GgmlType::Q2_K) && worst.count(GgmlType::Q3_K) && worst.count(GgmlType::Q4_K) && worst.count(GgmlType::Q5_K) &&
                worst.count(GgmlType::Q6_K))
        << "every K-quant type was exercised";
}
