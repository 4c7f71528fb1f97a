#include "backend/cpu/fast_attention.h"

#include "backend/cpu/attention_steps.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace hearth {

namespace {

using attention_steps::applySink;
using attention_steps::cappedScore;
constexpr int64_t kTile = kCpuAttentionTileRows;

// One query row and head: the reference's attendTiled state between tiles.
struct QueryState {
    const float* query;
    float* out;
    int64_t head;
    int64_t first;  // its first visible slot (after a sliding window)
    int64_t visible;  // slots first .. visible-1
    float runningMax = -INFINITY, runningSum = 0;
    float* accumulator;  // headDim values
};

// One thread's buffers, kept for the pool's life: no allocation per layer.
struct BlockScratch {
    std::vector<float> keys, values, accumulators, scores, queries, rescales, weights;
    std::vector<const float*> keyRows, valueRows;
    std::vector<QueryState> states;
    std::vector<QueryState*> seeing;  // a prompt tile's rows, their queries and dots
    std::vector<const float*> seeingQueries;
    std::vector<float*> accumulatorRows;  // decoding: the group's heads' accumulators
    std::vector<float> dots;
};

// Sized for `states` query states of head size d and one tile.
BlockScratch& blockScratch(size_t states, int64_t d)
{
    thread_local BlockScratch s;
    s.keys.resize(size_t(kTile * d));
    s.values.resize(size_t(kTile * d));
    s.scores.resize(size_t(kTile));
    s.rescales.resize(size_t(kTile));
    s.weights.resize(size_t(kTile));
    s.keyRows.resize(size_t(kTile));
    s.valueRows.resize(size_t(kTile));
    s.accumulators.assign(states * size_t(d), 0.0f);
    s.states.clear();
    return s;
}

void dotRows(const AttentionKernels& k, const float* query, const float* const* rows, int64_t count, int64_t n, float* out)
{
    if (k.dotRows) return k.dotRows(query, rows, count, n, out);
    for (int64_t j = 0; j < count; ++j) out[j] = k.dot(query, rows[j], n);
}

void dotQueriesRows(const AttentionKernels& k, const float* const* queries, int64_t queryCount, const float* const* rows, int64_t count,
                    int64_t n, float* out)
{
    if (k.dotQueriesRows) return k.dotQueriesRows(queries, queryCount, rows, count, n, out);
    for (int64_t q = 0; q < queryCount; ++q) dotRows(k, queries[q], rows, count, n, out + q * count);
}

// A rescale by exactly 1 is skipped: the accumulator is already in the precision it rounds to.
void scaleAccumulateRows(const AttentionKernels& k, float* acc, const float* const* rows, const float* rescales, const float* weights,
                         int64_t count, int64_t n, bool half)
{
    if (k.scaleAccumulateRows) return k.scaleAccumulateRows(acc, rows, rescales, weights, count, n, half);
    for (int64_t j = 0; j < count; ++j) {
        if (rescales[j] != 1.0f) k.rescale(acc, rescales[j], n, half);
        k.accumulate(acc, rows[j], weights[j], n, half);
    }
}

void scaleAccumulateRowsHeads(const AttentionKernels& k, float* const* acc, int64_t heads, const float* const* rows, const float* rescales,
                              const float* weights, int64_t count, int64_t n, bool half)
{
    if (k.scaleAccumulateRowsHeads) return k.scaleAccumulateRowsHeads(acc, heads, rows, rescales, weights, count, n, half);
    for (int64_t h = 0; h < heads; ++h) scaleAccumulateRows(k, acc[h], rows, rescales + h * count, weights + h * count, count, n, half);
}

void accumulateRows(const AttentionKernels& k, float* acc, const float* const* rows, const float* weights, int64_t count, int64_t n)
{
    if (k.accumulateRows) return k.accumulateRows(acc, rows, weights, count, n);
    for (int64_t j = 0; j < count; ++j) k.accumulate(acc, rows[j], weights[j], n, false);
}

// Slots from .. to-1 of one KV head as float rows: pointers into an F32 cache, or converted once
// into `buffer` from an F16 one. rows[s - tileStart] is slot s's row.
void tileRows(const CpuKvCache& c, bool key, int64_t layer, int64_t kvOffset, int64_t tileStart, int64_t from, int64_t to, int64_t d,
              const AttentionKernels& k, std::vector<float>& buffer, std::vector<const float*>& rows)
{
    if (to <= from) return;
    if (!c.f16) {
        for (int64_t s = from; s < to; ++s) rows[size_t(s - tileStart)] = c.floatRow(key, layer, s) + kvOffset;
        return;
    }
    for (int64_t s = from; s < to; ++s) rows[size_t(s - tileStart)] = buffer.data() + size_t(s - tileStart) * size_t(d);
    // The slots' rows lie one cache row apart unless a sliding layer's ring wraps inside the tile:
    // then one call per slot.
    const uint16_t* first = c.halfRow(key, layer, from);
    const int64_t stride = c.kvDim(layer);
    float* dst = buffer.data() + size_t(from - tileStart) * size_t(d);
    if (k.halvesToFloatsRows && c.halfRow(key, layer, to - 1) == first + (to - 1 - from) * stride) {
        k.halvesToFloatsRows(first + kvOffset, stride, dst, to - from, d);
        return;
    }
    for (int64_t s = from; s < to; ++s) k.halvesToFloats(c.halfRow(key, layer, s) + kvOffset, dst + size_t(s - from) * size_t(d), d);
}

void keyAndValueRows(const CpuKvCache& c, int64_t layer, int64_t kvOffset, int64_t tileStart, int64_t from, int64_t to, int64_t d,
                     const AttentionKernels& k, BlockScratch& s)
{
    tileRows(c, true, layer, kvOffset, tileStart, from, to, d, k, s.keys, s.keyRows);
    if (c.keysOnly()) {
        s.valueRows = s.keyRows;  // the values are the keys
    } else {
        tileRows(c, false, layer, kvOffset, tileStart, from, to, d, k, s.values, s.valueRows);
    }
}

// One tile for one query row and head: the reference's attendTiled loop body, step for step.
// dots: the query's dots with the tile's slots from tileStart + skipped on (those it sees among them).
void attendTile(const AttentionParams& p, QueryState& q, int64_t tileStart, const float* dots, int64_t skipped,
                const float* const* valueRows, float* scores, const AttentionKernels& k)
{
    const int64_t count = std::min(kTile, q.visible - tileStart);
    const int64_t masked = std::clamp<int64_t>(q.first - tileStart, 0, count);  // before the window (masked >= skipped)
    std::fill(scores, scores + masked, -INFINITY);
    const float* visibleDots = dots + (masked - skipped);
    if (p.softCap <= 0) {  // cappedScore without a cap, the scale held in a register
        const float scale = p.scale;
        for (int64_t j = masked; j < count; ++j) scores[j] = visibleDots[j - masked] * scale;
    } else {
        for (int64_t j = masked; j < count; ++j) scores[j] = cappedScore(visibleDots[j - masked], p);
    }
    // The reference's running maximum, as four running maxima: the same value in any order (a NaN
    // score never enters std::max(m, s) from the right, and 0's sign changes no exp), without one
    // chain of dependent steps.
    float m0 = -INFINITY, m1 = -INFINITY, m2 = -INFINITY, m3 = -INFINITY;
    int64_t j = masked;
    for (; j + 4 <= count; j += 4) {
        m0 = std::max(m0, scores[j]);
        m1 = std::max(m1, scores[j + 1]);
        m2 = std::max(m2, scores[j + 2]);
        m3 = std::max(m3, scores[j + 3]);
    }
    for (; j < count; ++j) m0 = std::max(m0, scores[j]);
    const float tileMax = std::max(std::max(m0, m1), std::max(m2, m3));
    const float newMax = std::max(q.runningMax, tileMax);
    if (newMax > q.runningMax) {
        const float rescale = portableExp(q.runningMax - newMax);
        k.rescale(q.accumulator, rescale, p.headDim, false);
        q.runningSum *= rescale;
    }
    q.runningMax = newMax;
    q.runningSum += float(attention_steps::expScores(k, scores, count, newMax));
    accumulateRows(k, q.accumulator, valueRows + masked, scores + masked, count - masked, p.headDim);
}

// Sinks, then each state's output: its accumulator over its softmax sum.
void finish(const AttentionParams& p, std::vector<QueryState>& states, const AttentionKernels& k)
{
    for (QueryState& state : states) {
        applySink(p, state.head, state.runningMax, state.runningSum, state.accumulator, k);
        const float inverse = state.runningSum == 0 ? 0.0f : 1.0f / state.runningSum;
        for (int64_t i = 0; i < p.headDim; ++i) state.out[i] = state.accumulator[i] * inverse;
    }
}

// Prompts: query rows t0 .. t1-1 with the heads of KV head `kvHead`, tile by tile.
void attendBlock(const CpuActivations& q, const CpuKvCache& c, int64_t layer, int64_t firstSlot, const AttentionParams& p, int64_t kvHead,
                 int64_t t0, int64_t t1, CpuActivations& out, const AttentionKernels& k)
{
    const int64_t group = p.heads / p.kvHeads, d = p.headDim, kvOffset = kvHead * d;
    BlockScratch& s = blockScratch(size_t((t1 - t0) * group), d);
    for (int64_t t = t0; t < t1; ++t) {
        const int64_t visible = firstSlot + t + 1;
        const int64_t first = p.window > 0 ? std::max<int64_t>(0, visible - p.window) : 0;
        for (int64_t h = kvHead * group; h < (kvHead + 1) * group; ++h)
            s.states.push_back({q.row(t) + h * d, out.row(t) + h * d, h, first, visible, -INFINITY, 0,
                                s.accumulators.data() + s.states.size() * size_t(d)});
    }
    // Later rows see at least the slots earlier ones do: the block's range is its first row's
    // first tile to its last row's last slot. Tiles stay aligned to slot 0, as the reference's.
    const QueryState &front = s.states.front(), &back = s.states.back();
    for (int64_t tileStart = front.first / kTile * kTile; tileStart < back.visible; tileStart += kTile) {
        const int64_t from = std::max(tileStart, front.first), to = std::min(tileStart + kTile, back.visible);
        keyAndValueRows(c, layer, kvOffset, tileStart, from, to, d, k, s);
        // The rows that see this tile, and their dots with all its converted slots at once (those
        // a row does not see are left unread).
        s.seeing.clear();
        s.seeingQueries.clear();
        for (QueryState& state : s.states) {
            if (tileStart < state.first / kTile * kTile || tileStart >= state.visible) continue;
            s.seeing.push_back(&state);
            s.seeingQueries.push_back(state.query);
        }
        const int64_t slots = to - from, skipped = from - tileStart;
        s.dots.resize(s.seeing.size() * size_t(slots));
        dotQueriesRows(k, s.seeingQueries.data(), int64_t(s.seeing.size()), s.keyRows.data() + skipped, slots, d, s.dots.data());
        for (size_t i = 0; i < s.seeing.size(); ++i)
            attendTile(p, *s.seeing[i], tileStart, s.dots.data() + i * size_t(slots), skipped, s.valueRows.data(), s.scores.data(), k);
    }
    finish(p, s.states, k);
}

// Decoding: query row t with heads h0 .. h1-1 (of KV head kvHead's group), slot by slot as the
// reference's attendOneRow, each tile of keys and values converted once for all of them.
void attendRowHeads(const CpuActivations& q, const CpuKvCache& c, int64_t layer, int64_t firstSlot, const AttentionParams& p,
                    int64_t kvHead, int64_t t, int64_t h0, int64_t h1, CpuActivations& out, const AttentionKernels& k)
{
    const int64_t d = p.headDim, kvOffset = kvHead * d;
    const bool half = c.f16;
    BlockScratch& s = blockScratch(size_t(h1 - h0), d);
    s.queries.resize(size_t((h1 - h0) * d));
    const int64_t visible = firstSlot + t + 1;
    const int64_t first = p.window > 0 ? std::max<int64_t>(0, visible - p.window) : 0;
    for (int64_t h = h0; h < h1; ++h) {
        // With an F16 cache, ggml's one-row kernel meets the keys with the query in F16.
        float* query = s.queries.data() + size_t((h - h0) * d);
        for (int64_t i = 0; i < d; ++i) query[i] = half ? roundToFp16(q.row(t)[h * d + i]) : q.row(t)[h * d + i];
        s.states.push_back(
            {query, out.row(t) + h * d, h, first, visible, -INFINITY, 0, s.accumulators.data() + s.states.size() * size_t(d)});
    }
    const size_t heads = s.states.size();
    s.seeingQueries.clear();
    s.accumulatorRows.clear();
    for (const QueryState& state : s.states) {
        s.seeingQueries.push_back(state.query);
        s.accumulatorRows.push_back(state.accumulator);
    }
    s.dots.resize(heads * size_t(kTile));
    s.rescales.resize(heads * size_t(kTile));
    s.weights.resize(heads * size_t(kTile));
    for (int64_t tileStart = first; tileStart < visible; tileStart += kTile) {
        const int64_t count = std::min(kTile, visible - tileStart);
        keyAndValueRows(c, layer, kvOffset, tileStart, tileStart, tileStart + count, d, k, s);
        // Every head's dots with the tile's keys in one call (each key row loaded once for all).
        dotQueriesRows(k, s.seeingQueries.data(), int64_t(heads), s.keyRows.data(), count, d, s.dots.data());
        for (size_t h = 0; h < heads; ++h) {
            QueryState& state = s.states[h];
            // The reference's slot loop in passes with the same operations: each slot's exponent
            // (the old maximum minus a new one, or the score minus the maximum), the exponentials
            // in one vector step, then the running sum in slot order; every head's weighted sum
            // of the tile's values after this loop.
            float* exponents = s.dots.data() + h * size_t(count);  // each slot's exponent replaces its dot
            float* rescales = s.rescales.data() + h * size_t(count);
            float* weights = s.weights.data() + h * size_t(count);  // a flag until the exponentials are in
            state.runningMax = attention_steps::slotExponents(k, p, exponents, weights, count, state.runningMax);
            attention_steps::expScores(k, exponents, count, 0.0f);  // x - 0 is x, so these are portableExp(x)
            for (int64_t j = 0; j < count; ++j) {
                const bool newMax = weights[j] != 0.0f;
                rescales[j] = newMax ? exponents[j] : 1.0f;
                weights[j] = newMax ? 1.0f : exponents[j];
                // sum * rescale + weight; a multiply by 1 is exact, so only the adds chain.
                if (newMax) state.runningSum *= exponents[j];
                state.runningSum += weights[j];
            }
        }
        // Every head's weighted sum of the tile's values in one call, with its own rescales and weights.
        scaleAccumulateRowsHeads(k, s.accumulatorRows.data(), int64_t(heads), s.valueRows.data(), s.rescales.data(), s.weights.data(),
                                 count, d, half);
    }
    finish(p, s.states, k);  // the accumulator is single precision from here, as ggml's
}

}  // namespace

