#version 450
// out[t][r] = dot(weight row r, x[t]) for one weight type (TYPE_*) and up to NTOK tokens per
// workgroup: each dequantized weight sub-block is used for every token of the group, so prompt
// processing reads the weights once per NTOK tokens; decode is the NTOK = 1 variant.
// A workgroup computes ROWS rows; its threads stride over the row's 16-value sub-blocks and the
// partial sums are reduced in shared memory.
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 32;

layout(std430, binding = 0) readonly buffer Weights { uint W[]; };
layout(std430, binding = 1) readonly buffer X { float xs[]; };
layout(std430, binding = 2) writeonly buffer Out { float ys[]; };

layout(push_constant) uniform Params {
    uint cols;        // values per weight row (plain types: any; rows are zero-padded to 16)
    uint rows;        // weight rows in this dispatch
    uint tokens;      // activation rows
    uint rowWords;    // words per weight row
    uint wOffset;     // words
    uint xOffset;     // floats
    uint xStride;     // floats per activation row
    uint outOffset;   // floats
    uint outStride;   // floats per output row
    uint outColumn;   // output column of this dispatch's first weight row
    uint groupBase;   // first row group of this dispatch (dispatches are split at 65535 groups)
} p;

#include "quant_blocks.glsl"

#define ROWS 2
shared float partial[ROWS * NTOK][WG];

void main()
{
    const uint tid = gl_LocalInvocationID.x;
    const uint firstRow = (p.groupBase + gl_WorkGroupID.x) * ROWS;
    const uint firstToken = gl_WorkGroupID.y * NTOK;
    const uint units = (p.cols + 15u) / 16u;
    const bool ragged = (p.cols % 16u) != 0u;  // uniform: only plain types with odd rows

    float acc[ROWS][NTOK];
    for (uint r = 0; r < ROWS; ++r)
        for (uint t = 0; t < NTOK; ++t) acc[r][t] = 0.0;

    for (uint u = tid; u < units; u += WG) {
        const uint block = u / SUBS_PER_BLOCK, sub = u % SUBS_PER_BLOCK;
        vec4 x[NTOK][4];
        for (uint t = 0; t < NTOK; ++t) {
            if (firstToken + t >= p.tokens) break;
            const uint at = p.xOffset + (firstToken + t) * p.xStride + u * 16u;
            if (!ragged || u * 16u + 16u <= p.cols) {
                for (uint i = 0; i < 4; ++i) x[t][i] = vec4(xs[at + 4 * i], xs[at + 4 * i + 1], xs[at + 4 * i + 2], xs[at + 4 * i + 3]);
            } else {  // the tail of a ragged row: the padded weights are zero, the values past the row must be too
                for (uint i = 0; i < 4; ++i)
                    for (uint k = 0; k < 4; ++k) x[t][i][k] = u * 16u + 4u * i + k < p.cols ? xs[at + 4 * i + k] : 0.0;
            }
        }
        for (uint r = 0; r < ROWS; ++r) {
            const uint row = firstRow + r;
            if (row >= p.rows) break;
            float v[16];
            dequant16(p.wOffset + row * p.rowWords + block * BLOCK_WORDS, sub, v);
            const vec4 w0 = vec4(v[0], v[1], v[2], v[3]), w1 = vec4(v[4], v[5], v[6], v[7]);
            const vec4 w2 = vec4(v[8], v[9], v[10], v[11]), w3 = vec4(v[12], v[13], v[14], v[15]);
            for (uint t = 0; t < NTOK; ++t) {
                if (firstToken + t >= p.tokens) break;
                acc[r][t] += dot(w0, x[t][0]) + dot(w1, x[t][1]) + dot(w2, x[t][2]) + dot(w3, x[t][3]);
            }
        }
    }

    for (uint r = 0; r < ROWS; ++r)
        for (uint t = 0; t < NTOK; ++t) partial[r * NTOK + t][tid] = acc[r][t];
    barrier();
    for (uint job = tid; job < ROWS * NTOK; job += WG) {
        const uint r = job / NTOK, t = job % NTOK;
        const uint row = firstRow + r, token = firstToken + t;
        if (row >= p.rows || token >= p.tokens) continue;
        float sum = 0.0;
        for (uint i = 0; i < WG; ++i) sum += partial[job][i];
        ys[p.outOffset + token * p.outStride + p.outColumn + row] = sum;
    }
}
