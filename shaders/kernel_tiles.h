// Tile sizes of the matrix kernels: one declaration, read by the host (C++: vulkan_backend.cpp
// sizes its dispatches with them) and by the GLSL (shaders/CMakeLists.txt passes these names as
// the ROWS/NTOK of each variant). Plain #defines, so both languages' preprocessors take them.
#ifndef HEARTH_KERNEL_TILES_H
#define HEARTH_KERNEL_TILES_H

#define HEARTH_MATVEC_ROWS 4  // rows per workgroup of matvec_* (matmul.comp, one token) on 32-lane subgroups
#define HEARTH_MATMUL_ROWS 2  // rows per workgroup of matmul_* (matmul.comp)
#define HEARTH_MATMUL_TOKENS 8  // tokens per workgroup of matmul_* (matmul.comp)
#define HEARTH_ROW_KERNEL_TOKENS 16  // tokens per weight read of matmul_rows_* (matmul_rows.comp, CPU drivers)
#define HEARTH_Q8_UNIT_WORDS 10  // one 32-value block of quantize_q8_1.comp's output: 8 words of bytes, d, d * sum
// top_logits_*.comp's scratch: a histogram of the top 16 bits of each logit's ordered key, then
// the threshold bin, the number collected, and up to CAPACITY (logit bits, id) pairs.
#define HEARTH_TOP_LOGITS_BINS 65536
#define HEARTH_TOP_LOGITS_CAPACITY 4096

#endif
