// Which kernel table the fast CPU backend runs: the best one this CPU supports, or the one named
// by HEARTH_CPU_ISA (auto, avx512-vnni, avx-vnni, avx2, neon-dotprod, generic) to test each path.
#pragma once

#include "backend/cpu/kernels/cpu_kernels.h"

#include <string>
#include <vector>

namespace hearth {

// The kernel tables this CPU can run, best first; "generic" (the reference kernels) always last.
std::vector<const cpu_kernels::KernelTable*> runnableKernelTables();

// The table to use: HEARTH_CPU_ISA if set (an Error naming the choices when this CPU cannot run
// it), else the best runnable one.
const cpu_kernels::KernelTable& chosenKernelTable();

// Physical cores (not hardware threads): the default thread count, as llama.cpp's.
unsigned physicalCoreCount();

}  // namespace hearth
