// A read-only memory mapping of a whole file. Model weights are used in place from
// the mapping, so loading a model costs address space, not a copy.
//
// A mapped file can shrink under us (another program truncates or rewrites it); on POSIX a read
// of a page past the new end raises SIGBUS, which would kill the app. A process-wide SIGBUS
// handler turns such a fault inside one of our mappings into zero pages and marks the mapping
// lost(); readers check lost() after their work and fail the request with a clear error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace hearth {

class MappedFile {
public:
    // Throws hearth::Error (Io) naming the path and the OS reason.
    explicit MappedFile(const std::string& path);
    ~MappedFile();
    MappedFile(MappedFile&& other) noexcept;
    MappedFile& operator=(MappedFile&& other) noexcept;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    std::span<const uint8_t> bytes() const { return {m_data, m_size}; }
    const std::string& path() const { return m_path; }
    // True once a read faulted because the file shrank: the bytes are zeros from there on.
    bool lost() const;

private:
    void release() noexcept;

    std::string m_path;
    const uint8_t* m_data = nullptr;
    size_t m_size = 0;
    int m_guardSlot = -1;  // the mapping's slot in the SIGBUS guard (POSIX), -1 when none
#ifdef _WIN32
    void* m_mapping = nullptr;  // HANDLE of the file mapping object
#endif
};

}  // namespace hearth
