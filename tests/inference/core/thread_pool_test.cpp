// The pool every CPU op runs on: each index of [0, n) exactly once, whatever the thread count and
// however the chunks fall to the threads, op after op with no lost or repeated work.
#include "core/error.h"
#include "core/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
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
