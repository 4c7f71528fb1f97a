// The device self-test: every Vulkan kernel on small random inputs against the CPU reference,
// with the tolerances the tests use. A driver that computes garbage is named here, kernel by
// kernel, instead of showing up as a model that talks nonsense.
#include "engine/engine.h"

#include "backend/cpu/cpu_backend.h"
#include "backend/vulkan/vulkan_backend.h"
#include "quant/fp16.h"
#include "quant/quantize_reference.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <deque>
#include <random>

namespace hearth {

namespace {

constexpr double kElementwise = 1e-6;  // float rounding only
constexpr double kMatmul = 5e-4;  // the CPU rounds activations as ggml does, the shaders keep F32

double nmse(const std::vector<float>& got, const std::vector<float>& want)
{
    double err = 0, ref = 0;
    for (size_t i = 0; i < want.size(); ++i) {
        const double d = double(got[i]) - want[i];
        err += d * d;
        ref += double(want[i]) * want[i];
    }
    if (!std::isfinite(err)) return INFINITY;
    return ref == 0 ? err : err / ref;
}

// Random blocks of a type: quantized random values, or (the IQ types and MXFP4, which have no
// quantizer here) random bytes with a modest finite block scale.
std::vector<uint8_t> randomWeights(GgmlType type, int64_t values, std::mt19937_64& rng)
{
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    std::vector<float> v(static_cast<size_t>(values));
    for (float& x : v) x = dist(rng);
    try {
        return quantizeReference(type, v.data(), values);
    } catch (const Error&) {
    }
    const GgmlTypeTraits& t = ggmlTypeTraits(type);
    std::vector<uint8_t> bytes(size_t(values / t.blockElements) * t.blockBytes);
    for (auto& b : bytes) b = uint8_t(rng());
    for (size_t at = 0; at < bytes.size(); at += t.blockBytes) {
        uint8_t* block = bytes.data() + at;
        if (type == GgmlType::MXFP4) {
            block[0] = uint8_t(120 + block[0] % 10);
        } else if (type == GgmlType::IQ1_M) {
            const uint16_t d = floatToFp16(0.03f);
            for (int i = 0; i < 4; ++i) block[48 + 2 * i + 1] = uint8_t((block[48 + 2 * i + 1] & 0x0F) | (((d >> (4 * i)) & 15) << 4));
        } else {
            const uint16_t d = floatToFp16(0.004f);
            std::memcpy(block, &d, 2);
        }
    }
    return bytes;
}

// The CPU reference and the device side by side, with the inputs each test made on both.
struct Pair {
    std::shared_ptr<Backend> cpu, gpu;
    std::deque<std::vector<uint8_t>> kept;  // the CPU backend's weights are views of these bytes
    std::mt19937_64 rng {20261130};

