// Every Vulkan kernel against the CPU reference backend on random inputs, at sizes that are not
// multiples of workgroups, tiles or blocks. Runs on whatever device Vulkan picks (lavapipe in
// CI), under the validation layer. Tolerances are normalised mean squared errors:
//   1e-6 for element-wise ops and exact dequantization (float rounding only),
//   5e-4 for matmul and attention (the CPU rounds activations to F16/Q8 and keeps the attention
//   sums in F16 as ggml does; the shaders keep F32).
#include "backend/cpu/cpu_backend.h"
#include "backend/vulkan/vk_loader.h"
#include "backend/vulkan/vulkan_backend.h"
#include "core/error.h"
#include "quant/fp16.h"
#include "quant/iq_dequantize.h"
#include "quant/quantize_reference.h"

#include "test_support.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>

using namespace hearth;

namespace {

constexpr double kElementwise = 1e-6;
constexpr double kMatmul = 5e-4;

double nmse(const std::vector<float>& got, const std::vector<float>& want)
{
    double err = 0, ref = 0;
    for (size_t i = 0; i < want.size(); ++i) {
        err += (double(got[i]) - want[i]) * (double(got[i]) - want[i]);
        ref += double(want[i]) * want[i];
    }
    return ref == 0 ? err : err / ref;
}

// One backend with the tensors a test made on it.
struct Side {
    std::shared_ptr<Backend> backend;

    std::unique_ptr<Tensor> weight(GgmlType type, const std::vector<uint8_t>& bytes, int64_t rows, int64_t cols)
    {
        GgufTensorInfo info;
        info.name = "w";
        info.type = type;
        info.dimCount = rows == 1 ? 1 : 2;
        info.dims = {uint64_t(cols), uint64_t(rows), 1, 1};
        info.elementCount = uint64_t(rows * cols);
        info.byteSize = bytes.size();
        return backend->weight(info, bytes);
    }
    std::unique_ptr<Tensor> acts(const std::vector<float>& values, int64_t rows, int64_t cols, const std::vector<uint8_t>& bytes)
    {
        auto table = weight(GgmlType::F32, bytes, rows, cols);
        auto t = backend->activations(rows, cols);
        std::vector<TokenId> ids;
        for (int64_t r = 0; r < rows; ++r) ids.push_back(TokenId(r));
        if (rows == 1) {  // a 1-row table is a vector to the backends: go through a 2-row one
            std::vector<float> two(values);
            two.insert(two.end(), values.begin(), values.end());
            std::vector<uint8_t> twoBytes(two.size() * 4);
            std::memcpy(twoBytes.data(), two.data(), twoBytes.size());
            auto table2 = weight(GgmlType::F32, twoBytes, 2, cols);
            backend->getRows(*table2, ids, *t);
            return t;
        }
        backend->getRows(*table, ids, *t);
        return t;
    }
    std::vector<float> read(const Tensor& t)
    {
        std::vector<float> out(size_t(t.rows() * t.cols()));
        for (int64_t r = 0; r < t.rows(); ++r) backend->readRow(t, r, std::span<float>(out.data() + r * t.cols(), size_t(t.cols())));
        return out;
    }
};

std::vector<uint8_t> bytesOf(const std::vector<float>& v)
{
    std::vector<uint8_t> b(v.size() * 4);
    std::memcpy(b.data(), v.data(), b.size());
    return b;
}

// IQ blocks: random bytes (every index, sign and sub-scale pattern), with the block scale set
// to a modest finite value (random bits could be Inf or NaN).
std::vector<uint8_t> randomIqBlocks(GgmlType type, size_t values, uint64_t seed)
{
    const GgmlTypeTraits& t = ggmlTypeTraits(type);
    const size_t blocks = values / t.blockElements;
    std::vector<uint8_t> bytes = test::pseudoRandomBytes(blocks * t.blockBytes, seed);
    for (size_t b = 0; b < blocks; ++b) {
        uint8_t* block = bytes.data() + b * t.blockBytes;
        if (type == GgmlType::MXFP4) {
            block[0] = uint8_t(120 + block[0] % 10);  // E8M0 2^-7 .. 2^2
        } else if (type == GgmlType::IQ1_M) {
            const uint16_t d = floatToFp16(0.03f + 0.01f * float(b % 5));  // its four nibbles at the top of the scale words
            for (int i = 0; i < 4; ++i) block[48 + 2 * i + 1] = uint8_t((block[48 + 2 * i + 1] & 0x0F) | (((d >> (4 * i)) & 15) << 4));
        } else {
            const uint16_t d = floatToFp16(0.002f + 0.001f * float(b % 7));
            std::memcpy(block, &d, 2);
        }
    }
    return bytes;
}

std::vector<uint8_t> encode(GgmlType type, const std::vector<float>& v, uint64_t seed = 0)
{
    if (type == GgmlType::F32) return bytesOf(v);
    if (isIqType(type)) return randomIqBlocks(type, v.size(), seed);
    return quantizeReference(type, v.data(), int64_t(v.size()));
}

class VulkanOps : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (!vk::loadVulkanLoader().available) GTEST_SKIP() << "no Vulkan loader: " << vk::loadVulkanLoader().message;
        VulkanBackendOptions options;
        options.validation = true;
        const bool required = std::getenv("HEARTH_REQUIRE_VULKAN") != nullptr;  // set in CI
        try {
            m_vulkan = std::make_shared<VulkanBackend>(options);
        } catch (const Error& e) {
            if (required) FAIL() << e.what();
            GTEST_SKIP() << "no usable Vulkan device: " << e.what();
        }
        if (required) {
            ASSERT_TRUE(m_vulkan->validationEnabled()) << "VK_LAYER_KHRONOS_validation is not installed";
        }
        gpu.backend = m_vulkan;
        cpu.backend = std::make_shared<CpuBackend>(2);
    }
    void TearDown() override
    {
        if (m_vulkan) {
            for (const auto& e : m_vulkan->validationErrors()) ADD_FAILURE() << "validation: " << e;
        }
    }

    // Makes the same activations on both sides.
    std::pair<std::unique_ptr<Tensor>, std::unique_ptr<Tensor>> acts(int64_t rows, int64_t cols, uint64_t seed, float scale = 1.0f)
    {
        auto v = test::randomValues(size_t(rows * cols), seed, scale);
        auto b = bytesOf(v);
        m_keep.push_back(b);
        return {cpu.acts(v, rows, cols, m_keep.back()), gpu.acts(v, rows, cols, m_keep.back())};
    }
    std::pair<std::unique_ptr<Tensor>, std::unique_ptr<Tensor>> weights(GgmlType type, int64_t rows, int64_t cols, uint64_t seed)
    {
        m_keep.push_back(encode(type, test::randomValues(size_t(rows * cols), seed), seed));
        return {cpu.weight(type, m_keep.back(), rows, cols), gpu.weight(type, m_keep.back(), rows, cols)};
    }

    std::shared_ptr<VulkanBackend> m_vulkan;
    Side cpu, gpu;
    std::vector<std::vector<uint8_t>> m_keep;  // the CPU backend keeps views into weight bytes
};

