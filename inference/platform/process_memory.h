// The process's peak resident memory, for benchmarks.
#pragma once

#include <cstdint>

namespace hearth {

// Peak resident set size of this process in bytes; 0 when the OS does not tell.
uint64_t peakResidentBytes();

}  // namespace hearth

namespace hearth {

// Physical memory of the machine in bytes; 0 when unknown.
uint64_t totalPhysicalMemory();

}  // namespace hearth
