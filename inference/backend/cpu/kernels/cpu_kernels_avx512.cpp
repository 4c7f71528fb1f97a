// The AVX-512 (F, BW, VL) + VNNI kernels (Ice Lake, Zen 4 and later): the AVX2 kernels with the
// 8-bit dot product done by one vpdpbusd; built with those -m flags only.
#include "backend/cpu/kernels/cpu_kernels.h"

#if defined(__x86_64__) || defined(_M_X64)
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12's AVX-512 headers leave a register's unused lanes undefined on purpose (the 128-to-512
// casts, the broadcasts, the inserts' unused pass-through) and then warn about it (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#define HEARTH_KERNEL_NS avx512
#define HEARTH_KERNEL_ISA "avx512-vnni"
#define HEARTH_VNNI 1
#define HEARTH_AVX512 1
#include "backend/cpu/kernels/x86_kernels.inc"

namespace hearth::cpu_kernels {
const KernelTable* avx512Kernels() { return avx512::table(); }
}  // namespace hearth::cpu_kernels
#else
namespace hearth::cpu_kernels {
const KernelTable* avx512Kernels() { return nullptr; }
}  // namespace hearth::cpu_kernels
#endif