struct TypeCase {
    GgmlType type;
    int64_t cols;
};

const TypeCase kTypes[] = {
    {GgmlType::F32, 53},
    {GgmlType::F16, 70},
    {GgmlType::BF16, 48},
    {GgmlType::Q4_0, 96},
    {GgmlType::Q4_1, 64},
    {GgmlType::Q5_0, 160},
    {GgmlType::Q5_1, 96},
    {GgmlType::Q8_0, 224},
    {GgmlType::Q2_K, 256},
    {GgmlType::Q3_K, 512},
    {GgmlType::Q4_K, 256},
    {GgmlType::Q5_K, 512},
    {GgmlType::Q6_K, 256},
    // The IQ types and MXFP4 (random blocks: every grid entry, sign pattern and sub-scale).
    {GgmlType::IQ4_NL, 64},
    {GgmlType::MXFP4, 96},
    {GgmlType::IQ4_XS, 256},
    {GgmlType::IQ2_XXS, 512},
    {GgmlType::IQ2_XS, 256},
    {GgmlType::IQ2_S, 256},
    {GgmlType::IQ3_XXS, 512},
    {GgmlType::IQ3_S, 256},
    {GgmlType::IQ1_S, 512},
    {GgmlType::IQ1_M, 256},
};

}  // namespace

TEST_F(VulkanOps, MatmulMatchesTheCpuForEveryWeightTypeAndTokenCount)
{
    // Twice, on the float kernels (IntegerDotMatmul... checks the others): with the kernels this
    // device gets, and with the GPU (split-row, subgroupAdd) kernels, which a CPU driver would
    // not otherwise run.
    VulkanBackendOptions deviceKernels;
    deviceKernels.validation = true;
    deviceKernels.integerDotKernels = 0;
    auto deviceFloat = std::make_shared<VulkanBackend>(deviceKernels);
    gpu.backend = deviceFloat;
    VulkanBackendOptions gpuKernels;
    gpuKernels.validation = true;
    gpuKernels.gpuMatmulKernels = true;
    gpuKernels.integerDotKernels = 0;
    auto splitRows = std::make_shared<VulkanBackend>(gpuKernels);
    for (int pass = 0; pass < 2; ++pass) {
        if (pass == 1) gpu.backend = splitRows;
        for (const TypeCase& c : kTypes) {
            const int64_t rows = 37;  // odd: the last row group of a workgroup is partial
            const int64_t cols = c.cols;
            auto [wc, wg] = weights(c.type, rows, cols, uint64_t(c.type) + 11);
            for (int64_t tokens : {1, 3, 8, 13, 37}) {  // decode kernel, and partial/whole/multiple token groups
                auto [xc, xg] = acts(tokens, cols, uint64_t(tokens) * 31);
                auto oc = cpu.backend->activations(tokens, rows);
                auto og = gpu.backend->activations(tokens, rows);
                cpu.backend->matmul(*wc, *xc, *oc);
                gpu.backend->matmul(*wg, *xg, *og);
                EXPECT_LE(nmse(gpu.read(*og), cpu.read(*oc)), kMatmul)
                    << ggmlTypeName(c.type) << " cols " << c.cols << " tokens " << tokens << " pass " << pass;
            }
        }
    }
    for (const auto& backend : {deviceFloat, splitRows})
        for (const auto& e : backend->validationErrors()) ADD_FAILURE() << "validation: " << e;
}

