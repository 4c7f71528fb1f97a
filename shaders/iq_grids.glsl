// The IQ types' lookup grids, read from a storage buffer (binding 3) that the host fills once
// from inference/quant/iq_grids.cpp (iq::packedGridWords: the tables back to back, 64-bit entries
// as low word then high word). A buffer, not GLSL constants: a big constant array indexed at run
// time is copied into every invocation's private memory by some compilers (lavapipe's among them).
#if defined(TYPE_IQ2_XXS) || defined(TYPE_IQ2_XS) || defined(TYPE_IQ2_S) || defined(TYPE_IQ3_XXS) || defined(TYPE_IQ3_S) || \
    defined(TYPE_IQ1_S) || defined(TYPE_IQ1_M)
layout(std430, binding = 3) readonly buffer Grids { uint G[]; };
// Word offsets of the tables (inference/quant/iq_grids.h: kGridWordOffsets).
uvec2 gridEntry64(uint first, uint i) { return uvec2(G[first + 2u * i], G[first + 2u * i + 1u]); }
uvec2 iq2xxs_grid(uint i) { return gridEntry64(0u, i); }
uvec2 iq2xs_grid(uint i) { return gridEntry64(512u, i); }
uvec2 iq2s_grid(uint i) { return gridEntry64(1536u, i); }
uint iq3xxs_grid(uint i) { return G[3584u + i]; }
uint iq3s_grid(uint i) { return G[3840u + i]; }
uvec2 iq1s_grid(uint i) { return gridEntry64(4352u, i); }
// The 8 sign bits of 7 stored ones: the eighth makes the count of minus signs even.
uint signsOf7(uint seven) { return seven | ((uint(bitCount(seven)) & 1u) << 7); }
#endif
