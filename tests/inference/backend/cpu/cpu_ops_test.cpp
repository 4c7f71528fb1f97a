// Each CPU backend op against a naive double-precision implementation, at odd sizes.
#include "backend/cpu/cpu_backend.h"
#include "quant/quantize_reference.h"

#include "test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

using namespace hearth;

namespace {

class CpuOps : public ::testing::Test {
protected:
    // An F32 weight [rows][cols] owned by the test (the backend keeps a view).
    std::unique_ptr<Tensor> weight(const std::vector<float>& values, int64_t rows, int64_t cols)
    {
        GgufTensorInfo info;
        info.name = "w";
        info.type = GgmlType::F32;
        info.dimCount = rows == 1 ? 1 : 2;
        info.dims = {uint64_t(cols), uint64_t(rows), 1, 1};
        info.elementCount = uint64_t(rows * cols);
        info.byteSize = info.elementCount * 4;
        m_storage.push_back(values);
        return m_backend.weight(info, {reinterpret_cast<const uint8_t*>(m_storage.back().data()), info.byteSize});
    }
    std::unique_ptr<Tensor> acts(const std::vector<float>& values, int64_t rows, int64_t cols)
    {
        auto t = m_backend.activations(rows, cols);
        // Load through getRows of an identity-like path: a weight table holding the values.
        auto table = weight(values, rows, cols);
        std::vector<TokenId> ids;
        for (int64_t r = 0; r < rows; ++r) ids.push_back(TokenId(r));
        m_backend.getRows(*table, ids, *t);
        return t;
    }
    std::vector<float> read(const Tensor& t)
    {
        std::vector<float> out(size_t(t.rows() * t.cols()));
        for (int64_t r = 0; r < t.rows(); ++r) m_backend.readRow(t, r, std::span<float>(out.data() + r * t.cols(), size_t(t.cols())));
        return out;
    }

    CpuBackend m_backend {3};
    std::vector<std::vector<float>> m_storage;
};

void expectClose(const std::vector<float>& got, const std::vector<double>& want, double tolerance, const std::string& what)
{
    ASSERT_EQ(got.size(), want.size()) << what;
    for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], tolerance * (1 + std::fabs(want[i]))) << what << "[" << i << "]";
}

}  // namespace

TEST_F(CpuOps, MatmulRmsNormBiasAddSwiglu)
{
    const int64_t tokens = 3, rows = 37, cols = 53;  // nothing a multiple of a vector width
    auto wv = test::randomValues(size_t(rows * cols), 1);
    auto xv = test::randomValues(size_t(tokens * cols), 2);
    auto w = weight(wv, rows, cols);
    auto x = acts(xv, tokens, cols);
    auto out = m_backend.activations(tokens, rows);
    m_backend.matmul(*w, *x, *out);
    std::vector<double> want(size_t(tokens * rows));
    for (int64_t t = 0; t < tokens; ++t)
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t c = 0; c < cols; ++c) want[size_t(t * rows + r)] += double(wv[size_t(r * cols + c)]) * xv[size_t(t * cols + c)];
    expectClose(read(*out), want, 1e-5, "matmul");

    auto bv = test::randomValues(size_t(rows), 3);
    m_backend.addBias(*out, *weight(bv, 1, rows));
    for (int64_t t = 0; t < tokens; ++t)
        for (int64_t r = 0; r < rows; ++r) want[size_t(t * rows + r)] += bv[size_t(r)];
    expectClose(read(*out), want, 1e-5, "addBias");

    auto nv = test::randomValues(size_t(cols), 4);
    auto normed = m_backend.activations(tokens, cols);
    m_backend.rmsNorm(*x, *weight(nv, 1, cols), 1e-5f, *normed);
    std::vector<double> wantNorm(size_t(tokens * cols));
    for (int64_t t = 0; t < tokens; ++t) {
        double sum = 0;
        for (int64_t c = 0; c < cols; ++c) sum += double(xv[size_t(t * cols + c)]) * xv[size_t(t * cols + c)];
        const double s = 1 / std::sqrt(sum / double(cols) + 1e-5);
        for (int64_t c = 0; c < cols; ++c) wantNorm[size_t(t * cols + c)] = xv[size_t(t * cols + c)] * s * nv[size_t(c)];
    }
    expectClose(read(*normed), wantNorm, 1e-5, "rmsNorm");

    auto sum = m_backend.activations(tokens, cols);
    m_backend.add(*x, *normed, *sum);
    std::vector<double> wantSum(wantNorm);
    for (size_t i = 0; i < wantSum.size(); ++i) wantSum[i] += xv[i];
    expectClose(read(*sum), wantSum, 1e-5, "add");

    auto gated = m_backend.activations(tokens, cols);
    m_backend.swiglu(*x, *normed, *gated);
    std::vector<double> wantGlu(wantNorm.size());
    for (size_t i = 0; i < wantGlu.size(); ++i) wantGlu[i] = xv[i] / (1 + std::exp(-double(xv[i]))) * wantNorm[i];
    expectClose(read(*gated), wantGlu, 1e-5, "swiglu");

    auto last = m_backend.activations(1, cols);
    m_backend.copyRows(*x, 2, *last);
    expectClose(read(*last), std::vector<double>(xv.begin() + 2 * cols, xv.end()), 0, "copyRows");
}

