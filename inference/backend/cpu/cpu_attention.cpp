#include "backend/cpu/cpu_attention.h"

#include "backend/cpu/attention_steps.h"

#include "quant/vec_dot.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace hearth {

namespace {

using attention_steps::applySink;
using attention_steps::cappedScore;

float referenceDot(const float* a, const float* b, int64_t n) { return vecDot(GgmlType::F32, a, b, n); }

void referenceHalvesToFloats(const uint16_t* src, float* dst, int64_t n)
{
    const float* table = halfTable();
    for (int64_t i = 0; i < n; ++i) dst[i] = table[src[i]];
}

void referenceAccumulate(float* acc, const float* v, float weight, int64_t n, bool half)
{
    for (int64_t i = 0; i < n; ++i) {
        const float sum = acc[i] + v[i] * weight;
        acc[i] = half ? roundToFp16(sum) : sum;
    }
}

void referenceRescale(float* acc, float factor, int64_t n, bool half)
{
    for (int64_t i = 0; i < n; ++i) acc[i] = half ? roundToFp16(acc[i] * factor) : acc[i] * factor;
}

// A slot's key or value row as floats: in place for an F32 cache, converted into `scratch` for F16.
const float* slotRow(const CpuKvCache& c, bool key, int64_t layer, int64_t slot, int64_t offset, int64_t n, const AttentionKernels& k,
                     float* scratch)
{
    if (!c.f16) return c.floatRow(key, layer, slot) + offset;
    k.halvesToFloats(c.halfRow(key, layer, slot) + offset, scratch, n);
    return scratch;
}

struct HeadJob {
    int64_t head;
    const float* query;  // headDim values
    int64_t kvOffset;  // the KV head's first value within a cached row
    int64_t first;  // slots first .. visible-1 are attended (first > 0 in a sliding window)
    int64_t visible;
    float* out;
};

struct Scratch {
    std::vector<float> query, accumulator, k, v, scores;
};

// ggml_compute_forward_flash_attn_ext_f16_one_chunk: one slot at a time, online softmax.
void attendOneRow(const CpuKvCache& c, int64_t layer, const AttentionParams& p, const HeadJob& job, const AttentionKernels& k, Scratch& s)
{
    const bool half = c.f16;
    for (int64_t i = 0; i < p.headDim; ++i) s.query[size_t(i)] = half ? roundToFp16(job.query[i]) : job.query[i];
    std::fill(s.accumulator.begin(), s.accumulator.end(), 0.0f);
    float runningMax = -INFINITY, runningSum = 0;
    for (int64_t slot = job.first; slot < job.visible; ++slot) {
        const float* key = slotRow(c, true, layer, slot, job.kvOffset, p.headDim, k, s.k.data());
        const float score = cappedScore(k.dot(s.query.data(), key, p.headDim), p);
        float rescale = 1.0f, weight = 1.0f;
        if (score > runningMax) {
            rescale = portableExp(runningMax - score);
            runningMax = score;
            k.rescale(s.accumulator.data(), rescale, p.headDim, half);
        } else {
            weight = portableExp(score - runningMax);
        }
        k.accumulate(s.accumulator.data(), slotRow(c, false, layer, slot, job.kvOffset, p.headDim, k, s.v.data()), weight, p.headDim, half);
        runningSum = runningSum * rescale + weight;
    }
    applySink(p, job.head, runningMax, runningSum, s.accumulator.data(), k);  // the accumulator is single precision from here, as ggml's
    const float inverse = runningSum == 0 ? 0.0f : 1.0f / runningSum;
    for (int64_t i = 0; i < p.headDim; ++i) job.out[i] = s.accumulator[size_t(i)] * inverse;
}

// ggml_compute_forward_flash_attn_ext_tiled: tiles of kCpuAttentionTileRows slots, the tile's
// scores in single precision, its softmax sum in double, values accumulated in single precision.
void attendTiled(const CpuKvCache& c, int64_t layer, const AttentionParams& p, const HeadJob& job, const AttentionKernels& k, Scratch& s)
{
    constexpr int64_t tile = kCpuAttentionTileRows;
    std::fill(s.accumulator.begin(), s.accumulator.end(), 0.0f);
    float runningMax = -INFINITY, runningSum = 0;
    // Tiles stay aligned to slot 0 as ggml's are; slots before the window are masked out.
    for (int64_t first = job.first / tile * tile; first < job.visible; first += tile) {
        const int64_t count = std::min(tile, job.visible - first);
        float tileMax = -INFINITY;
        for (int64_t j = 0; j < count; ++j) {
            if (first + j < job.first) {
                s.scores[size_t(j)] = -INFINITY;
                continue;
            }
            const float* key = slotRow(c, true, layer, first + j, job.kvOffset, p.headDim, k, s.k.data());
            s.scores[size_t(j)] = cappedScore(k.dot(job.query, key, p.headDim), p);
            tileMax = std::max(tileMax, s.scores[size_t(j)]);
        }
        const float newMax = std::max(runningMax, tileMax);
        if (newMax > runningMax) {
            const float rescale = portableExp(runningMax - newMax);
            k.rescale(s.accumulator.data(), rescale, p.headDim, false);
            runningSum *= rescale;
        }
        runningMax = newMax;
        runningSum += float(attention_steps::expScores(k, s.scores.data(), count, newMax));
        for (int64_t j = 0; j < count; ++j) {
            if (first + j < job.first) continue;
            const float* value = slotRow(c, false, layer, first + j, job.kvOffset, p.headDim, k, s.v.data());
            k.accumulate(s.accumulator.data(), value, s.scores[size_t(j)], p.headDim, false);
        }
    }
    applySink(p, job.head, runningMax, runningSum, s.accumulator.data(), k);
    const float inverse = runningSum == 0 ? 0.0f : 1.0f / runningSum;
    for (int64_t i = 0; i < p.headDim; ++i) job.out[i] = s.accumulator[size_t(i)] * inverse;
}

}  // namespace

const AttentionKernels& referenceAttentionKernels()
{
    static const AttentionKernels kernels {referenceDot, referenceHalvesToFloats, referenceAccumulate, referenceRescale};
    return kernels;
}

void cpuAttention(ThreadPool& pool, const CpuActivations& q, const CpuKvCache& cache, int64_t layer, int64_t firstSlot,
                  const AttentionParams& p, CpuActivations& out, const AttentionKernels& kernels)
{
    const int64_t group = p.heads / p.kvHeads;
    const bool tiled = q.rows() >= kCpuAttentionTileRows;
    pool.parallelFor(q.rows() * p.heads, [&](int64_t begin, int64_t end) {
        const size_t d = size_t(p.headDim);
        Scratch s {std::vector<float>(d), std::vector<float>(d), std::vector<float>(d), std::vector<float>(d),
                   std::vector<float>(size_t(kCpuAttentionTileRows))};
        for (int64_t index = begin; index < end; ++index) {
            const int64_t t = index / p.heads, h = index % p.heads;
            const int64_t visible = firstSlot + t + 1;
            const int64_t first = p.window > 0 ? std::max<int64_t>(0, visible - p.window) : 0;
            const HeadJob job {h, q.row(t) + h * p.headDim, (h / group) * p.headDim, first, visible, out.row(t) + h * p.headDim};
            if (tiled) {
                attendTiled(cache, layer, p, job, kernels, s);
            } else {
                attendOneRow(cache, layer, p, job, kernels, s);
            }
        }
    });
}

}  // namespace hearth
