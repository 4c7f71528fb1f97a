// One metadata value of a GGUF file. Strings and numeric arrays are views into the
// file's mapping (no copies); they live as long as the GgufFile that produced them.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth {

enum class GgufValueType : uint32_t {
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
};

constexpr uint32_t kGgufValueTypeCount = 13;

std::string_view ggufValueTypeName(GgufValueType type);
// Bytes of one value of a fixed-size type; 0 for String and Array.
uint32_t ggufFixedSize(GgufValueType type);

class GgufValue {
public:
    GgufValueType type() const { return m_type; }
    bool isInteger() const;
    bool isNumber() const { return isInteger() || m_type == GgufValueType::Float32 || m_type == GgufValueType::Float64; }

    // Scalars. The integer accessors convert between integer types and return nullopt when the
    // value is not an integer or does not fit; toDouble accepts any number.
    std::optional<uint64_t> toUInt() const;
    std::optional<int64_t> toInt() const;
    std::optional<double> toDouble() const;
    std::optional<bool> toBool() const;
    std::optional<std::string_view> toString() const;

    // Arrays.
    bool isArray() const { return m_type == GgufValueType::Array; }
    GgufValueType elementType() const { return m_elementType; }
    uint64_t arraySize() const { return m_count; }
    std::string_view stringAt(uint64_t i) const { return m_strings.at(i); }
    const GgufValue& arrayAt(uint64_t i) const { return m_arrays.at(i); }
    // Element i of a numeric array, as the value type T (the caller asks for the stored type).
    template <typename T>
    T numberAt(uint64_t i) const
    {
        T v;
        std::memcpy(&v, m_raw + i * sizeof(T), sizeof(T));  // file data may be unaligned
        return v;
    }
    // Element i of any numeric array, widened to double / to an integer when it fits.
    std::optional<double> arrayDouble(uint64_t i) const;
    std::optional<int64_t> arrayInt(uint64_t i) const;

    // A short human-readable rendering (arrays abbreviated), for `hearth-cli info`.
    std::string describe(size_t maxItems = 8) const;

private:
    friend class GgufParser;

    GgufValueType m_type = GgufValueType::UInt8;
    union {
        uint64_t u;
        int64_t i;
        double f;
    } m_scalar {0};
    std::string_view m_string;
    // Array payload: numeric arrays point at raw little-endian bytes in the file.
    GgufValueType m_elementType = GgufValueType::UInt8;
    uint64_t m_count = 0;
    const uint8_t* m_raw = nullptr;
    std::vector<std::string_view> m_strings;
    std::vector<GgufValue> m_arrays;
};

}  // namespace hearth