TEST_F(CpuOps, RopeNormalAndNeox)
{
    const int64_t heads = 3, headDim = 10, ropeDims = 6;  // partial rotation, odd head count
    for (bool neox : {false, true}) {
        auto xv = test::randomValues(size_t(2 * heads * headDim), neox ? 5 : 6);
        auto x = acts(xv, 2, heads * headDim);
        RopeParams p {headDim, ropeDims, 500.0f, 0.5f, neox, nullptr};
        const int32_t positions[2] = {7, 123};
        m_backend.rope(*x, positions, p);
        std::vector<double> want(xv.begin(), xv.end());
        for (int t = 0; t < 2; ++t)
            for (int64_t h = 0; h < heads; ++h)
                for (int64_t i = 0; i < ropeDims / 2; ++i) {
                    const double theta = 0.5 * positions[t] * std::pow(500.0, -2.0 * double(i) / double(ropeDims));
                    const size_t base = size_t(t * heads * headDim + h * headDim);
                    const size_t a = base + size_t(neox ? i : 2 * i), b = base + size_t(neox ? i + ropeDims / 2 : 2 * i + 1);
                    want[a] = xv[a] * std::cos(theta) - xv[b] * std::sin(theta);
                    want[b] = xv[a] * std::sin(theta) + xv[b] * std::cos(theta);
                }
        expectClose(read(*x), want, 1e-4, neox ? "rope neox" : "rope normal");
    }
}

TEST_F(CpuOps, CausalGroupedQueryAttentionWithWindowsSoftCapsAndSinks)
{
    // Batches below and above the 64-row tile (ggml's one-row and tiled kernels), with and
    // without a sliding window, Gemma 2's soft cap and gpt-oss's sinks, against a
    // double-precision reference.
    struct Case {
        int64_t tokens, earlier, window;
        float softCap;
        bool sinks = false;
    };
    // Per head: far above the scores, far below, and near them.
    const std::vector<float> sinks = {9.0f, -9.0f, 0.3f, -0.4f, 1.0f, 0.0f};
    for (const Case& k : {Case {7, 4, 0, 0.0f}, Case {7, 4, 3, 0.0f}, Case {7, 4, 0, 1.5f}, Case {70, 90, 0, 0.0f}, Case {70, 90, 37, 0.0f},
                          Case {70, 90, 64, 2.0f}, Case {7, 4, 0, 0.0f, true}, Case {70, 90, 37, 0.0f, true}}) {
        const int64_t heads = 6, kvHeads = 2, headDim = 5, tokens = k.tokens, earlier = k.earlier;
        auto cache = m_backend.kvCache(2, earlier + tokens, kvHeads * headDim, /*f16=*/false);
        auto kv = test::randomValues(size_t((earlier + tokens) * kvHeads * headDim * 2), 7);
        auto keys = std::vector<float>(kv.begin(), kv.begin() + std::ptrdiff_t(kv.size() / 2));
        auto values = std::vector<float>(kv.begin() + std::ptrdiff_t(kv.size() / 2), kv.end());
        m_backend.storeKv(*cache, 1, *acts(keys, earlier + tokens, kvHeads * headDim), *acts(values, earlier + tokens, kvHeads * headDim),
                          0);
        auto qv = test::randomValues(size_t(tokens * heads * headDim), 8, 2.0f);
        auto q = acts(qv, tokens, heads * headDim);
        auto out = m_backend.activations(tokens, heads * headDim);
        AttentionParams p {heads, kvHeads, headDim, 0.4f, k.softCap, k.window, k.sinks ? sinks.data() : nullptr};
        m_backend.attention(*q, *cache, 1, earlier, p, *out);
        std::vector<double> want(size_t(tokens * heads * headDim), 0.0);
        for (int64_t t = 0; t < tokens; ++t)
            for (int64_t h = 0; h < heads; ++h) {
                const int64_t g = h / (heads / kvHeads), visible = earlier + t + 1;
                const int64_t first = k.window > 0 ? std::max<int64_t>(0, visible - k.window) : 0;
                std::vector<double> w(static_cast<size_t>(visible), 0.0);
                double total = k.sinks ? std::exp(double(sinks[size_t(h)])) : 0.0;  // a sink: weight without a value
                for (int64_t s = first; s < visible; ++s) {
                    double dot = 0;
                    for (int64_t i = 0; i < headDim; ++i)
                        dot += double(qv[size_t((t * heads + h) * headDim + i)]) * keys[size_t((s * kvHeads + g) * headDim + i)];
                    double score = 0.4 * dot;
                    if (k.softCap > 0) score = k.softCap * std::tanh(score / k.softCap);
                    total += w[size_t(s)] = std::exp(score);
                }
                for (int64_t s = first; s < visible; ++s)
                    for (int64_t i = 0; i < headDim; ++i)
                        want[size_t((t * heads + h) * headDim + i)] +=
                            w[size_t(s)] / total * values[size_t((s * kvHeads + g) * headDim + i)];
            }
        expectClose(read(*out), want, 1e-5,
                    "attention, " + std::to_string(tokens) + " tokens, window " + std::to_string(k.window) + ", cap " +
                        std::to_string(k.softCap) + (k.sinks ? ", sinks" : ""));
    }
}

