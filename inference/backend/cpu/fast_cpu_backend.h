// The fast CPU backend: the reference CPU backend with its matrix products done by the SIMD
// kernels this CPU supports (cpu_isa.h), tiled for the caches in prefill and streaming the
// weights once per token in decode. Everything else is the reference's code, so the two differ
// only where the kernels sum in another order (tested against the reference per kernel and end to end).
#pragma once

#include "backend/cpu/cpu_backend.h"
#include "backend/cpu/kernels/cpu_kernels.h"

#include <map>
#include <memory>
#include <new>
#include <utility>
#include <vector>

namespace hearth {

// Bytes left uninitialised when the vector grows: a packed copy is written whole by the repacking
// (its layouts zero what they OR into), so zeroing it first would only write every page of the
// weights twice, on one thread, before the first reply.
template <typename T>
struct UninitializedAllocator : std::allocator<T> {
    template <typename U>
    struct rebind {
        using other = UninitializedAllocator<U>;
    };
    template <typename U>
    void construct(U* p) noexcept
    {
        ::new (static_cast<void*>(p)) U;
    }
    template <typename U, typename... Args>
    void construct(U* p, Args&&... args)
    {
        ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
};
using PackedBytes = std::vector<uint8_t, UninitializedAllocator<uint8_t>>;

// The attention steps from a kernel table, the reference's where it has none.
AttentionKernels fastAttentionKernels(const cpu_kernels::KernelTable& table);

class FastCpuBackend : public CpuBackend {
public:
    explicit FastCpuBackend(unsigned threads = 0);
    std::string name() const override;
    std::unique_ptr<Tensor> weight(const GgufTensorInfo& info, std::span<const uint8_t> data) override;
    void getRows(const Tensor& table, std::span<const TokenId> ids, Tensor& out) override;
    void matmulRows(const Tensor& weight, int64_t firstRow, const Tensor& x, Tensor& out) override;
    void matmulSharedInput(const Tensor& x, std::span<const MatmulTarget> targets) override;
    // fastCpuAttention: the reference's bits, each key and value converted once for many heads.
    void attention(const Tensor& q, const KvCache& cache, int64_t layer, int64_t firstSlot, const AttentionParams& params,
                   Tensor& out) override;
    // The reference's swigluValue bits, eight or more values at a time.
    void swiglu(const Tensor& gate, const Tensor& up, Tensor& out) override;

    const char* isa() const { return m_kernels.isa; }

private:
    struct PackedProduct {
        const class FastCpuWeight* weight = nullptr;
        int64_t firstRow = 0;
        Tensor* out = nullptr;  // out.cols() rows from firstRow
    };
    // x (tokens rows) quantized to actType into m_quantized.
    void quantizeInput(const Tensor& x, GgmlType actType);
    // The products of packed weights of one type with m_quantized's tokens, in one parallelFor.
    void matmulPacked(std::span<const PackedProduct> products, int64_t tokens);
    void pack(const class FastCpuWeight& w);

    // Packed copies by the file bytes they were made from: a tied embedding table is bound twice
    // (embedding, output) and packed once; its embedding lookups read the packed copy too.
    std::map<const uint8_t*, std::weak_ptr<const PackedBytes>> m_packedByData;

    const cpu_kernels::KernelTable& m_kernels;
    std::vector<uint8_t> m_quantized;  // the activations in the weights' partner type, reused
    std::vector<float> m_scales;  // their prepared form for the row-interleaved kernels
    std::vector<float> m_sums;  // Q8_1: each block's s
    std::vector<int32_t> m_offsets;
    std::vector<uint8_t> m_rowBuffer;  // one row unpacked from a packed group (embedding lookups)
    std::vector<cpu_kernels::PreparedTokens> m_prepared;
};

}  // namespace hearth
