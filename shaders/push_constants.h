// The push-constant layout of every kernel: one declaration, read by the GLSL (inside each
// shader's `layout(push_constant) uniform Params { ... } p;`) and by the host (C++ structs in
// vulkan_backend.cpp, with `uint` an alias of uint32_t). Offsets are in the units each shader
// says: floats for activations, words for packed weights and the F16 cache, vec2s for K/V.
#ifndef HEARTH_PUSH_CONSTANTS_H
#define HEARTH_PUSH_CONSTANTS_H

// add.comp, swiglu.comp, geglu.comp (a = gate, b = up; bCols unused): out = a op b, b broadcast over rows when bCols > 0.
#define HEARTH_PUSH_ELEMENTWISE                                                                                                            \
    uint count;                                                                                                                            \
    uint aOffset;                                                                                                                          \
    uint bOffset;                                                                                                                          \
    uint outOffset;                                                                                                                        \
    uint bCols;
// swiglu_oai.comp: gpt-oss's clamped SwiGLU.
#define HEARTH_PUSH_SWIGLU_OAI                                                                                                             \
    uint count;                                                                                                                            \
    uint gateOffset;                                                                                                                       \
    uint upOffset;                                                                                                                         \
    uint outOffset;                                                                                                                        \
    float alpha;                                                                                                                           \
    float limit;
// weighted_row_sum.comp: out[t] = sum_j w[t * k + j] * x[t * k + j] (the router's mix of the experts).
#define HEARTH_PUSH_WEIGHTED_ROW_SUM                                                                                                       \
    uint count;                                                                                                                            \
    uint cols;                                                                                                                             \
    uint k;                                                                                                                                \
    uint xOffset;                                                                                                                          \
    uint weightOffset;                                                                                                                     \
    uint outOffset;
// copy_columns.comp: column slices of every row, group by group.
#define HEARTH_PUSH_COPY_COLUMNS                                                                                                           \
    uint rows;                                                                                                                             \
    uint count;                                                                                                                            \
    uint groups;                                                                                                                           \
    uint xOffset;                                                                                                                          \
    uint xCols;                                                                                                                            \
    uint first;                                                                                                                            \
    uint stride;                                                                                                                           \
    uint outOffset;                                                                                                                        \
    uint outCols;                                                                                                                          \
    uint outFirst;                                                                                                                         \
    uint outStride;
// get_rows.comp: rows of a (possibly split) table picked by token ids.
#define HEARTH_PUSH_GET_ROWS                                                                                                               \
    uint cols;                                                                                                                             \
    uint rowWords;                                                                                                                         \
    uint wOffset;                                                                                                                          \
    uint idOffset;                                                                                                                         \
    uint outOffset;                                                                                                                        \
    uint firstRow;                                                                                                                         \
    uint rowCount;
// rms_norm.comp: out = x / rms(x) * w.
#define HEARTH_PUSH_RMS_NORM                                                                                                               \
    uint cols;                                                                                                                             \
    uint xOffset;                                                                                                                          \
    uint wOffset;                                                                                                                          \
    uint outOffset;                                                                                                                        \
    float eps;
// matmul.comp, matmul_rows.comp: out[t][outColumn + r] = dot(weight row r, x[t]).
#define HEARTH_PUSH_MATMUL                                                                                                                 \
    uint cols;                                                                                                                             \
    uint rows;                                                                                                                             \
    uint tokens;                                                                                                                           \
    uint rowWords;                                                                                                                         \
    uint wOffset;                                                                                                                          \
    uint xOffset;                                                                                                                          \
    uint xStride;                                                                                                                          \
    uint outOffset;                                                                                                                        \
    uint outStride;                                                                                                                        \
    uint outColumn;                                                                                                                        \
    uint groupBase;
// rope.comp: rotate Q or K in place at their positions.
#define HEARTH_PUSH_ROPE                                                                                                                   \
    uint tokens;                                                                                                                           \
    uint heads;                                                                                                                            \
    uint headDim;                                                                                                                          \
    uint ropeDims;                                                                                                                         \
    uint neox;                                                                                                                             \
    uint xOffset;                                                                                                                          \
    uint positionOffset;                                                                                                                   \
    uint frequencyOffset;                                                                                                                  \
    float magnitude;
// store_kv.comp: K and V (F32) into the F16 cache from firstSlot on.
#define HEARTH_PUSH_STORE_KV                                                                                                               \
    uint tokens;                                                                                                                           \
    uint kvDim;                                                                                                                            \
    uint kOffset;                                                                                                                          \
    uint vOffset;                                                                                                                          \
    uint kCacheOffset;                                                                                                                     \
    uint vCacheOffset;                                                                                                                     \
    uint firstSlot;                                                                                                                        \
    uint ring;
