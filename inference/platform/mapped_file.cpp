#include "platform/mapped_file.h"

#include "core/error.h"

#include <array>
#include <atomic>
#include <csignal>
#include <cstring>
#include <mutex>
#include <utility>

#ifdef _WIN32
#define WIN32_LEAN_AND_MEAN
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#else
#include <cerrno>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace hearth {

#ifdef _WIN32

static std::wstring widen(const std::string& utf8)
{
    int n = MultiByteToWideChar(CP_UTF8, 0, utf8.c_str(), -1, nullptr, 0);
    std::wstring out(n > 0 ? size_t(n) : 0, L'\0');
    if (n > 0) MultiByteToWideChar(CP_UTF8, 0, utf8.c_str(), -1, out.data(), n);
    if (!out.empty()) out.pop_back();  // drop the terminator MultiByteToWideChar counted
    return out;
}

static std::string lastErrorText() { return "Windows error " + std::to_string(GetLastError()); }

MappedFile::MappedFile(const std::string& path) : m_path(path)
{
    HANDLE file = CreateFileW(widen(path).c_str(), GENERIC_READ, FILE_SHARE_READ, nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
    if (file == INVALID_HANDLE_VALUE) throw Error(ErrorCode::Io, path + ": cannot open: " + lastErrorText());
    LARGE_INTEGER size {};
    if (!GetFileSizeEx(file, &size)) {
        std::string why = lastErrorText();
        CloseHandle(file);
        throw Error(ErrorCode::Io, path + ": cannot read size: " + why);
    }
    m_size = size_t(size.QuadPart);
    if (m_size > 0) {
        m_mapping = CreateFileMappingW(file, nullptr, PAGE_READONLY, 0, 0, nullptr);
        if (m_mapping) m_data = static_cast<const uint8_t*>(MapViewOfFile(m_mapping, FILE_MAP_READ, 0, 0, 0));
        if (!m_data) {
            std::string why = lastErrorText();
            release();
            CloseHandle(file);
            throw Error(ErrorCode::Io, path + ": cannot map: " + why);
        }
    }
    CloseHandle(file);  // the mapping keeps the file open
}

bool MappedFile::lost() const { return false; }  // Windows refuses to shrink a mapped file

void MappedFile::release() noexcept
{
    if (m_data) UnmapViewOfFile(m_data);
    if (m_mapping) CloseHandle(m_mapping);
    m_data = nullptr;
    m_mapping = nullptr;
    m_size = 0;
}

#else

namespace {

// The SIGBUS guard: slots of [begin, end) ranges read by the signal handler without locks.
struct GuardSlot {
    std::atomic<uintptr_t> begin {0}, end {0};
    std::atomic<bool> lost {false};
};
constexpr size_t kGuardSlots = 64;
std::array<GuardSlot, kGuardSlots> g_guard;
std::mutex g_guardMutex;  // taken by register/unregister only, never by the handler
struct sigaction g_previousSigbus { };

void onSigbus(int sig, siginfo_t* info, void* context)
{
    const uintptr_t at = reinterpret_cast<uintptr_t>(info->si_addr);
    for (GuardSlot& slot : g_guard) {
        const uintptr_t begin = slot.begin.load(std::memory_order_acquire), end = slot.end.load(std::memory_order_acquire);
        if (begin == 0 || at < begin || at >= end) continue;
        // The file shrank under this mapping: put zero pages over all of it (mmap is safe to call
        // here in practice on Linux and macOS) and let the faulting read retry and see zeros.
        slot.lost.store(true, std::memory_order_release);
        void* p = ::mmap(reinterpret_cast<void*>(begin), end - begin, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        if (p != MAP_FAILED) return;
        break;
    }
    // Not ours (or the repair failed): behave as if we had never been installed.
    if (g_previousSigbus.sa_flags & SA_SIGINFO) {
        if (g_previousSigbus.sa_sigaction) return g_previousSigbus.sa_sigaction(sig, info, context);
    } else if (g_previousSigbus.sa_handler != SIG_DFL && g_previousSigbus.sa_handler != SIG_IGN) {
        return g_previousSigbus.sa_handler(sig);
    }
    ::signal(SIGBUS, SIG_DFL);  // the faulting instruction runs again and the default action follows
}

int guardRange(const void* data, size_t size)
{
    static std::once_flag installed;
    std::call_once(installed, [] {
        struct sigaction action { };
        action.sa_sigaction = onSigbus;
        action.sa_flags = SA_SIGINFO | SA_NODEFER;
        sigemptyset(&action.sa_mask);
        ::sigaction(SIGBUS, &action, &g_previousSigbus);
    });
    std::lock_guard lock(g_guardMutex);
    for (size_t i = 0; i < kGuardSlots; ++i) {
        if (g_guard[i].begin.load() != 0) continue;
        g_guard[i].lost.store(false);
        g_guard[i].end.store(reinterpret_cast<uintptr_t>(data) + size, std::memory_order_release);
        g_guard[i].begin.store(reinterpret_cast<uintptr_t>(data), std::memory_order_release);
        return int(i);
    }
    return -1;  // more than 64 files mapped at once: this one is unguarded, as before
}

void unguardRange(int slot)
{
    if (slot < 0) return;
    std::lock_guard lock(g_guardMutex);
    g_guard[size_t(slot)].begin.store(0, std::memory_order_release);
    g_guard[size_t(slot)].end.store(0, std::memory_order_release);
}

}  // namespace

MappedFile::MappedFile(const std::string& path) : m_path(path)
{
    // O_NONBLOCK: opening a FIFO or a device must not wait for a writer; it is refused below.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) throw Error(ErrorCode::Io, path + ": cannot open: " + std::strerror(errno));
    struct stat st { };
    if (::fstat(fd, &st) != 0) {
        int err = errno;
        ::close(fd);
        throw Error(ErrorCode::Io, path + ": cannot stat: " + std::strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        throw Error(ErrorCode::Io,
                    path + ": not a regular file" +
                        (S_ISFIFO(st.st_mode)      ? " (a named pipe)"
                             : S_ISDIR(st.st_mode) ? " (a folder)"
                                                   : ""));
    }
    m_size = size_t(st.st_size);
    if (m_size > 0) {
        void* p = ::mmap(nullptr, m_size, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
            int err = errno;
            ::close(fd);
            m_size = 0;
            throw Error(ErrorCode::Io, path + ": cannot map: " + std::strerror(err));
        }
        m_data = static_cast<const uint8_t*>(p);
        m_guardSlot = guardRange(m_data, m_size);
    }
    ::close(fd);  // the mapping keeps its own reference
}

bool MappedFile::lost() const { return m_guardSlot >= 0 && g_guard[size_t(m_guardSlot)].lost.load(std::memory_order_acquire); }

void MappedFile::release() noexcept
{
    unguardRange(m_guardSlot);
    m_guardSlot = -1;
    if (m_data) ::munmap(const_cast<uint8_t*>(m_data), m_size);
    m_data = nullptr;
    m_size = 0;
}

#endif

MappedFile::~MappedFile() { release(); }

MappedFile::MappedFile(MappedFile&& other) noexcept
    : m_path(std::move(other.m_path)), m_data(std::exchange(other.m_data, nullptr)), m_size(std::exchange(other.m_size, 0)),
      m_guardSlot(std::exchange(other.m_guardSlot, -1))
#ifdef _WIN32
      ,
      m_mapping(std::exchange(other.m_mapping, nullptr))
#endif
{
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept
{
    if (this != &other) {
        release();
        m_path = std::move(other.m_path);
        m_data = std::exchange(other.m_data, nullptr);
        m_size = std::exchange(other.m_size, 0);
        m_guardSlot = std::exchange(other.m_guardSlot, -1);
#ifdef _WIN32
        m_mapping = std::exchange(other.m_mapping, nullptr);
#endif
    }
    return *this;
}

}  // namespace hearth