TEST_F(VulkanOps, IntegerDotMatmulMatchesTheCpuForEveryTypeItCovers)
{
    // The integer-dot kernels (matmul_dot.comp, activations quantized on the device), forced on
    // wherever the device has the feature: lavapipe has it, but not accelerated, so it would not
    // pick them itself. The other types must still run, on the float kernels.
    VulkanBackendOptions forced;
    forced.validation = true;
    forced.integerDotKernels = 1;
    VulkanBackendOptions off = forced;
    off.integerDotKernels = 0;
    EXPECT_FALSE(VulkanBackend(off).integerDotKernels());
    // With the decode rows per workgroup this device gets, and with an odd number (HEARTH_VK_MATVEC_ROWS).
    for (const char* matvecRows : {"", "3"}) {
        if (*matvecRows) setenv("HEARTH_VK_MATVEC_ROWS", matvecRows, 1);
        auto integerDot = std::make_shared<VulkanBackend>(forced);
        unsetenv("HEARTH_VK_MATVEC_ROWS");
        if (!integerDot->integerDotKernels()) GTEST_SKIP() << integerDot->device().name << " has no shaderIntegerDotProduct";
        gpu.backend = integerDot;
        for (const TypeCase& c : kTypes) {
            const int64_t rows = 37;
            const int64_t cols = c.cols;
            auto [wc, wg] = weights(c.type, rows, cols, uint64_t(c.type) + 11);
            for (int64_t tokens : {1, 3, 8, 13, 37}) {
                // Large activations too, so that a quantization step of the wrong size shows.
                auto [xc, xg] = acts(tokens, cols, uint64_t(tokens) * 31, tokens == 3 ? 40.0f : 1.0f);
                auto oc = cpu.backend->activations(tokens, rows);
                auto og = gpu.backend->activations(tokens, rows);
                cpu.backend->matmul(*wc, *xc, *oc);
                gpu.backend->matmul(*wg, *xg, *og);
                // Every quantized type has integer-dot kernels: they quantize the activations as the
                // CPU does and multiply the same integers, only the order of the float sums differs.
                // The float types stay on the float kernels.
                const bool dotType = c.type != GgmlType::F32 && c.type != GgmlType::F16 && c.type != GgmlType::BF16;
                EXPECT_LE(nmse(gpu.read(*og), cpu.read(*oc)), dotType ? 1e-9 : kMatmul)
                    << ggmlTypeName(c.type) << " cols " << c.cols << " tokens " << tokens << " matvec rows '" << matvecRows << "'";
            }
        }
        for (const auto& e : integerDot->validationErrors()) ADD_FAILURE() << "validation: " << e;
    }
}

TEST_F(VulkanOps, GetRowsDequantizesEveryWeightTypeExactly)
{
    for (const TypeCase& c : kTypes) {
        auto [wc, wg] = weights(c.type, 9, c.cols, uint64_t(c.type) + 3);
        const std::vector<TokenId> ids = {8, 0, 3, 3};
        auto oc = cpu.backend->activations(4, c.cols);
        auto og = gpu.backend->activations(4, c.cols);
        cpu.backend->getRows(*wc, ids, *oc);
        gpu.backend->getRows(*wg, ids, *og);
        EXPECT_LE(nmse(gpu.read(*og), cpu.read(*oc)), kElementwise) << ggmlTypeName(c.type);
    }
}

TEST_F(VulkanOps, ElementwiseOpsMatchTheCpu)
{
    const int64_t tokens = 5, cols = 333;
    auto [ac, ag] = acts(tokens, cols, 1);
    auto [bc, bg] = acts(tokens, cols, 2);
    auto [nc, ng] = weights(GgmlType::F32, 1, cols, 3);

    auto oc = cpu.backend->activations(tokens, cols);
    auto og = gpu.backend->activations(tokens, cols);
    cpu.backend->rmsNorm(*ac, *nc, 1e-5f, *oc);
    gpu.backend->rmsNorm(*ag, *ng, 1e-5f, *og);
    EXPECT_LE(nmse(gpu.read(*og), cpu.read(*oc)), kElementwise) << "rmsNorm";

    cpu.backend->add(*ac, *bc, *oc);
    gpu.backend->add(*ag, *bg, *og);
    EXPECT_LE(nmse(gpu.read(*og), cpu.read(*oc)), kElementwise) << "add";

    cpu.backend->swiglu(*ac, *bc, *oc);
    gpu.backend->swiglu(*ag, *bg, *og);
    EXPECT_LE(nmse(gpu.read(*og), cpu.read(*oc)), kElementwise) << "swiglu";
    cpu.backend->geglu(*ac, *bc, *oc);
    gpu.backend->geglu(*ag, *bg, *og);
    EXPECT_LE(nmse(gpu.read(*og), cpu.read(*oc)), kElementwise) << "geglu";
    cpu.backend->scale(*oc, 3.5f);
    gpu.backend->scale(*og, 3.5f);
    EXPECT_LE(nmse(gpu.read(*og), cpu.read(*oc)), kElementwise) << "scale";

    cpu.backend->addBias(*ac, *nc);  // in place
    gpu.backend->addBias(*ag, *ng);
    EXPECT_LE(nmse(gpu.read(*ag), cpu.read(*ac)), kElementwise) << "addBias";

    auto rc = cpu.backend->activations(2, cols);
    auto rg = gpu.backend->activations(2, cols);
    cpu.backend->copyRows(*ac, 3, *rc);
    gpu.backend->copyRows(*ag, 3, *rg);
    EXPECT_EQ(gpu.read(*rg), cpu.read(*rc)) << "copyRows";
}

TEST_F(VulkanOps, RopeMatchesTheCpuInBothStylesWithFrequencyFactors)
{
    const int64_t tokens = 7, heads = 3, headDim = 64;
    std::vector<float> factors(16);
    for (size_t i = 0; i < factors.size(); ++i) factors[i] = 1.0f + float(i) * 0.5f;
    for (bool neox : {false, true})
        for (bool withFactors : {false, true}) {
            RopeParams p;
            p.headDim = headDim;
            p.ropeDims = withFactors ? 32 : headDim;  // partial rotation with the factors
            p.base = 10000.0f;
            p.freqScale = withFactors ? 0.25f : 1.0f;
            p.neox = neox;
            p.freqFactors = withFactors ? factors.data() : nullptr;
            auto [xc, xg] = acts(tokens, heads * headDim, 9);
            const std::vector<int32_t> positions = {0, 1, 2, 17, 255, 1000, 4095};
            cpu.backend->rope(*xc, positions, p);
            gpu.backend->rope(*xg, positions, p);
            EXPECT_LE(nmse(gpu.read(*xg), cpu.read(*xc)), kElementwise) << "neox " << neox << " factors " << withFactors;
        }
}