TEST_F(CpuOps, GegluFollowsGgmlsHalfPrecisionTableAndScaleMultiplies)
{
    const std::vector<float> gate = {-12.0f, -3.0f, -0.5f, 0.0f, 0.7f, 2.5f, 9.9f, 11.0f}, up = {1, 2, 3, 4, 5, 6, 7, 8};
    auto g = acts(gate, 1, int64_t(gate.size()));
    auto out = m_backend.activations(1, int64_t(gate.size()));
    m_backend.geglu(*g, *acts(up, 1, int64_t(up.size())), *out);
    const auto got = read(*out);
    for (size_t i = 0; i < gate.size(); ++i) {
        const double x = gate[i];
        const double exact = x <= -10 ? 0 : x >= 10 ? x : 0.5 * x * (1 + std::tanh(0.7978845608028654 * x * (1 + 0.044715 * x * x)));
        // The input and the result are rounded to F16 as ggml's table does: within 2^-10 relative.
        EXPECT_NEAR(got[i], exact * up[i], 2e-3 * std::fabs(exact * up[i]) + 1e-6) << "gelu(" << x << ")";
        EXPECT_FLOAT_EQ(got[i], geluTanhAsGgml(gate[i]) * up[i]);
    }
    m_backend.scale(*g, 0.5f);
    const auto halved = read(*g);
    for (size_t i = 0; i < gate.size(); ++i) EXPECT_FLOAT_EQ(halved[i], gate[i] * 0.5f);
}

TEST_F(CpuOps, QuantizedMatmulAndEmbeddingRows)
{
    // A Q4_K weight: getRows dequantizes rows; matmul equals dequantized weights times Q8_K activations.
    const int64_t rows = 5, cols = 512, tokens = 2;
    auto wv = test::randomValues(size_t(rows * cols), 9);
    auto bytes = quantizeReference(GgmlType::Q4_K, wv.data(), rows * cols);
    GgufTensorInfo info;
    info.name = "q";
    info.type = GgmlType::Q4_K;
    info.dimCount = 2;
    info.dims = {uint64_t(cols), uint64_t(rows), 1, 1};
    auto w = m_backend.weight(info, bytes);
    auto row = m_backend.activations(1, cols);
    const TokenId ids[1] = {3};
    m_backend.getRows(*w, ids, *row);
    auto dequantized = read(*row);
    for (int64_t c = 0; c < cols; ++c) EXPECT_NEAR(dequantized[size_t(c)], wv[size_t(3 * cols + c)], 0.12);
    auto xv = test::randomValues(size_t(tokens * cols), 10);
    auto out = m_backend.activations(tokens, rows);
    m_backend.matmul(*w, *acts(xv, tokens, cols), *out);
    auto got = read(*out);
    EXPECT_NEAR(
        got[size_t(1 * rows + 3)],
        [&] {
            double s = 0;
            for (int64_t c = 0; c < cols; ++c) s += double(dequantized[size_t(c)]) * xv[size_t(cols + c)];
            return s;
        }(),
        0.1);
}

