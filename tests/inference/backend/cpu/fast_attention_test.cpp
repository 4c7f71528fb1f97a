// The fast backend's attention (K/V converted once for many queries and heads, slots in one
// kernel call) against the reference's: the same bits on both of ggml's paths (prompt batches of
// 64+ rows, and decoding), for every kernel table this CPU runs, F16 and F32 caches, windows,
// rings, sinks, soft caps and keys-only caches.
#include "backend/cpu/cpu_attention.h"
#include "backend/cpu/cpu_isa.h"
#include "backend/cpu/fast_attention.h"
#include "backend/cpu/fast_cpu_backend.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

using namespace hearth;

namespace {

struct Case {
    int64_t heads, kvHeads, headDim, rows, earlier, window = 0;
    float softCap = 0;
    bool sinks = false, f16 = true, ring = false, keysOnly = false;
};

std::string describe(const Case& c)
{
    return std::to_string(c.heads) + "/" + std::to_string(c.kvHeads) + " heads of " + std::to_string(c.headDim) + ", " +
        std::to_string(c.rows) + " rows after " + std::to_string(c.earlier) + ", window " + std::to_string(c.window) +
        (c.softCap > 0 ? ", capped" : "") + (c.sinks ? ", sinks" : "") + (c.f16 ? ", F16" : ", F32") + (c.ring ? ", ring" : "") +
        (c.keysOnly ? ", keys only" : "");
}

void fill(std::vector<float>& v, std::mt19937& rng, float spread)
{
    std::normal_distribution<float> normal(0, spread);
    for (float& x : v) x = normal(rng);
}

TEST(FastAttention, GivesTheReferencesBitsOnEveryKernelTable)
{
    const Case cases[] = {
        {14, 2, 64, 130, 0},  // Qwen2.5-0.5B's heads: two blocks' worth of groups, a partial block
        {14, 2, 64, 64, 90},  // a second prompt chunk after earlier slots
        {4, 4, 80, 77, 5, 0, 0, false, false},  // F32 cache, a head size with vector and scalar tails
        {6, 2, 5, 70, 90, 37, 0, true},  // a window inside a tile, sinks
        {6, 2, 5, 70, 90, 64, 2.0f},  // a window of one tile, Gemma 2's soft cap
        {8, 2, 64, 100, 230, 100, 0, false, true, true},  // a sliding layer's ring, wrapped
        {4, 1, 64, 64, 10, 0, 0, false, true, false, true},  // keys only (values are the keys)
        // Decoding: one row after many slots (the group's heads split over the threads), a few rows.
        {14, 2, 64, 1, 300},
        {14, 2, 64, 1, 300, 0, 0, false, false},
        {8, 2, 64, 3, 150, 100, 0, true},  // a window, sinks
        {6, 2, 5, 7, 90, 0, 1.5f},  // Gemma 2's soft cap
        {8, 2, 64, 1, 230, 100, 0, false, true, true},  // a ring, wrapped
        {4, 1, 64, 2, 10, 0, 0, false, true, false, true},  // keys only
    };
    ThreadPool pool(3);
    std::mt19937 rng(23);
    for (const cpu_kernels::KernelTable* table : runnableKernelTables()) {
        const AttentionKernels fast = fastAttentionKernels(*table);
        for (const Case& c : cases) {
            const int64_t slots = c.earlier + c.rows, kvDim = c.kvHeads * c.headDim;
            // A ring as the model sizes it: the window plus a batch of rows (slots wrap past it).
            const std::vector<int64_t> rings = {c.ring ? c.window + c.rows : 0};
            CpuKvCache cache(1, c.ring ? 4 * slots : slots, kvDim, c.f16, rings, c.keysOnly);
            std::vector<float> row(static_cast<size_t>(kvDim));
            for (int64_t s = 0; s < slots; ++s) {
                // A ring only holds the window: store only what a real run still has there.
                if (c.ring && s < slots - (c.window + c.rows)) continue;
                fill(row, rng, 1.0f);
                cache.store(true, 0, s, row.data());
                fill(row, rng, 2.0f);
                cache.store(false, 0, s, row.data());
            }
            CpuActivations q(c.rows, c.heads * c.headDim), want(q.rows(), q.cols()), got(q.rows(), q.cols());
            fill(q.values, rng, 3.0f);  // peaked softmaxes: rescales happen mid-sequence
            std::vector<float> sinks(size_t(c.heads));
            fill(sinks, rng, 4.0f);
            const AttentionParams p {c.heads, c.kvHeads, c.headDim, 0.125f, c.softCap, c.window, c.sinks ? sinks.data() : nullptr};
            cpuAttention(pool, q, cache, 0, c.earlier, p, want, referenceAttentionKernels());
            fastCpuAttention(pool, q, cache, 0, c.earlier, p, got, fast);
            EXPECT_EQ(got.values, want.values) << table->isa << ": " << describe(c);
            // The reference's own steps through the fast path (a table without slot kernels).
            fastCpuAttention(pool, q, cache, 0, c.earlier, p, got, referenceAttentionKernels());
            EXPECT_EQ(got.values, want.values) << "reference steps: " << describe(c);
        }
    }
}

}  // namespace
