// CPU time this thread has used, in milliseconds: what the GUI-responsiveness measurements count
// (work done on the thread, which a busy machine does not inflate the way wall time is).
#pragma once

#include <ctime>

namespace hearth::test {

inline double threadCpuMs()
{
    timespec t {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) * 1e3 + double(t.tv_nsec) / 1e6;
}

}  // namespace hearth::test
