#include "core/thread_pool.h"

#include "core/error.h"

#include <algorithm>
#include <string>

namespace hearth {

ThreadPool::ThreadPool(unsigned threads)
{
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    if (threads > maxThreads())
        throw Error(ErrorCode::InvalidArgument,
                    std::to_string(threads) + " threads asked for; this machine has " +
                        std::to_string(std::thread::hardware_concurrency()) + " hardware threads, so at most " +
                        std::to_string(maxThreads()) + " are allowed");
    for (unsigned i = 1; i < threads; ++i) m_workers.emplace_back([this, i] { workerLoop(i); });
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

static void runShare(const std::function<void(int64_t, int64_t)>& fn, int64_t n, unsigned index, unsigned parts)
{
    const int64_t begin = n * index / parts, end = n * (index + 1) / parts;
    if (begin < end) fn(begin, end);
}

void ThreadPool::workerLoop(unsigned index)
{
    uint64_t seen = 0;
    for (;;) {
        const std::function<void(int64_t, int64_t)>* job;
        int64_t n;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [&] { return m_stop || m_generation != seen; });
            if (m_stop) return;
            seen = m_generation;
            job = m_job;
            n = m_n;
        }
        runShare(*job, n, index, size());
        {
            std::lock_guard lock(m_mutex);
            if (--m_pending == 0) m_done.notify_one();
        }
    }
}

void ThreadPool::parallelFor(int64_t n, const std::function<void(int64_t, int64_t)>& fn)
{
    if (m_workers.empty() || n < 2) {
        if (n > 0) fn(0, n);
        return;
    }
    {
        std::lock_guard lock(m_mutex);
        m_job = &fn;
        m_n = n;
        m_pending = unsigned(m_workers.size());
        ++m_generation;
    }
    m_wake.notify_all();
    runShare(fn, n, 0, size());
    std::unique_lock lock(m_mutex);
    m_done.wait(lock, [&] { return m_pending == 0; });
}

}  // namespace hearth