TEST_F(CpuOps, MixtureOfExpertsOps)
{
    // An expert's rows of a stacked weight: rows 6..10 of 3 experts x 5 rows.
    const int64_t cols = 37, tokens = 3, k = 2;
    auto wv = test::randomValues(size_t(15 * cols), 21);
    auto w = weight(wv, 15, cols);
    auto xv = test::randomValues(size_t(tokens * cols), 22);
    auto x = acts(xv, tokens, cols);
    auto out = m_backend.activations(tokens, 5);
    m_backend.matmulRows(*w, 5, *x, *out);
    std::vector<double> want;
    for (int64_t t = 0; t < tokens; ++t)
        for (int64_t r = 0; r < 5; ++r) {
            double dot = 0;
            for (int64_t i = 0; i < cols; ++i) dot += double(wv[size_t((5 + r) * cols + i)]) * xv[size_t(t * cols + i)];
            want.push_back(dot);
        }
    expectClose(read(*out), want, 1e-5, "matmulRows");

    // Gather rows 2, 0; scatter them to rows 3 and 0 of a [tokens * k] buffer; mix with weights.
    auto gathered = m_backend.activations(2, cols);
    m_backend.gatherRows(*x, std::vector<int32_t> {2, 0}, *gathered);
    std::vector<float> wantGathered(xv.begin() + 2 * cols, xv.end());
    wantGathered.insert(wantGathered.end(), xv.begin(), xv.begin() + cols);
    EXPECT_EQ(read(*gathered), wantGathered);
    auto slotsV = test::randomValues(size_t(tokens * k * cols), 23);
    auto slots = acts(slotsV, tokens * k, cols);
    m_backend.scatterRows(*gathered, std::vector<int32_t> {3, 0}, *slots);
    std::copy(xv.begin() + 2 * cols, xv.begin() + 3 * cols, slotsV.begin() + 3 * cols);
    std::copy(xv.begin(), xv.begin() + cols, slotsV.begin());
    EXPECT_EQ(read(*slots), slotsV);
    const std::vector<float> mix = {0.5f, 0.25f, 1.0f, -2.0f, 0.0f, 3.0f};
    auto sum = m_backend.activations(tokens, cols);
    m_backend.weightedRowSum(*slots, mix, k, *sum);
    want.clear();
    for (int64_t t = 0; t < tokens; ++t)
        for (int64_t i = 0; i < cols; ++i)
            want.push_back(double(mix[size_t(t * k)]) * slotsV[size_t(t * k * cols + i)] +
                           double(mix[size_t(t * k + 1)]) * slotsV[size_t((t * k + 1) * cols + i)]);
    expectClose(read(*sum), want, 1e-6, "weightedRowSum");

    // gpt-oss's SwiGLU: the gate capped at 7, up clamped to [-7, 7].
    const std::vector<float> gateV = {-20.0f, -1.0f, 0.0f, 0.5f, 6.9f, 7.5f, 30.0f};
    const std::vector<float> upV = {1.0f, -9.0f, 2.0f, 7.5f, -0.5f, 3.0f, 100.0f};
    auto glu = m_backend.activations(1, 7);
    m_backend.swigluOai(*acts(gateV, 1, 7), *acts(upV, 1, 7), 1.702f, 7.0f, *glu);
    want.clear();
    for (size_t i = 0; i < gateV.size(); ++i) {
        const double g = std::min(double(gateV[i]), 7.0), u = std::clamp(double(upV[i]), -7.0, 7.0);
        want.push_back(g / (1 + std::exp(-1.702 * g)) * (u + 1));
    }
    expectClose(read(*glu), want, 1e-6, "swigluOai");

    // A bias table's row.
    auto biases = weight(test::randomValues(size_t(4 * cols), 24), 4, cols);
    m_backend.addBiasRow(*x, *biases, 3);
    want.clear();
    for (int64_t t = 0; t < tokens; ++t)
        for (int64_t i = 0; i < cols; ++i) want.push_back(double(xv[size_t(t * cols + i)]) + m_storage.back()[size_t(3 * cols + i)]);
    expectClose(read(*x), want, 1e-6, "addBiasRow");
}

TEST_F(CpuOps, CopyColumnsAndAKeysOnlyCache)
{
    // Two heads of 5: their last 2 values to the front of 3-wide heads.
    const std::vector<float> x = {0, 1, 2, 3, 4, 10, 11, 12, 13, 14};
    auto out = acts(std::vector<float>(6, -1.0f), 1, 6);
    m_backend.copyColumns(*acts(x, 1, 10), *out, {2, 3, 5, 0, 3, 2});
    EXPECT_EQ(read(*out), (std::vector<float> {3, 4, -1, 13, 14, -1}));
    // A keys-only cache: attention reads the stored keys as values (one slot: the output is that key).
    auto cache = m_backend.kvCache(1, 4, 4, /*f16=*/false, {}, /*keysOnly=*/true);
    const std::vector<float> key = {0.5f, -1.0f, 2.0f, 0.25f};
    auto k = acts(key, 1, 4);
    m_backend.storeKv(*cache, 0, *k, *k, 0);
    auto attended = m_backend.activations(1, 8);
    m_backend.attention(*acts(test::randomValues(8, 3), 1, 8), *cache, 0, 0, AttentionParams {2, 1, 4, 0.5f}, *attended);
    std::vector<float> want = key;
    want.insert(want.end(), key.begin(), key.end());
    EXPECT_EQ(read(*attended), want);
}