    std::pair<std::unique_ptr<Tensor>, std::unique_ptr<Tensor>> weights(GgmlType type, int64_t rows, int64_t cols)
    {
        kept.push_back(randomWeights(type, rows * cols, rng));
        GgufTensorInfo info;
        info.name = "self-test";
        info.type = type;
        info.dimCount = rows == 1 ? 1 : 2;
        info.dims = {uint64_t(cols), uint64_t(rows), 1, 1};
        info.elementCount = uint64_t(rows * cols);
        info.byteSize = kept.back().size();
        return {cpu->weight(info, kept.back()), gpu->weight(info, kept.back())};
    }
    std::pair<std::unique_ptr<Tensor>, std::unique_ptr<Tensor>> acts(int64_t rows, int64_t cols, float scale = 1.0f)
    {
        std::uniform_real_distribution<float> dist(-scale, scale);
        std::vector<float> v(static_cast<size_t>(rows * cols));
        for (float& x : v) x = dist(rng);
        auto c = cpu->activations(rows, cols), g = gpu->activations(rows, cols);
        cpu->writeRows(*c, v);
        gpu->writeRows(*g, v);
        return {std::move(c), std::move(g)};
    }
    std::pair<std::unique_ptr<Tensor>, std::unique_ptr<Tensor>> outputs(int64_t rows, int64_t cols)
    {
        return {cpu->activations(rows, cols), gpu->activations(rows, cols)};
    }
    static std::vector<float> read(Backend& b, const Tensor& t)
    {
        std::vector<float> out(static_cast<size_t>(t.rows() * t.cols()));
        for (int64_t r = 0; r < t.rows(); ++r) b.readRow(t, r, std::span<float>(out.data() + r * t.cols(), size_t(t.cols())));
        return out;
    }
    double compare(const Tensor& onCpu, const Tensor& onGpu) { return nmse(read(*gpu, onGpu), read(*cpu, onCpu)); }
};

}  // namespace

SelfTestReport runDeviceSelfTest(const std::string& device, const std::vector<std::string>& weightTypes)
{
    const auto start = std::chrono::steady_clock::now();
    VulkanBackendOptions options;
    options.device = device;
    auto vulkan = std::make_shared<VulkanBackend>(options);  // throws Error(Device) naming why there is none
    SelfTestReport report;
    report.device = vulkan->device().name;
    report.driver = vulkan->device().driverName + " " + vulkan->device().driverInfo;
    Pair p {std::make_shared<CpuBackend>(2), vulkan};
    auto check = [&](const std::string& kernel, const std::string& detail, double tolerance, auto&& run) {
        KernelCheck c {kernel, detail, 0, tolerance, false, {}};
        try {
            c.error = run();
            c.passed = c.error <= tolerance;
        } catch (const std::exception& e) {
            c.problem = e.what();
        }
        report.checks.push_back(c);
    };

    std::vector<GgmlType> types;
    for (GgmlType t : {GgmlType::F32,     GgmlType::F16,    GgmlType::BF16,   GgmlType::Q4_0,    GgmlType::Q4_1,   GgmlType::Q5_0,
                       GgmlType::Q5_1,    GgmlType::Q8_0,   GgmlType::Q2_K,   GgmlType::Q3_K,    GgmlType::Q4_K,   GgmlType::Q5_K,
                       GgmlType::Q6_K,    GgmlType::IQ4_NL, GgmlType::IQ4_XS, GgmlType::IQ2_XXS, GgmlType::IQ2_XS, GgmlType::IQ2_S,
                       GgmlType::IQ3_XXS, GgmlType::IQ3_S,  GgmlType::IQ1_S,  GgmlType::IQ1_M,   GgmlType::MXFP4})
        if (weightTypes.empty() || std::find(weightTypes.begin(), weightTypes.end(), std::string(ggmlTypeName(t))) != weightTypes.end())
            types.push_back(t);
    for (GgmlType type : types) {
        const std::string name(ggmlTypeName(type));
        const int64_t block = ggmlTypeTraits(type).blockElements, cols = block == 1 ? 53 : std::max<int64_t>(block, 64) * 2;
        auto [wc, wg] = p.weights(type, 37, cols);
        for (int64_t tokens : {1, 7}) {  // the matrix-vector and the matrix-matrix kernels
            check("matmul " + name, std::to_string(tokens) + (tokens == 1 ? " token" : " tokens"), kMatmul, [&, &wc = wc, &wg = wg] {
                auto [xc, xg] = p.acts(tokens, cols);
                auto [oc, og] = p.outputs(tokens, 37);
                p.cpu->matmul(*wc, *xc, *oc);
                p.gpu->matmul(*wg, *xg, *og);
                return p.compare(*oc, *og);
            });
        }
        check("get_rows " + name, "3 rows", kElementwise, [&, &wc = wc, &wg = wg] {
            const std::vector<TokenId> ids = {5, 0, 36};
            auto [oc, og] = p.outputs(3, cols);
            p.cpu->getRows(*wc, ids, *oc);
            p.gpu->getRows(*wg, ids, *og);
            return p.compare(*oc, *og);
        });
    }
    check("rms_norm", "5 x 67", kElementwise, [&] {
        auto [xc, xg] = p.acts(5, 67);
        auto [wc, wg] = p.weights(GgmlType::F32, 1, 67);
        auto [oc, og] = p.outputs(5, 67);
        p.cpu->rmsNorm(*xc, *wc, 1e-6f, *oc);
        p.gpu->rmsNorm(*xg, *wg, 1e-6f, *og);
        return p.compare(*oc, *og);
    });
    using Binary = void (Backend::*)(const Tensor&, const Tensor&, Tensor&);
    for (auto [kernel, op] : {std::pair<const char*, Binary> {"add", &Backend::add},
                              {"swiglu", &Backend::swiglu},
                              {"geglu", &Backend::geglu},
                              {"sigmoid_gate", &Backend::sigmoidGate}}) {
        check(kernel, "9 x 131", kElementwise, [&, op = op] {
            auto [ac, ag] = p.acts(9, 131, 3.0f);
            auto [bc, bg] = p.acts(9, 131);
            auto [oc, og] = p.outputs(9, 131);
            ((*p.cpu).*op)(*ac, *bc, *oc);
            ((*p.gpu).*op)(*ag, *bg, *og);
            return p.compare(*oc, *og);
        });
    }
    for (bool neox : {false, true}) {
        check("rope", neox ? "NeoX, 3 tokens" : "normal, 3 tokens", kElementwise, [&] {
            auto [xc, xg] = p.acts(3, 4 * 64);
            const std::vector<int32_t> positions = {0, 17, 4000};
            RopeParams r;
            r.headDim = 64;
            r.ropeDims = 64;
            r.base = 10000.0f;
            r.neox = neox;
            p.cpu->rope(*xc, positions, r);
            p.gpu->rope(*xg, positions, r);
            return p.compare(*xc, *xg);
        });
    }
    for (int64_t tokens : {1, 9}) {
        check("attention", std::to_string(tokens) + " queries over 24 cached positions", kMatmul, [&] {
            const int64_t heads = 4, kvHeads = 2, headDim = 64, kvDim = kvHeads * headDim, slots = 24;
            auto cc = p.cpu->kvCache(1, slots, kvDim, true), cg = p.gpu->kvCache(1, slots, kvDim, true);
            auto [kc, kg] = p.acts(slots, kvDim);
            auto [vc, vg] = p.acts(slots, kvDim);
            p.cpu->storeKv(*cc, 0, *kc, *vc, 0);
            p.gpu->storeKv(*cg, 0, *kg, *vg, 0);
            auto [qc, qg] = p.acts(tokens, heads * headDim, 2.0f);
            auto [oc, og] = p.outputs(tokens, heads * headDim);
            const AttentionParams a {heads, kvHeads, headDim, 0.125f};
            p.cpu->attention(*qc, *cc, 0, slots - tokens, a, *oc);
            p.gpu->attention(*qg, *cg, 0, slots - tokens, a, *og);
            return p.compare(*oc, *og);
        });
    }
    check("copy_columns", "each head's second half", kElementwise, [&] {
        auto [xc, xg] = p.acts(6, 128);
        auto [oc, og] = p.outputs(6, 64);
        const Backend::ColumnCopy columns {16, 16, 32, 0, 16, 4};
        p.cpu->copyColumns(*xc, *oc, columns);
        p.gpu->copyColumns(*xg, *og, columns);
        return p.compare(*oc, *og);
    });
    check("causal_conv, gated_delta_rule", "Gated DeltaNet, 2 calls", kElementwise, [&] {
        const int64_t keyHeads = 1, valueHeads = 2, n = 32, channels = 2 * keyHeads * n + valueHeads * n, taps = 4;
        auto sc = p.cpu->recurrentState((taps - 1) * channels, valueHeads * n * n);
        auto sg = p.gpu->recurrentState((taps - 1) * channels, valueHeads * n * n);
        auto [kc, kg] = p.weights(GgmlType::F32, 1, channels * taps);
        auto [bc, bg] = p.weights(GgmlType::F32, 1, valueHeads);
        std::vector<float> decay = {-0.5f, -1.5f};
        p.kept.emplace_back(reinterpret_cast<const uint8_t*>(decay.data()), reinterpret_cast<const uint8_t*>(decay.data() + 2));
        GgufTensorInfo info;
        info.type = GgmlType::F32;
        info.dimCount = 1;
        info.dims = {2, 1, 1, 1};
        info.elementCount = 2;
        info.byteSize = 8;
        auto dc = p.cpu->weight(info, p.kept.back()), dg = p.gpu->weight(info, p.kept.back());
        double worst = 0;
        for (int64_t tokens : {5, 1}) {
            auto [xc, xg] = p.acts(tokens, channels);
            auto [cc, cg] = p.outputs(tokens, channels);
            p.cpu->causalConv(*xc, *kc, *sc, *cc);
            p.gpu->causalConv(*xg, *kg, *sg, *cg);
            worst = std::max(worst, p.compare(*cc, *cg));
            auto [ac, ag] = p.acts(tokens, valueHeads);
            auto [betaC, betaG] = p.acts(tokens, valueHeads);
            auto [oc, og] = p.outputs(tokens, valueHeads * n);
            const DeltaRuleParams rule {keyHeads, valueHeads, n, 1e-6f};
            p.cpu->gatedDeltaRule(*cc, *ac, *betaC, *bc, *dc, *sc, rule, *oc);
            p.gpu->gatedDeltaRule(*cg, *ag, *betaG, *bg, *dg, *sg, rule, *og);
            worst = std::max(worst, p.compare(*oc, *og));
        }
        return worst;
    });
    report.passed = std::all_of(report.checks.begin(), report.checks.end(), [](const KernelCheck& c) { return c.passed; });
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
}

}  // namespace hearth
