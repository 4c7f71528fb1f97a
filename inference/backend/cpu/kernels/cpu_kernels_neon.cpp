// The ARM64 kernels: NEON with the 8-bit dot-product instructions (ARMv8.2 dotprod: Apple M1,
// Graviton 2, Cortex-A76 and later) for Q4_0 and Q8_0, in the reference's order; the other types
// use the reference kernels. Built with +dotprod for this file only.
#include "backend/cpu/kernels/cpu_kernels.h"

#if defined(__aarch64__) && defined(__ARM_FEATURE_DOTPROD)
#include "quant/block_layouts.h"
#include "quant/fp16.h"

#include <arm_neon.h>

#include <cmath>

namespace hearth::cpu_kernels {

namespace {

using namespace blocks;

float dotQ4_0(const uint8_t* w, const uint8_t* a, int64_t n)
{
    const auto* x = reinterpret_cast<const Q4_0*>(w);
    const auto* y = reinterpret_cast<const Q8_0*>(a);
    float acc = 0;  // the reference's order: each block's integer dot, then one fused chain
    for (int64_t i = 0; i < n / kQK32; ++i) {
        const uint8x16_t packed = vld1q_u8(x[i].qs);
        const int8x16_t low = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(packed, vdupq_n_u8(0x0F))), vdupq_n_s8(8));
        const int8x16_t high = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(packed, 4)), vdupq_n_s8(8));
        int32x4_t sum = vdotq_s32(vdupq_n_s32(0), low, vld1q_s8(y[i].qs));
        sum = vdotq_s32(sum, high, vld1q_s8(y[i].qs + 16));
        acc = std::fma(fp16ToFloat(x[i].d) * fp16ToFloat(y[i].d), float(vaddvq_s32(sum)), acc);
    }
    return acc;
}

float dotQ8_0(const uint8_t* w, const uint8_t* a, int64_t n)
{
    const auto* x = reinterpret_cast<const Q8_0*>(w);
    const auto* y = reinterpret_cast<const Q8_0*>(a);
    float acc = 0;
    for (int64_t i = 0; i < n / kQK32; ++i) {
        int32x4_t sum = vdotq_s32(vdupq_n_s32(0), vld1q_s8(x[i].qs), vld1q_s8(y[i].qs));
        sum = vdotq_s32(sum, vld1q_s8(x[i].qs + 16), vld1q_s8(y[i].qs + 16));
        acc = std::fma(fp16ToFloat(x[i].d) * fp16ToFloat(y[i].d), float(vaddvq_s32(sum)), acc);
    }
    return acc;
}

KernelTable makeTable()
{
    KernelTable t;
    t.isa = "neon-dotprod";
    t.dot[slot(GgmlType::Q4_0)] = dotQ4_0;
    t.dot[slot(GgmlType::Q8_0)] = dotQ8_0;
    return t;
}

}  // namespace

const KernelTable* neonKernels()
{
    static const KernelTable kernels = makeTable();
    return &kernels;
}

}  // namespace hearth::cpu_kernels
#else
namespace hearth::cpu_kernels {
const KernelTable* neonKernels() { return nullptr; }
}  // namespace hearth::cpu_kernels
#endif
