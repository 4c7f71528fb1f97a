#include "platform/mapped_file.h"

#include "core/error.h"

#include <cstring>
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

static std::string lastErrorText()
{
    return "Windows error " + std::to_string(GetLastError());
}

MappedFile::MappedFile(const std::string& path) : m_path(path)
{
    HANDLE file = CreateFileW(widen(path).c_str(), GENERIC_READ, FILE_SHARE_READ, nullptr, OPEN_EXISTING,
                              FILE_ATTRIBUTE_NORMAL, nullptr);
    if (file == INVALID_HANDLE_VALUE) throw Error(ErrorCode::Io, path + ": cannot open: " + lastErrorText());
    LARGE_INTEGER size{};
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

void MappedFile::release() noexcept
{
    if (m_data) UnmapViewOfFile(m_data);
    if (m_mapping) CloseHandle(m_mapping);
    m_data = nullptr;
    m_mapping = nullptr;
    m_size = 0;
}

#else

MappedFile::MappedFile(const std::string& path) : m_path(path)
{
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(ErrorCode::Io, path + ": cannot open: " + std::strerror(errno));
    struct stat st{};
    if (::fstat(fd, &st) != 0) {
        int err = errno;
        ::close(fd);
        throw Error(ErrorCode::Io, path + ": cannot stat: " + std::strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        throw Error(ErrorCode::Io, path + ": not a regular file");
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
    }
    ::close(fd);  // the mapping keeps its own reference
}

void MappedFile::release() noexcept
{
    if (m_data) ::munmap(const_cast<uint8_t*>(m_data), m_size);
    m_data = nullptr;
    m_size = 0;
}

#endif

MappedFile::~MappedFile() { release(); }

MappedFile::MappedFile(MappedFile&& other) noexcept
    : m_path(std::move(other.m_path)), m_data(std::exchange(other.m_data, nullptr)),
      m_size(std::exchange(other.m_size, 0))
#ifdef _WIN32
      , m_mapping(std::exchange(other.m_mapping, nullptr))
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
#ifdef _WIN32
        m_mapping = std::exchange(other.m_mapping, nullptr);
#endif
    }
    return *this;
}

}  // namespace hearth
