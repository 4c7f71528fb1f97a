// A fixed set of worker threads for data-parallel loops (matmul rows, attention heads).
// parallelFor splits [0, n) into contiguous chunks, so results never depend on thread count
// as long as each index's work is independent.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
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
    // Calls fn(begin, end) on disjoint ranges covering [0, n); returns when all are done.
    void parallelFor(int64_t n, const std::function<void(int64_t, int64_t)>& fn);

private:
    void workerLoop(unsigned index);

    std::vector<std::thread> m_workers;
    std::mutex m_mutex;
    std::condition_variable m_wake, m_done;
    const std::function<void(int64_t, int64_t)>* m_job = nullptr;
    int64_t m_n = 0;
    uint64_t m_generation = 0;
    unsigned m_pending = 0;
    bool m_stop = false;
};

}  // namespace hearth