void fastCpuAttention(ThreadPool& pool, const CpuActivations& q, const CpuKvCache& cache, int64_t layer, int64_t firstSlot,
                      const AttentionParams& p, CpuActivations& out, const AttentionKernels& kernels)
{
    const int64_t group = p.heads / p.kvHeads;
    if (q.rows() < kCpuAttentionTileRows) {
        // A group's heads split in parts only when rows x KV heads would leave threads idle: each
        // part converts and reads the whole of its KV head's cache again, which at long contexts
        // costs more than the parts' finer balance gains.
        const int64_t parts = std::clamp<int64_t>((int64_t(pool.size()) + q.rows() * p.kvHeads - 1) / (q.rows() * p.kvHeads), 1, group);
        pool.parallelFor(q.rows() * p.kvHeads * parts, [&](int64_t begin, int64_t end) {
            for (int64_t index = begin; index < end; ++index) {
                const int64_t part = index % parts, kvHead = index / parts % p.kvHeads, t = index / parts / p.kvHeads;
                const int64_t h0 = kvHead * group + group * part / parts, h1 = kvHead * group + group * (part + 1) / parts;
                attendRowHeads(q, cache, layer, firstSlot, p, kvHead, t, h0, h1, out, kernels);
            }
        });
        return;
    }
    constexpr int64_t block = kPromptAttentionQueryBlock;
    const int64_t blocks = (q.rows() + block - 1) / block;
    pool.parallelFor(blocks * p.kvHeads, [&](int64_t begin, int64_t end) {
        for (int64_t index = begin; index < end; ++index) {
            // The last blocks first: causal, a later block sees more slots, so the chunks taken
            // last are the short ones and the threads finish together.
            const int64_t b = blocks - 1 - index / p.kvHeads, kvHead = index % p.kvHeads;
            attendBlock(q, cache, layer, firstSlot, p, kvHead, b * block, std::min(q.rows(), (b + 1) * block), out, kernels);
        }
    });
}

}  // namespace hearth