// store_kv_rope.comp: store_kv.comp with the keys rotated as rope.comp rotates them.
#define HEARTH_PUSH_STORE_KV_ROPE                                                                                                          \
    HEARTH_PUSH_STORE_KV                                                                                                                   \
    uint headDim;                                                                                                                          \
    uint ropeDims;                                                                                                                         \
    uint neox;                                                                                                                             \
    uint positionOffset;                                                                                                                   \
    uint frequencyOffset;                                                                                                                  \
    float magnitude;
// attention.comp: causal attention of the queries over the cached keys and values.
#define HEARTH_PUSH_ATTENTION                                                                                                              \
    uint heads;                                                                                                                            \
    uint kvHeads;                                                                                                                          \
    uint headDim;                                                                                                                          \
    uint firstSlot;                                                                                                                        \
    uint qOffset;                                                                                                                          \
    uint kCacheOffset;                                                                                                                     \
    uint vCacheOffset;                                                                                                                     \
    uint outOffset;                                                                                                                        \
    float scale;                                                                                                                           \
    float softCap;                                                                                                                         \
    uint window;                                                                                                                           \
    uint ring;                                                                                                                             \
    uint sinkOffset;                                                                                                                       \
    uint hasSinks;                                                                                                                         \
    uint split;                                                                                                                            \
    uint partialOffset;
// rope_cached_keys.comp: re-rotate cached keys by delta positions (context shift).
#define HEARTH_PUSH_ROPE_CACHED_KEYS                                                                                                       \
    uint slots;                                                                                                                            \
    uint heads;                                                                                                                            \
    uint headDim;                                                                                                                          \
    uint ropeDims;                                                                                                                         \
    uint neox;                                                                                                                             \
    uint keyOffset;                                                                                                                        \
    uint frequencyOffset;                                                                                                                  \
    float delta;
// scale.comp: x *= factor in place.
#define HEARTH_PUSH_SCALE                                                                                                                  \
    uint count;                                                                                                                            \
    uint offset;                                                                                                                           \
    float factor;
// top_logits_*.comp: the best entries of one row of logits, found on the device (a histogram of
// their keys, the threshold bin, then every entry at or above it collected).
#define HEARTH_PUSH_TOP_LOGITS                                                                                                             \
    uint count;                                                                                                                            \
    uint xOffset;                                                                                                                          \
    uint wanted;                                                                                                                           \
    uint capacity;
// round_activations.comp: activations rounded as ggml converts them for a weight type (units: values or blocks).
#define HEARTH_PUSH_ROUND_ACTIVATIONS                                                                                                      \
    uint units;                                                                                                                            \
    uint mode;                                                                                                                             \
    uint xOffset;                                                                                                                          \
    uint outOffset;

// causal_conv.comp: depthwise causal convolution over the tokens with its carried inputs, then SiLU.
#define HEARTH_PUSH_CAUSAL_CONV                                                                                                            \
    uint tokens;                                                                                                                           \
    uint channels;                                                                                                                         \
    uint taps;                                                                                                                             \
    uint xOffset;                                                                                                                          \
    uint kernelOffset;                                                                                                                     \
    uint outOffset;
// gated_delta_rule.comp: the gated delta rule over the tokens, one workgroup per value head.
#define HEARTH_PUSH_DELTA_RULE                                                                                                             \
    uint tokens;                                                                                                                           \
    uint keyHeads;                                                                                                                         \
    uint valueHeads;                                                                                                                       \
    uint headDim;                                                                                                                          \
    uint qkvOffset;                                                                                                                        \
    uint alphaOffset;                                                                                                                      \
    uint betaOffset;                                                                                                                       \
    uint outOffset;                                                                                                                        \
    uint biasOffset;                                                                                                                       \
    uint decayOffset;                                                                                                                      \
    float eps;

// attention_reduce.comp: the split attention's partial results of each (query, head) combined.
#define HEARTH_PUSH_ATTENTION_REDUCE                                                                                                       \
    uint heads;                                                                                                                            \
    uint headDim;                                                                                                                          \
    uint split;                                                                                                                            \
    uint partialOffset;                                                                                                                    \
    uint outOffset;                                                                                                                        \
    uint sinkOffset;                                                                                                                       \
    uint hasSinks;

#endif
