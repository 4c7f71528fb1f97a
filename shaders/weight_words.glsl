// Reading bytes out of the weight words `uint W[]` (which the includer declares), shared by the
// dequantizing kernels (quant_blocks.glsl) and the integer-dot kernels (dot_blocks.glsl).

uint byteOf(uint word, uint i) { return (word >> (8u * i)) & 0xFFu; }
uint wbyte(uint base, uint b) { return byteOf(W[base + (b >> 2)], b & 3u); }
int wsbyte(uint base, uint b) { return int(W[base + (b >> 2)] << (24u - 8u * (b & 3u))) >> 24; }
float whalf(uint base, uint b) { return unpackHalf2x16(W[base + (b >> 2)] >> (8u * (b & 2u))).x; }
// Four bytes from any byte offset (IQ blocks are not word-aligned inside).
uint wword(uint base, uint b) { return wbyte(base, b) | (wbyte(base, b + 1u) << 8) | (wbyte(base, b + 2u) << 16) | (wbyte(base, b + 3u) << 24); }

// Q4_K / Q5_K: the 6-bit scale (x) and min (y) of 32-value sub-block j (0-7) from the 12 bytes
// after d and dmin, packed as llama.cpp's get_scale_min_k4.
uvec2 kScaleMin(uint base, uint j)
{
    if (j < 4u) return uvec2(wbyte(base, 4u + j) & 63u, wbyte(base, 8u + j) & 63u);
    return uvec2((wbyte(base, 8u + j) & 15u) | ((wbyte(base, j) >> 6) << 4), (wbyte(base, 8u + j) >> 4) | ((wbyte(base, 4u + j) >> 6) << 4));
}
