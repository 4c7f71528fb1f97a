// A fixed set of worker threads for data-parallel loops (matmul rows, attention heads).
// parallelFor splits [0, n) into contiguous chunks that the threads take in turn (large ones
// first, single indices last), so results never depend on thread count or timing as long as
// each index's work is independent.
//
// A forward pass is hundreds of short parallel ops in a row, so waking sleeping threads for each
// would cost more than some ops: workers spin on the job counter for a moment after each job
// (about a millisecond), then park on a condition variable. One barrier per op (the caller waits
// for the workers' count to reach zero); no allocation per op.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace hearth {

class ThreadPool {
public:
    // 0 = hardware concurrency. More than maxThreads() is refused (hearth::Error naming both
    // numbers): thousands of threads only thrash, and a typo must not start 100,000 of them.
    explicit ThreadPool(unsigned threads);
    static unsigned maxThreads();  // 4 x the hardware threads (at least 16)
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    unsigned size() const { return unsigned(m_workers.size()) + 1; }  // the caller works too
    // Calls fn(begin, end) on disjoint ranges covering [0, n); returns when all are done. fn is
    // called through a pointer, not wrapped in a std::function: a lambda capturing more than two
    // references would cost a heap allocation per op, hundreds per token.
    template <typename Fn>
    void parallelFor(int64_t n, const Fn& fn)
    {
        run(n, Job {&fn, [](const void* f, int64_t begin, int64_t end) { (*static_cast<const Fn*>(f))(begin, end); }});
    }

private:
    struct Job {
        const void* fn;
        void (*call)(const void* fn, int64_t begin, int64_t end);
    };
    void run(int64_t n, Job job);
    void workerLoop();
    void runChunks();  // takes chunks of the current job until none is left
    bool waitForJob(uint64_t seen);  // false when the pool is stopping

    std::vector<std::thread> m_workers;
    Job m_job {};
    int64_t m_n = 0;
    std::atomic<int64_t> m_next {0};  // the first index no thread has taken
    std::atomic<uint64_t> m_generation {0};
    std::atomic<unsigned> m_pending {0};
    std::atomic<unsigned> m_sleepers {0};
    std::atomic<bool> m_stop {false};
    std::mutex m_mutex;  // only for parking
    std::condition_variable m_wake;
};

}  // namespace hearth
