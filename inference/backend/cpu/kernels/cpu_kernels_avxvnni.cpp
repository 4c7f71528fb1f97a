// The AVX2 + AVX-VNNI kernels (Alder Lake and later Intel clients, Zen 5: the 8-bit and 16-bit dot
// instructions in their VEX form, without AVX-512): the AVX2 kernels with each dot one vpdpbusd;
// built with those -m flags only.
#include "backend/cpu/kernels/cpu_kernels.h"

#if defined(__x86_64__) || defined(_M_X64)
#define HEARTH_KERNEL_NS avxvnni
#define HEARTH_KERNEL_ISA "avx-vnni"
#define HEARTH_VNNI 1
#include "backend/cpu/kernels/x86_kernels.inc"

namespace hearth::cpu_kernels {
const KernelTable* avxVnniKernels() { return avxvnni::table(); }
}  // namespace hearth::cpu_kernels
#else
namespace hearth::cpu_kernels {
const KernelTable* avxVnniKernels() { return nullptr; }
}  // namespace hearth::cpu_kernels
#endif
