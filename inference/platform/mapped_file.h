// A read-only memory mapping of a whole file. Model weights are used in place from
// the mapping, so loading a model costs address space, not a copy.
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

private:
    void release() noexcept;

    std::string m_path;
    const uint8_t* m_data = nullptr;
    size_t m_size = 0;
#ifdef _WIN32
    void* m_mapping = nullptr;  // HANDLE of the file mapping object
#endif
};

}  // namespace hearth
