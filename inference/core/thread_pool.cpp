#include "core/thread_pool.h"

#include "core/error.h"

#include <algorithm>
#include <chrono>
#include <string>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

namespace hearth {

namespace {

// How long a worker keeps polling for the next job before it parks.
constexpr auto kSpinTime = std::chrono::microseconds(1000);

void cpuRelax()
{
#if defined(__x86_64__) || defined(_M_X64)
    _mm_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#else
    std::this_thread::yield();
#endif
}

}  // namespace

void ThreadPool::runChunks()
{
    // Each take is the remainder's share over the threads: the first ones about n / threads, the
    // last ones single indices, so the threads finish within about one index's work of each other,
    // and a thread that a busy machine slows leaves the others the rest of what is untaken. Few
    // takes: each is an atomic operation on a line every thread contends for (~0.3 us a transfer
    // on a 2-core VM), and at half that share a decode matmul's 600 groups took 25 of them.
    const Job job = m_job;
    const int64_t threads = int64_t(size());
    int64_t begin = m_next.load(std::memory_order_relaxed);
    while (begin < m_n) {
        const int64_t end = begin + std::max<int64_t>(1, (m_n - begin) / threads);
        if (!m_next.compare_exchange_weak(begin, end, std::memory_order_relaxed)) continue;  // begin reloaded
        job.call(job.fn, begin, end);
        begin = m_next.load(std::memory_order_relaxed);
    }
}

ThreadPool::ThreadPool(unsigned threads)
{
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    if (threads > maxThreads())
        throw Error(ErrorCode::InvalidArgument,
                    std::to_string(threads) + " threads asked for; this machine has " +
                        std::to_string(std::thread::hardware_concurrency()) + " hardware threads, so at most " +
                        std::to_string(maxThreads()) + " are allowed");
    for (unsigned i = 1; i < threads; ++i) m_workers.emplace_back([this] { workerLoop(); });
}

unsigned ThreadPool::maxThreads() { return std::max(16u, 4 * std::thread::hardware_concurrency()); }

ThreadPool::~ThreadPool()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    for (auto& t : m_workers) t.join();
}

bool ThreadPool::waitForJob(uint64_t seen)
{
    const auto deadline = std::chrono::steady_clock::now() + kSpinTime;
    for (unsigned polls = 0;; ++polls) {
        if (m_generation.load(std::memory_order_acquire) != seen) return true;
        if (m_stop.load(std::memory_order_relaxed)) return false;
        // Pause-spin first; then yield, so that with more threads than cores (tests in parallel,
        // a busy machine) the thread that will post the next job gets the core.
        if (polls < 2000) cpuRelax();
        else std::this_thread::yield();
        if (polls % 64 == 63 && std::chrono::steady_clock::now() > deadline) break;
    }
    // Park. Counting ourselves as a sleeper before the last look at the counter (all seq_cst)
    // means a producer that bumps it afterwards sees the sleeper and takes the lock to notify.
    std::unique_lock lock(m_mutex);
    m_sleepers.fetch_add(1);
    m_wake.wait(lock, [&] { return m_stop.load() || m_generation.load() != seen; });
    m_sleepers.fetch_sub(1);
    return !m_stop.load();
}

void ThreadPool::workerLoop()
{
    uint64_t seen = 0;
    while (waitForJob(seen)) {
        seen = m_generation.load(std::memory_order_acquire);
        runChunks();
        m_pending.fetch_sub(1, std::memory_order_acq_rel);
    }
}

void ThreadPool::run(int64_t n, Job job)
{
    if (m_workers.empty() || n < 2) {
        if (n > 0) job.call(job.fn, 0, n);
        return;
    }
    m_job = job;
    m_n = n;
    m_next.store(0, std::memory_order_relaxed);
    m_pending.store(unsigned(m_workers.size()), std::memory_order_relaxed);
    m_generation.fetch_add(1);  // seq_cst: publishes the job, ordered before the sleeper check
    if (m_sleepers.load() > 0) {
        std::lock_guard lock(m_mutex);
        m_wake.notify_all();
    }
    runChunks();
    for (unsigned polls = 0; m_pending.load(std::memory_order_acquire) != 0; ++polls) {
        if (polls < 2000) cpuRelax();
        else std::this_thread::yield();  // a worker was descheduled: let it run
    }
}

}  // namespace hearth
