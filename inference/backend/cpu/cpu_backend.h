// The CPU reference backend: each op executed directly in plain C++, multi-threaded over
// independent rows, heads or elements only (so results are identical at any thread count). It
// is the oracle the Vulkan backend is tested against, and the last-resort fallback.
#pragma once

#include "backend/backend.h"
#include "backend/cpu/cpu_attention.h"
#include "core/thread_pool.h"

#include <algorithm>
#include <vector>

namespace hearth {

class CpuBackend : public Backend {
public:
    explicit CpuBackend(unsigned threads = 0);
    std::string name() const override;

    std::unique_ptr<Tensor> weight(const GgufTensorInfo& info, std::span<const uint8_t> data) override;
    std::unique_ptr<Tensor> activations(int64_t rows, int64_t cols) override;
    std::unique_ptr<KvCache> kvCache(int64_t layers, int64_t slots, int64_t kvDim, bool f16, std::span<const int64_t> layerSlots = {},
                                     bool keysOnly = false, std::span<const int64_t> layerKvDims = {}) override;

    void getRows(const Tensor& table, std::span<const TokenId> ids, Tensor& out) override;
    void rmsNorm(const Tensor& x, const Tensor& weight, float eps, Tensor& out) override;
    void matmulRows(const Tensor& weight, int64_t firstRow, const Tensor& x, Tensor& out) override;
    void addBiasRow(Tensor& x, const Tensor& biases, int64_t row) override;
    void gatherRows(const Tensor& x, std::span<const int32_t> rows, Tensor& out) override;
    void scatterRows(const Tensor& x, std::span<const int32_t> rows, Tensor& out) override;
    void weightedRowSum(const Tensor& x, std::span<const float> weights, int64_t k, Tensor& out) override;
    void add(const Tensor& a, const Tensor& b, Tensor& out) override;
    void rope(Tensor& x, std::span<const int32_t> positions, const RopeParams& params) override;
    void storeKv(KvCache& cache, int64_t layer, const Tensor& k, const Tensor& v, int64_t firstSlot) override;
    void attention(const Tensor& q, const KvCache& cache, int64_t layer, int64_t firstSlot, const AttentionParams& params,
                   Tensor& out) override;
    void swiglu(const Tensor& gate, const Tensor& up, Tensor& out) override;
    void geglu(const Tensor& gate, const Tensor& up, Tensor& out) override;
    void swigluOai(const Tensor& gate, const Tensor& up, float alpha, float limit, Tensor& out) override;
    void scale(Tensor& x, float factor) override;
    void copyRows(const Tensor& x, int64_t first, Tensor& out) override;
    void copyColumns(const Tensor& x, Tensor& out, const ColumnCopy& columns) override;
    void readRow(const Tensor& x, int64_t row, std::span<float> dst) override;
    void writeRows(Tensor& x, std::span<const float> values) override;
    void shiftKv(KvCache& cache, int64_t keep, int64_t discard, int64_t used, std::span<const RopeParams> layerRope) override;
    // cpu_recurrent.cpp
    std::unique_ptr<RecurrentState> recurrentState(int64_t convFloats, int64_t deltaFloats) override;
    void readState(const RecurrentState& state, std::span<float> conv, std::span<float> delta) override;
    void writeState(RecurrentState& state, std::span<const float> conv, std::span<const float> delta) override;
    void causalConv(const Tensor& x, const Tensor& kernel, RecurrentState& state, Tensor& out) override;
    void gatedDeltaRule(const Tensor& qkv, const Tensor& alpha, const Tensor& betaRaw, const Tensor& dtBias, const Tensor& decay,
                        RecurrentState& state, const DeltaRuleParams& params, Tensor& out) override;
    void sigmoidGate(const Tensor& gate, const Tensor& x, Tensor& out) override;

    unsigned threads() const { return m_pool.size(); }

protected:
    ThreadPool& pool() { return m_pool; }
    // Attention's vector steps: the reference's loops here, SIMD kernels in the fast backend.
    AttentionKernels m_attentionKernels = referenceAttentionKernels();

    // fn(begin, end) over element ranges of [0, count) on the pool: a decode's single row of
    // thousands of gated activations (an exp each) is split across the threads, not left to one.
    template <typename Fn>
    void forEachElementRange(size_t count, const Fn& fn)
    {
        constexpr size_t kChunk = 1024;
        m_pool.parallelFor(int64_t((count + kChunk - 1) / kChunk),
                           [&](int64_t begin, int64_t end) { fn(size_t(begin) * kChunk, std::min(count, size_t(end) * kChunk)); });
    }

private:
    ThreadPool m_pool;
    std::vector<float> m_normScale;  // rmsNorm's weights as floats
};

// GELU (tanh form) computed as ggml's CPU backend does (shared with tests as the reference).
float geluTanhAsGgml(float x);

// Rotates one vector of `heads` heads in place by `position` (shared with tests as the reference).
void ropeVector(float* x, int64_t heads, double position, const RopeParams& params);

}  // namespace hearth