TEST_F(VulkanOps, AttentionOverTheF16CacheMatchesTheCpu)
{
    struct Shape {
        int64_t heads, kvHeads, headDim, firstSlot, tokens;
        int64_t window = 0;
        float softCap = 0;
    };
    // More slots than a workgroup scores at once (64), GQA groups, decode and prefill, sliding
    // windows (inside and across 64-slot chunks) and soft-capped scores.
    const Shape shapes[] = {{4, 2, 64, 0, 9},         {8, 8, 32, 70, 1},         {6, 2, 128, 100, 30},
                            {2, 1, 256, 5, 3},        {2, 2, 8, 0, 5},           {4, 2, 64, 100, 1, 37},
                            {6, 2, 128, 100, 30, 70}, {4, 2, 64, 0, 9, 4, 1.5f}, {8, 8, 32, 70, 1, 0, 50.0f}};
    for (const Shape& s : shapes) {
        const int64_t kvDim = s.kvHeads * s.headDim, slots = s.firstSlot + s.tokens + 3;
        auto cc = cpu.backend->kvCache(1, slots, kvDim, true);
        auto cg = gpu.backend->kvCache(1, slots, kvDim, true);
        // Fill the earlier slots, then the new tokens, as a session does.
        for (auto [first, count] : {std::pair<int64_t, int64_t> {0, s.firstSlot}, {s.firstSlot, s.tokens}}) {
            if (count == 0) continue;
            auto [kc, kg] = acts(count, kvDim, uint64_t(first) + 40);
            auto [vc, vg] = acts(count, kvDim, uint64_t(first) + 41);
            cpu.backend->storeKv(*cc, 0, *kc, *vc, first);
            gpu.backend->storeKv(*cg, 0, *kg, *vg, first);
        }
        auto [qc, qg] = acts(s.tokens, s.heads * s.headDim, 77, 2.0f);
        AttentionParams p {s.heads, s.kvHeads, s.headDim, 1.0f / std::sqrt(float(s.headDim)), s.softCap, s.window};
        auto oc = cpu.backend->activations(s.tokens, s.heads * s.headDim);
        auto og = gpu.backend->activations(s.tokens, s.heads * s.headDim);
        cpu.backend->attention(*qc, *cc, 0, s.firstSlot, p, *oc);
        gpu.backend->attention(*qg, *cg, 0, s.firstSlot, p, *og);
        EXPECT_LE(nmse(gpu.read(*og), cpu.read(*oc)), kMatmul)
            << "heads " << s.heads << "/" << s.kvHeads << " dim " << s.headDim << " first " << s.firstSlot << " tokens " << s.tokens
            << " window " << s.window << " cap " << s.softCap;
    }
}

TEST_F(VulkanOps, ContextShiftMovesAndReRotatesKeysLikeTheCpu)
{
    for (bool neox : {false, true}) {
        const int64_t layers = 2, slots = 40, kvHeads = 2, headDim = 32, kvDim = kvHeads * headDim, used = 37;
        RopeParams rope;
        rope.headDim = headDim;
        rope.ropeDims = headDim;
        rope.neox = neox;
        auto cc = cpu.backend->kvCache(layers, slots, kvDim, true);
        auto cg = gpu.backend->kvCache(layers, slots, kvDim, true);
        for (int64_t layer = 0; layer < layers; ++layer) {
            auto [kc, kg] = acts(used, kvDim, uint64_t(layer) + 5);
            auto [vc, vg] = acts(used, kvDim, uint64_t(layer) + 6);
            cpu.backend->storeKv(*cc, layer, *kc, *vc, 0);
            gpu.backend->storeKv(*cg, layer, *kg, *vg, 0);
        }
        // Each layer its own rotation, as Gemma's sliding-window layers have their own base.
        std::vector<RopeParams> layerRope(size_t(layers), rope);
        layerRope[1].base = 1000000.0f;
        cpu.backend->shiftKv(*cc, 4, 13, used, layerRope);
        gpu.backend->shiftKv(*cg, 4, 13, used, layerRope);
        // Compare what attention sees in every layer over the slots that remain.
        const int64_t remaining = used - 13;
        AttentionParams p {4, kvHeads, headDim, 0.2f};
        for (int64_t layer = 0; layer < layers; ++layer) {
            auto [qc, qg] = acts(1, 4 * headDim, uint64_t(layer) + 90);
            auto oc = cpu.backend->activations(1, 4 * headDim);
            auto og = gpu.backend->activations(1, 4 * headDim);
            cpu.backend->attention(*qc, *cc, layer, remaining - 1, p, *oc);
            gpu.backend->attention(*qg, *cg, layer, remaining - 1, p, *og);
            EXPECT_LE(nmse(gpu.read(*og), cpu.read(*oc)), kMatmul) << "neox " << neox << " layer " << layer;
        }
    }
}

