// The fast CPU backend: the reference CPU backend with its matrix products done by the SIMD
// kernels this CPU supports (cpu_isa.h), tiled for the caches in prefill and streaming the
// weights once per token in decode. Everything else is the reference's code, so the two differ
// only where the kernels sum in another order (tested against the reference per kernel and end to end).
#pragma once

#include "backend/cpu/cpu_backend.h"
#include "backend/cpu/kernels/cpu_kernels.h"

#include <vector>

namespace hearth {

class FastCpuBackend : public CpuBackend {
public:
    explicit FastCpuBackend(unsigned threads = 0);
    std::string name() const override;
    void matmul(const Tensor& weight, const Tensor& x, Tensor& out) override;

    const char* isa() const { return m_kernels.isa; }

private:
    const cpu_kernels::KernelTable& m_kernels;
    std::vector<uint8_t> m_quantized;  // the activations in the weights' partner type, reused
};

}  // namespace hearth
