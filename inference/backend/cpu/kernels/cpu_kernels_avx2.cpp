// The AVX2 + FMA + F16C kernels (Haswell, Zen 1 and later); built with those -m flags only.
#include "backend/cpu/kernels/cpu_kernels.h"

#if defined(__x86_64__) || defined(_M_X64)
#define HEARTH_KERNEL_NS avx2
#define HEARTH_KERNEL_ISA "avx2"
#include "backend/cpu/kernels/x86_kernels.inc"

namespace hearth::cpu_kernels {
const KernelTable* avx2Kernels() { return avx2::table(); }
}  // namespace hearth::cpu_kernels
#else
namespace hearth::cpu_kernels {
const KernelTable* avx2Kernels() { return nullptr; }
}  // namespace hearth::cpu_kernels
#endif