TEST_F(VulkanOps, ExpertRowsOfAStackedWeightMatchTheCpu)
{
    // Three experts of 24 rows stacked as one weight, split into pieces of a few rows (the binding
    // limit hook) so that an expert's rows can straddle two pieces.
    VulkanBackendOptions small;
    small.validation = true;
    small.bindingLimit = 8192;
    auto pieces = std::make_shared<VulkanBackend>(small);
    for (int pass = 0; pass < 2; ++pass) {
        if (pass == 1) gpu.backend = pieces;
        for (GgmlType type : {GgmlType::F32, GgmlType::Q8_0, GgmlType::Q4_K, GgmlType::MXFP4}) {
            const int64_t experts = 3, rows = 24, cols = 256;
            auto [wc, wg] = weights(type, experts * rows, cols, uint64_t(type) + 70);
            for (int64_t tokens : {1, 5}) {
                auto [xc, xg] = acts(tokens, cols, uint64_t(tokens) + 71);
                for (int64_t e = 0; e < experts; ++e) {
                    auto oc = cpu.backend->activations(tokens, rows);
                    auto og = gpu.backend->activations(tokens, rows);
                    cpu.backend->matmulRows(*wc, e * rows, *xc, *oc);
                    gpu.backend->matmulRows(*wg, e * rows, *xg, *og);
                    EXPECT_LE(nmse(gpu.read(*og), cpu.read(*oc)), kMatmul)
                        << ggmlTypeName(type) << " expert " << e << " tokens " << tokens << " pass " << pass;
                }
            }
        }
    }
    for (const auto& e : pieces->validationErrors()) ADD_FAILURE() << "validation: " << e;
}

TEST_F(VulkanOps, MixtureOfExpertsOpsMatchTheCpu)
{
    const int64_t tokens = 5, k = 3, cols = 200;
    auto [xc, xg] = acts(tokens, cols, 81);
    // Gather rows 4, 0, 4 (a token may be gathered more than once across experts) and scatter them back.
    const std::vector<int32_t> rows = {4, 0, 4};
    auto gc = cpu.backend->activations(3, cols);
    auto gg = gpu.backend->activations(3, cols);
    cpu.backend->gatherRows(*xc, rows, *gc);
    gpu.backend->gatherRows(*xg, rows, *gg);
    EXPECT_EQ(gpu.read(*gg), cpu.read(*gc)) << "gatherRows";
    auto [mc, mg] = acts(tokens * k, cols, 82);
    const std::vector<int32_t> slots = {14, 2, 7};
    cpu.backend->scatterRows(*gc, slots, *mc);
    gpu.backend->scatterRows(*gg, slots, *mg);
    EXPECT_EQ(gpu.read(*mg), cpu.read(*mc)) << "scatterRows";

    const std::vector<float> mix = test::randomValues(size_t(tokens * k), 83);
    auto sc = cpu.backend->activations(tokens, cols);
    auto sg = gpu.backend->activations(tokens, cols);
    cpu.backend->weightedRowSum(*mc, mix, k, *sc);
    gpu.backend->weightedRowSum(*mg, mix, k, *sg);
    EXPECT_EQ(gpu.read(*sg), cpu.read(*sc)) << "weightedRowSum: products and sums in the same order, no fused multiply-add";

    auto [ac, ag] = acts(tokens, cols, 84, 12.0f);  // past the clamp limits
    auto [bc, bg] = acts(tokens, cols, 85, 12.0f);
    cpu.backend->swigluOai(*ac, *bc, 1.702f, 7.0f, *sc);
    gpu.backend->swigluOai(*ag, *bg, 1.702f, 7.0f, *sg);
    EXPECT_LE(nmse(gpu.read(*sg), cpu.read(*sc)), kElementwise) << "swigluOai";

    // A table of per-expert biases: row 2 of 4.
    auto [tc, tg] = weights(GgmlType::F32, 4, cols, 86);
    cpu.backend->addBiasRow(*xc, *tc, 2);
    gpu.backend->addBiasRow(*xg, *tg, 2);
    EXPECT_LE(nmse(gpu.read(*xg), cpu.read(*xc)), kElementwise) << "addBiasRow";
}

TEST_F(VulkanOps, AttentionSinksMatchTheCpu)
{
    const int64_t heads = 4, kvHeads = 2, headDim = 64, kvDim = kvHeads * headDim;
    // A sink far above the scores (it takes most of the weight), one far below, and two near them.
    const std::vector<float> sinks = {30.0f, -30.0f, 0.5f, -0.2f};
    for (auto [firstSlot, tokens, window] : {std::tuple<int64_t, int64_t, int64_t> {0, 9, 0}, {70, 1, 0}, {0, 70, 0}, {100, 1, 32}}) {
        const int64_t slots = firstSlot + tokens;
        auto cc = cpu.backend->kvCache(1, slots, kvDim, true);
        auto cg = gpu.backend->kvCache(1, slots, kvDim, true);
        auto [kc, kg] = acts(slots, kvDim, 90);
        auto [vc, vg] = acts(slots, kvDim, 91);
        cpu.backend->storeKv(*cc, 0, *kc, *vc, 0);
        gpu.backend->storeKv(*cg, 0, *kg, *vg, 0);
        auto [qc, qg] = acts(tokens, heads * headDim, 92, 2.0f);
        AttentionParams p {heads, kvHeads, headDim, 0.125f, 0, window, sinks.data()};
        auto oc = cpu.backend->activations(tokens, heads * headDim);
        auto og = gpu.backend->activations(tokens, heads * headDim);
        cpu.backend->attention(*qc, *cc, 0, firstSlot, p, *oc);
        gpu.backend->attention(*qg, *cg, 0, firstSlot, p, *og);
        EXPECT_LE(nmse(gpu.read(*og), cpu.read(*oc)), kMatmul) << "first " << firstSlot << " tokens " << tokens << " window " << window;
    }
}

