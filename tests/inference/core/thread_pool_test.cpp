// The pool every CPU op runs on: each index of [0, n) exactly once, whatever the thread count and
// however the chunks fall to the threads, op after op with no lost or repeated work.
#include "core/error.h"
#include "core/thread_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <vector>

using namespace hearth;

TEST(ThreadPool, EveryIndexRunsExactlyOnce)
{
    for (unsigned threads : {1u, 2u, 3u, 8u}) {
        ThreadPool pool(threads);
        for (int64_t n : {0, 1, 2, 5, 7, 23, 24, 63, 64, 1000}) {
            std::vector<std::atomic<int>> hits(size_t(n + 1));
            std::atomic<int> calls {0};
            pool.parallelFor(n, [&](int64_t begin, int64_t end) {
                EXPECT_LE(0, begin);
                EXPECT_LT(begin, end);
                EXPECT_LE(end, n);
                ++calls;
                for (int64_t i = begin; i < end; ++i) ++hits[size_t(i)];
            });
            for (int64_t i = 0; i < n; ++i) EXPECT_EQ(hits[size_t(i)].load(), 1) << threads << " threads, n=" << n << ", index " << i;
            EXPECT_LE(calls.load(), std::max<int64_t>(n, 1)) << threads << " threads, n=" << n;
        }
    }
}

TEST(ThreadPool, ChunksShrinkSoThreadsFinishTogether)
{
    // Chunks of the remainder's share: none above n / threads, the last index alone (the threads
    // of a decode's short matmul finish within one index's work of each other instead of one
    // thread waiting out another's large last chunk), and about threads x ln(n) takes, each an
    // atomic operation the threads contend for (half that share took twice as many).
    for (unsigned threads : {2u, 4u}) {
        ThreadPool pool(threads);
        const int64_t n = 1000;
        std::mutex mutex;
        std::vector<std::pair<int64_t, int64_t>> ranges;
        pool.parallelFor(n, [&](int64_t begin, int64_t end) {
            std::lock_guard lock(mutex);
            ranges.emplace_back(begin, end);
        });
        int64_t largest = 0, lastSize = 0;
        for (auto [begin, end] : ranges) {
            largest = std::max(largest, end - begin);
            if (end == n) lastSize = end - begin;
        }
        EXPECT_LE(largest, n / int64_t(threads)) << threads << " threads";
        EXPECT_EQ(lastSize, 1) << threads << " threads";
        EXPECT_LE(double(ranges.size()), threads * std::log(double(n)) + threads) << threads << " threads: too many takes";
    }
}

TEST(ThreadPool, BackToBackOpsSeeEachOthersResults)
{
    // A forward pass: thousands of short ops, each reading what the one before wrote.
    ThreadPool pool(3);
    std::vector<int64_t> values(257, 0);
    for (int op = 0; op < 5000; ++op)
        pool.parallelFor(int64_t(values.size()), [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i) {
                ASSERT_EQ(values[size_t(i)], op) << "index " << i;
                ++values[size_t(i)];
            }
        });
    for (int64_t v : values) EXPECT_EQ(v, 5000);
}

TEST(ThreadPool, AbsurdThreadCountsAreRefused) { EXPECT_THROW(ThreadPool(ThreadPool::maxThreads() + 1), Error); }
