// What the three top_logits_*.comp kernels share: the scratch buffer's layout and the key that
// orders floats as unsigned integers (bigger float, bigger key; -inf lowest but NaN).
#include "kernel_tiles.h"

#define BINS HEARTH_TOP_LOGITS_BINS
#define THRESHOLD_WORD BINS
#define COLLECTED_WORD (BINS + 1)
#define PAIRS_WORD (BINS + 2)

uint orderedKey(float value)
{
    const uint bits = floatBitsToUint(value);
    return (bits & 0x80000000u) != 0 ? ~bits : bits | 0x80000000u;
}

uint binOf(float value) { return orderedKey(value) >> 16; }