TEST_F(VulkanOps, LatentAttentionOpsMatchTheCpu)
{
    // Heads' slices taken apart and put together (DeepSeek's queries and values).
    const int64_t tokens = 3, heads = 4;
    auto [xc, xg] = acts(tokens, heads * 96, 101);
    auto [oc, og] = acts(tokens, heads * 288, 102);
    const Backend::ColumnCopy rotated {32, 64, 96, 0, 288, heads};  // each head's last 32 to the front of its row
    cpu.backend->copyColumns(*xc, *oc, rotated);
    gpu.backend->copyColumns(*xg, *og, rotated);
    EXPECT_EQ(gpu.read(*og), cpu.read(*oc)) << "copyColumns";

    // Attention over a keys-only cache of 576-value rows (a 512 latent and 64 rotated values):
    // the values are the keys, 16 query heads share the one cached head.
    for (auto [firstSlot, count] : {std::pair<int64_t, int64_t> {0, 9}, {40, 1}, {0, 70}}) {
        const int64_t dim = 576, queryHeads = 16, slots = firstSlot + count;
        auto cc = cpu.backend->kvCache(1, slots, dim, true, {}, /*keysOnly=*/true);
        auto cg = gpu.backend->kvCache(1, slots, dim, true, {}, /*keysOnly=*/true);
        auto [kc, kg] = acts(slots, dim, 103, 0.3f);
        cpu.backend->storeKv(*cc, 0, *kc, *kc, 0);
        gpu.backend->storeKv(*cg, 0, *kg, *kg, 0);
        auto [qc, qg] = acts(count, queryHeads * dim, 104, 0.3f);
        AttentionParams p {queryHeads, 1, dim, 1.0f / std::sqrt(192.0f)};
        auto ac = cpu.backend->activations(count, queryHeads * dim);
        auto ag = gpu.backend->activations(count, queryHeads * dim);
        cpu.backend->attention(*qc, *cc, 0, firstSlot, p, *ac);
        gpu.backend->attention(*qg, *cg, 0, firstSlot, p, *ag);
        EXPECT_LE(nmse(gpu.read(*ag), cpu.read(*ac)), kMatmul) << "first " << firstSlot << " tokens " << count;
    }
}

TEST_F(VulkanOps, UnsupportedRequestsAreClearErrors)
{
    try {
        gpu.backend->kvCache(1, 8, 64, /*f16=*/false);
        FAIL() << "an F32 cache was accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("F16"), std::string::npos) << e.what();
    }
    std::vector<uint8_t> bytes(64 * 2);
    try {
        gpu.weight(GgmlType::Q4_0, bytes, 2, 40);  // not whole blocks
        FAIL() << "a ragged Q4_0 row was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::UnsupportedType) << e.what();
    }
}

TEST_F(VulkanOps, RecurrentOpsMatchTheCpuAcrossCallsAndTheirStates)
{
    // Gated DeltaNet: the convolution with carried inputs and the delta rule, over prompts cut
    // into calls of several sizes (the state carries the sequence from one to the next), at an odd
    // head size with value heads sharing key heads and at Qwen3.5's 128.
    for (auto [keyHeads, valueHeads, headDim] : {std::tuple<int64_t, int64_t, int64_t> {1, 3, 24}, {2, 4, 128}}) {
        const int64_t taps = 4, channels = 2 * keyHeads * headDim + valueHeads * headDim, valueDim = valueHeads * headDim;
        const int64_t convFloats = (taps - 1) * channels, deltaFloats = valueHeads * headDim * headDim;
        auto sc = cpu.backend->recurrentState(convFloats, deltaFloats);
        auto sg = gpu.backend->recurrentState(convFloats, deltaFloats);
        auto [kernelC, kernelG] = weights(GgmlType::F32, 1, channels * taps, 100 + uint64_t(headDim));
        auto [biasC, biasG] = weights(GgmlType::F32, 1, valueHeads, 101);
        std::vector<float> decay = test::randomValues(size_t(valueHeads), 102, 0.5f);
        for (float& d : decay) d -= 1.0f;  // -exp(A_log) < 0: the state decays
        m_keep.push_back(bytesOf(decay));
        auto decayC = cpu.weight(GgmlType::F32, m_keep.back(), 1, valueHeads),
             decayG = gpu.weight(GgmlType::F32, m_keep.back(), 1, valueHeads);
        const DeltaRuleParams p {keyHeads, valueHeads, headDim, 1e-6f};
        uint64_t seed = 110;
        for (int64_t tokens : {7, 1, 33, 1}) {
            const std::string at = "head " + std::to_string(headDim) + ", a call of " + std::to_string(tokens);
            auto [xc, xg] = acts(tokens, channels, ++seed);
            auto convC = cpu.backend->activations(tokens, channels), convG = gpu.backend->activations(tokens, channels);
            cpu.backend->causalConv(*xc, *kernelC, *sc, *convC);
            gpu.backend->causalConv(*xg, *kernelG, *sg, *convG);
            EXPECT_LE(nmse(gpu.read(*convG), cpu.read(*convC)), kElementwise) << "causalConv, " << at;
            auto [ac, ag] = acts(tokens, valueHeads, ++seed);
            auto [bc, bg] = acts(tokens, valueHeads, ++seed, 2.0f);
            auto oc = cpu.backend->activations(tokens, valueDim), og = gpu.backend->activations(tokens, valueDim);
            cpu.backend->gatedDeltaRule(*convC, *ac, *bc, *biasC, *decayC, *sc, p, *oc);
            gpu.backend->gatedDeltaRule(*convG, *ag, *bg, *biasG, *decayG, *sg, p, *og);
            EXPECT_LE(nmse(gpu.read(*og), cpu.read(*oc)), kElementwise) << "gatedDeltaRule, " << at;
        }
        std::vector<float> convC(static_cast<size_t>(convFloats)), convG(convC.size()), deltaC(static_cast<size_t>(deltaFloats)),
            deltaG(deltaC.size());
        cpu.backend->readState(*sc, convC, deltaC);
        gpu.backend->readState(*sg, convG, deltaG);
        EXPECT_LE(nmse(convG, convC), kElementwise) << "the convolution's state";
        EXPECT_LE(nmse(deltaG, deltaC), kElementwise) << "the delta rule's state";
        // A state written back is the state read.
        gpu.backend->writeState(*sg, convC, deltaC);
        gpu.backend->readState(*sg, convG, deltaG);
        EXPECT_EQ(convG, convC);
        EXPECT_EQ(deltaG, deltaC);
    }
    auto [gc, gg] = acts(37, 13, 120, 3.0f);
    auto [xc, xg] = acts(37, 13, 121);
    auto oc = cpu.backend->activations(37, 13), og = gpu.backend->activations(37, 13);
    cpu.backend->sigmoidGate(*gc, *xc, *oc);
    gpu.backend->sigmoidGate(*gg, *xg, *og);
    EXPECT_LE(nmse(gpu.read(*og), cpu.read(*oc)), kElementwise) << "sigmoidGate";
}

