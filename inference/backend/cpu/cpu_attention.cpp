#include "backend/cpu/cpu_attention.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace hearth {

namespace {

struct HeadJob {
    const float* query;  // headDim values
    int64_t kvOffset;  // the KV head's first value within a cached row
    int64_t first;  // slots first .. visible-1 are attended (first > 0 in a sliding window)
    int64_t visible;
    float* out;
};

// ggml's order: the scale (divided by the cap) first, then cap * tanh.
float cappedScore(float dot, const AttentionParams& p)
{
    if (p.softCap <= 0) return dot * p.scale;
    return p.softCap * std::tanh(dot * (p.scale / p.softCap));
}

struct Scratch {
    std::vector<float> query, accumulator, k, v, scores;
};

// ggml_compute_forward_flash_attn_ext_f16_one_chunk: one slot at a time, online softmax.
void attendOneRow(const CpuKvCache& c, int64_t layer, const AttentionParams& p, const HeadJob& job, Scratch& s)
{
    const bool half = c.f16;
    for (int64_t i = 0; i < p.headDim; ++i) s.query[size_t(i)] = half ? roundToFp16(job.query[i]) : job.query[i];
    std::fill(s.accumulator.begin(), s.accumulator.end(), 0.0f);
    float runningMax = -INFINITY, runningSum = 0;
    for (int64_t slot = job.first; slot < job.visible; ++slot) {
        c.load(true, layer, slot, job.kvOffset, p.headDim, s.k.data());
        double dot = 0;
        for (int64_t i = 0; i < p.headDim; ++i) dot += double(s.query[size_t(i)]) * double(s.k[size_t(i)]);
        const float score = cappedScore(float(dot), p);
        float rescale = 1.0f, weight = 1.0f;
        if (score > runningMax) {
            rescale = std::exp(runningMax - score);
            runningMax = score;
            for (auto& a : s.accumulator) a = half ? roundToFp16(a * rescale) : a * rescale;
        } else {
            weight = std::exp(score - runningMax);
        }
        c.load(false, layer, slot, job.kvOffset, p.headDim, s.v.data());
        for (int64_t i = 0; i < p.headDim; ++i) {
            const float sum = s.accumulator[size_t(i)] + s.v[size_t(i)] * weight;
            s.accumulator[size_t(i)] = half ? roundToFp16(sum) : sum;
        }
        runningSum = runningSum * rescale + weight;
    }
    const float inverse = runningSum == 0 ? 0.0f : 1.0f / runningSum;
    for (int64_t i = 0; i < p.headDim; ++i) job.out[i] = s.accumulator[size_t(i)] * inverse;
}

// ggml_compute_forward_flash_attn_ext_tiled: tiles of kCpuAttentionTileRows slots, the tile's
// scores in single precision, its softmax sum in double, values accumulated in single precision.
void attendTiled(const CpuKvCache& c, int64_t layer, const AttentionParams& p, const HeadJob& job, Scratch& s)
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
            c.load(true, layer, first + j, job.kvOffset, p.headDim, s.k.data());
            float dot = 0;
            for (int64_t i = 0; i < p.headDim; ++i) dot += job.query[i] * s.k[size_t(i)];
            s.scores[size_t(j)] = cappedScore(dot, p);
            tileMax = std::max(tileMax, s.scores[size_t(j)]);
        }
        const float newMax = std::max(runningMax, tileMax);
        if (newMax > runningMax) {
            const float rescale = std::exp(runningMax - newMax);
            for (auto& a : s.accumulator) a *= rescale;
            runningSum *= rescale;
        }
        runningMax = newMax;
        double tileSum = 0;
        for (int64_t j = 0; j < count; ++j) {
            s.scores[size_t(j)] = std::exp(s.scores[size_t(j)] - newMax);
            tileSum += s.scores[size_t(j)];
        }
        runningSum += float(tileSum);
        for (int64_t j = 0; j < count; ++j) {
            if (first + j < job.first) continue;
            c.load(false, layer, first + j, job.kvOffset, p.headDim, s.v.data());
            const float weight = s.scores[size_t(j)];
            for (int64_t i = 0; i < p.headDim; ++i) s.accumulator[size_t(i)] += weight * s.v[size_t(i)];
        }
    }
    const float inverse = runningSum == 0 ? 0.0f : 1.0f / runningSum;
    for (int64_t i = 0; i < p.headDim; ++i) job.out[i] = s.accumulator[size_t(i)] * inverse;
}

}  // namespace

void cpuAttention(ThreadPool& pool, const CpuActivations& q, const CpuKvCache& cache, int64_t layer, int64_t firstSlot,
                  const AttentionParams& p, CpuActivations& out)
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
            const HeadJob job {q.row(t) + h * p.headDim, (h / group) * p.headDim, first, visible, out.row(t) + h * p.headDim};
            if (tiled) {
                attendTiled(cache, layer, p, job, s);
            } else {
                attendOneRow(cache, layer, p, job, s);
            }
        }
    });
}

}  // namespace hearth
