// Writes GGUF files: metadata of every value type, tensors at aligned offsets. Used by the
// tests and test-model tools; what it writes round-trips through GgufFile.
#pragma once

#include "gguf/ggml_type.h"
#include "gguf/gguf_value.h"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hearth {

// Little-endian byte buffer with GGUF primitives.
class GgufBytes {
public:
    template <typename T>
    void put(T v)
    {
        const auto* p = reinterpret_cast<const uint8_t*>(&v);
        m_data.insert(m_data.end(), p, p + sizeof(T));
    }
    void putString(std::string_view s);
    void putBytes(std::span<const uint8_t> bytes) { m_data.insert(m_data.end(), bytes.begin(), bytes.end()); }
    const std::vector<uint8_t>& data() const { return m_data; }
    std::vector<uint8_t>& data() { return m_data; }

private:
    std::vector<uint8_t> m_data;
};

// Builds one array value; elements must match the element type given at construction.
class GgufArrayBuilder {
public:
    explicit GgufArrayBuilder(GgufValueType elementType) : m_elementType(elementType) { }
    GgufArrayBuilder& addInt(int64_t v);  // any integer or bool element type
    GgufArrayBuilder& addFloat(double v);  // f32 / f64 element type
    GgufArrayBuilder& addString(std::string_view s);
    GgufArrayBuilder& addArray(const GgufArrayBuilder& nested);

    GgufValueType elementType() const { return m_elementType; }
    uint64_t size() const { return m_count; }
    void serialize(GgufBytes& out) const;

private:
    GgufValueType m_elementType;
    uint64_t m_count = 0;
    GgufBytes m_payload;
};

class GgufWriter {
public:
    explicit GgufWriter(uint32_t version = 3) : m_version(version) { }

    // Scalars. addInt/addFloat store the value in the given type.
    void addInt(std::string_view key, GgufValueType type, int64_t value);
    void addUInt64(std::string_view key, uint64_t value);
    void addFloat(std::string_view key, GgufValueType type, double value);
    void addBool(std::string_view key, bool value);
    void addString(std::string_view key, std::string_view value);
    void addArray(std::string_view key, const GgufArrayBuilder& array);
    // Records general.alignment (a power of two) and uses it for tensor data.
    void setAlignment(uint32_t alignment);

    // data must hold exactly the bytes of dims in type (dims[0] = row length).
    void addTensor(std::string_view name, GgmlType type, std::span<const uint64_t> dims, std::span<const uint8_t> data);

    std::vector<uint8_t> toBytes() const;
    // Writes to path via a temporary file and rename, so a failure leaves no half file.
    void writeFile(const std::string& path) const;

private:
    struct PendingTensor {
        std::string name;
        GgmlType type;
        std::vector<uint64_t> dims;
        std::vector<uint8_t> data;
    };
    void beginKey(std::string_view key, GgufValueType type);

    uint32_t m_version;
    uint32_t m_alignment = 32;
    uint64_t m_kvCount = 0;
    GgufBytes m_kv;
    std::vector<PendingTensor> m_tensors;
};

}  // namespace hearth