TEST_F(VulkanOps, LongContextAttentionSplitAcrossWorkgroupsMatchesTheCpu)
{
    // Decode over thousands of cached positions: the slots are split into parts (flash-decoding)
    // and combined, with attention sinks and a sliding window on some calls.
    const int64_t heads = 4, kvHeads = 2, headDim = 64, kvDim = kvHeads * headDim, slots = 3004;
    const std::vector<float> sinks = {3.0f, -30.0f, 0.5f, 40.0f};
    auto cc = cpu.backend->kvCache(1, slots, kvDim, true);
    auto cg = gpu.backend->kvCache(1, slots, kvDim, true);
    auto [kc, kg] = acts(slots, kvDim, 130);
    auto [vc, vg] = acts(slots, kvDim, 131);
    cpu.backend->storeKv(*cc, 0, *kc, *vc, 0);
    gpu.backend->storeKv(*cg, 0, *kg, *vg, 0);
    for (auto [tokens, window, withSinks] :
         {std::tuple<int64_t, int64_t, bool> {1, 0, false}, {1, 0, true}, {5, 0, false}, {1, 700, true}}) {
        auto [qc, qg] = acts(tokens, heads * headDim, 132 + uint64_t(tokens), 2.0f);
        AttentionParams p {heads, kvHeads, headDim, 0.125f, 0, window, withSinks ? sinks.data() : nullptr};
        auto oc = cpu.backend->activations(tokens, heads * headDim);
        auto og = gpu.backend->activations(tokens, heads * headDim);
        cpu.backend->attention(*qc, *cc, 0, slots - tokens, p, *oc);
        gpu.backend->attention(*qg, *cg, 0, slots - tokens, p, *og);
        EXPECT_LE(nmse(gpu.read(*og), cpu.read(*oc)), kMatmul) << tokens << " tokens, window " << window << (withSinks ? ", sinks" : "");
    }
}

// Sampling reads only the best few logits of a row: found on the device, exactly the ones (and
// in the order) that sorting the whole row on the host gives.
TEST_F(VulkanOps, TheBestOfARowAreFoundOnTheDeviceExactly)
{
    std::mt19937 rng(11);
    std::normal_distribution<float> normal(0.0f, 4.0f);
    auto check = [&](std::vector<float> values, int64_t count, const std::string& what) {
        const int64_t cols = int64_t(values.size());
        std::vector<float> rows(values.size() * 2, 1e9f);  // row 0: larger than every value, never asked for
        std::copy(values.begin(), values.end(), rows.begin() + std::ptrdiff_t(cols));
        auto onCpu = cpu.backend->activations(2, cols);
        auto onGpu = gpu.backend->activations(2, cols);
        cpu.backend->writeRows(*onCpu, rows);
        gpu.backend->writeRows(*onGpu, rows);
        const std::vector<LogitCandidate> want = bestCandidates(values, count);
        const std::vector<LogitCandidate> got = gpu.backend->bestOfRow(*onGpu, 1, count);
        const std::vector<LogitCandidate> reference = cpu.backend->bestOfRow(*onCpu, 1, count);
        ASSERT_EQ(got.size(), want.size()) << what;
        ASSERT_EQ(reference.size(), want.size()) << what;
        for (size_t i = 0; i < want.size(); ++i) {
            EXPECT_EQ(got[i].id, want[i].id) << what << ", place " << i;
            EXPECT_EQ(got[i].logit, want[i].logit) << what << ", place " << i;
            EXPECT_EQ(reference[i].id, want[i].id) << what << ", place " << i;
        }
    };
    std::vector<float> vocabulary(151936 + 5);  // Qwen's vocabulary, and not a multiple of a workgroup
    for (float& v : vocabulary) v = normal(rng);
    for (int64_t count : {1, 40, 104, 512}) check(vocabulary, count, "random, best " + std::to_string(count));

    std::vector<float> ties(5003);  // coarse values: ties inside the best and at its edge
    for (float& v : ties) v = std::round(normal(rng)) / 2.0f;
    for (int64_t count : {1, 7, 40}) check(ties, count, "ties, best " + std::to_string(count));

    std::vector<float> masked(30);  // masked tokens, negatives, and more asked for than there are
    for (size_t i = 0; i < masked.size(); ++i) masked[i] = i % 3 == 0 ? -INFINITY : -float(i) * 0.5f;
    check(masked, 40, "masked, fewer than asked for");

    // More values in the threshold bin than the device collects: the whole row is read instead.
    check(std::vector<float>(20000, 0.5f), 40, "all equal");
    check(vocabulary, 4097, "more than the device collects (shaders/kernel_tiles.h)");
}

