// A parsed GGUF model file.
//
// GGUF (little-endian throughout):
//   u32 magic "GGUF" | u32 version (2 or 3) | u64 tensor_count | u64 metadata_kv_count
//   metadata_kv_count x { string key | u32 value_type | value }
//       string = u64 byte length + UTF-8 bytes (no terminator)
//       array  = u32 element_type + u64 count + count elements (arrays may nest)
//   tensor_count x { string name | u32 n_dims (1..4) | n_dims x u64 ne | u32 ggml_type | u64 offset }
//       ne[0] is the row length (innermost); offset is relative to the data section
//   padding to general.alignment (u32, default 32, a power of two)
//   data section: tensor data, each tensor at its aligned offset
//
// Every count, length and offset is treated as hostile and checked against the file size
// with overflow-safe arithmetic before it is used; violations throw hearth::Error naming
// the file, the byte offset and what was wrong. Tensors are views into the mapping.
#pragma once

#include "gguf/ggml_type.h"
#include "gguf/gguf_value.h"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hearth {

class MappedFile;

constexpr uint32_t kGgufMagic = 0x46554747;  // "GGUF" read as a little-endian u32
constexpr uint64_t kGgufDefaultAlignment = 32;
constexpr uint32_t kGgufMaxDims = 4;

struct GgufMetadataEntry {
    std::string_view key;
    GgufValue value;
};

struct GgufTensorInfo {
    std::string_view name;
    GgmlType type = GgmlType::F32;
    uint32_t dimCount = 0;
    std::array<uint64_t, kGgufMaxDims> dims {1, 1, 1, 1};  // dims[0] = row length
    uint64_t offset = 0;  // from the start of the data section
    uint64_t byteSize = 0;
    uint64_t elementCount = 0;
    uint64_t infoFileOffset = 0;  // where this tensor's info record starts, for messages
};

class GgufFile {
public:
    // Maps and parses the file at path.
    static GgufFile open(const std::string& path);
    // Parses bytes the caller keeps alive (fuzzing, in-memory tests); displayName is used in errors.
    static GgufFile parse(std::span<const uint8_t> bytes, const std::string& displayName);
    // Parses only the header (metadata and tensor infos) from the first bytes of a file of
    // fileSize bytes, e.g. a remote file read with a range request. Throws Error(Truncated) when
    // the header goes on past `prefix` (read more and try again); tensorData() is unavailable.
    static GgufFile parseHeader(std::span<const uint8_t> prefix, uint64_t fileSize, const std::string& displayName);

    GgufFile(GgufFile&&) noexcept;
    GgufFile& operator=(GgufFile&&) noexcept;
    ~GgufFile();

    const std::string& displayName() const { return m_name; }
    uint32_t version() const { return m_version; }
    uint64_t alignment() const { return m_alignment; }
    uint64_t dataOffset() const { return m_dataOffset; }
    uint64_t fileSize() const { return m_fileSize; }

    const std::vector<GgufMetadataEntry>& metadata() const { return m_metadata; }
    const GgufValue* find(std::string_view key) const;
    std::optional<std::string_view> getString(std::string_view key) const;
    std::optional<uint64_t> getUInt(std::string_view key) const;
    std::optional<double> getDouble(std::string_view key) const;
    std::optional<bool> getBool(std::string_view key) const;

    const std::vector<GgufTensorInfo>& tensors() const { return m_tensors; }
    const GgufTensorInfo* findTensor(std::string_view name) const;
    // The tensor's bytes inside the mapping (validated to lie within the file at parse time).
    std::span<const uint8_t> tensorData(const GgufTensorInfo& tensor) const;
    // Throws hearth::Error(Io) when the file shrank on disk while mapped (reads since then
    // saw zeros, not weights): whoever computed from the mapping calls this before trusting it.
    void checkIntact() const;

private:
    friend class GgufParser;
    GgufFile() = default;

    std::unique_ptr<MappedFile> m_mapping;  // null when parsing caller-owned bytes
    std::span<const uint8_t> m_bytes;
    uint64_t m_fileSize = 0;  // m_bytes.size(), except for a header parsed from a prefix
    std::string m_name;
    uint32_t m_version = 0;
    uint64_t m_alignment = kGgufDefaultAlignment;
    uint64_t m_dataOffset = 0;
    std::vector<GgufMetadataEntry> m_metadata;
    std::unordered_map<std::string_view, size_t> m_metadataIndex;
    std::vector<GgufTensorInfo> m_tensors;
    std::unordered_map<std::string_view, size_t> m_tensorIndex;
};

}  // namespace hearth