// A layer's query, key and value (and gate and up) share their input: it is rounded or
// quantized once for all of them, and each product is what it is alone, bit for bit.
TEST_F(VulkanOps, ProductsOfOneInputGiveWhatEachGivesAlone)
{
    const std::vector<std::vector<GgmlType>> groups = {
        {GgmlType::Q4_K, GgmlType::Q4_K, GgmlType::Q6_K},  // one kind of input, then another
        {GgmlType::Q4_0, GgmlType::F16, GgmlType::Q8_0, GgmlType::Q4_0},  // a float kernel between two dot kernels
        {GgmlType::F32, GgmlType::IQ2_XS},
    };
    for (int integerDot : {0, 1}) {
        VulkanBackendOptions options;
        options.validation = true;
        options.integerDotKernels = integerDot;
        Side side;
        auto vulkan = std::make_shared<VulkanBackend>(options);
        side.backend = vulkan;
        for (const auto& types : groups) {
            for (int64_t tokens : {1, 5}) {
                const int64_t cols = 256;
                const auto values = test::randomValues(size_t(tokens * cols), 17);
                m_keep.push_back(bytesOf(values));
                auto x = side.acts(values, tokens, cols, m_keep.back());
                std::vector<std::unique_ptr<Tensor>> weights, together, alone;
                std::vector<Backend::MatmulTarget> targets;
                for (size_t i = 0; i < types.size(); ++i) {
                    const int64_t rows = 37 + int64_t(i) * 8;
                    m_keep.push_back(encode(types[i], test::randomValues(size_t(rows * cols), 30 + i), 30 + i));
                    weights.push_back(side.weight(types[i], m_keep.back(), rows, cols));
                    together.push_back(vulkan->activations(tokens, rows));
                    alone.push_back(vulkan->activations(tokens, rows));
                    targets.push_back({weights.back().get(), together.back().get()});
                }
                vulkan->matmulSharedInput(*x, targets);
                for (size_t i = 0; i < types.size(); ++i) vulkan->matmul(*weights[i], *x, *alone[i]);
                for (size_t i = 0; i < types.size(); ++i)
                    EXPECT_EQ(side.read(*together[i]), side.read(*alone[i]))
                        << ggmlTypeTraits(types[i]).name << " in group of " << types.size() << ", tokens " << tokens << ", integer dot "
                        << integerDot;
            }
        }
        for (const auto& e : vulkan->validationErrors()) ADD_FAILURE() << "validation: " << e;
    }
}

// RoPE fused into the KV write (store_kv_rope.comp): the cache it fills gives the attention of
// a cache filled by rope then storeKv, on the GPU and on the CPU, in both rotation styles, with
// partial rotation and into a sliding-window ring.
TEST_F(VulkanOps, KeysRotatedOnTheirWayIntoTheCacheMatchRopeThenStore)
{
    const int64_t heads = 4, kvHeads = 2, headDim = 64, kvDim = kvHeads * headDim;
    std::vector<float> factors(16, 1.5f);
    for (bool neox : {false, true})
        for (int64_t ropeDims : {headDim, int64_t(32)})
            for (int64_t ring : {int64_t(0), int64_t(8)}) {  // 8: the ring wraps
                RopeParams rope;
                rope.headDim = headDim;
                rope.ropeDims = ropeDims;
                rope.neox = neox;
                rope.freqFactors = ropeDims < headDim ? factors.data() : nullptr;
                const int64_t slots = 40;
                const std::vector<int64_t> rings = {ring};
                auto cc = cpu.backend->kvCache(1, slots, kvDim, true, ring ? rings : std::vector<int64_t> {});
                auto fused = gpu.backend->kvCache(1, slots, kvDim, true, ring ? rings : std::vector<int64_t> {});
                auto apart = gpu.backend->kvCache(1, slots, kvDim, true, ring ? rings : std::vector<int64_t> {});
                int64_t first = 0;
                for (int64_t count : {int64_t(6), int64_t(3), int64_t(1), int64_t(1)}) {  // prompts, then decode steps
                    std::vector<int32_t> positions;
                    for (int64_t t = 0; t < count; ++t) positions.push_back(int32_t(first + t));
                    auto [kc, kg] = acts(count, kvDim, uint64_t(first) + 50);
                    auto [vc, vg] = acts(count, kvDim, uint64_t(first) + 51);
                    auto [unused, kg2] = acts(count, kvDim, uint64_t(first) + 50);
                    cpu.backend->rope(*kc, positions, rope);
                    cpu.backend->storeKv(*cc, 0, *kc, *vc, first);
                    gpu.backend->storeRotatedKv(*fused, 0, *kg, *vg, first, positions, rope);
                    gpu.backend->rope(*kg2, positions, rope);
                    gpu.backend->storeKv(*apart, 0, *kg2, *vg, first);
                    first += count;
                }
                auto [qc, qg] = acts(1, heads * headDim, 78, 2.0f);
                AttentionParams p {heads, kvHeads, headDim, 1.0f / std::sqrt(float(headDim)), 0, ring ? ring - 1 : 0};
                auto oc = cpu.backend->activations(1, heads * headDim);
                auto fusedOut = gpu.backend->activations(1, heads * headDim);
                auto apartOut = gpu.backend->activations(1, heads * headDim);
                cpu.backend->attention(*qc, *cc, 0, first - 1, p, *oc);
                gpu.backend->attention(*qg, *fused, 0, first - 1, p, *fusedOut);
                gpu.backend->attention(*qg, *apart, 0, first - 1, p, *apartOut);
                const std::string where =
                    "neox " + std::to_string(neox) + " rope dims " + std::to_string(ropeDims) + " ring " + std::to_string(ring);
                EXPECT_LE(nmse(gpu.read(*fusedOut), gpu.read(*apartOut)), 1e-9) << where;
                EXPECT_LE(nmse(gpu.read(*fusedOut), cpu.read(*oc)), kMatmul) << where;
            }
}
