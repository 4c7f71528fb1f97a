#include "gguf/gguf_value.h"

#include <cmath>
#include <limits>
#include <sstream>

namespace hearth {

std::string_view ggufValueTypeName(GgufValueType type)
{
    switch (type) {
    case GgufValueType::UInt8: return "u8";
    case GgufValueType::Int8: return "i8";
    case GgufValueType::UInt16: return "u16";
    case GgufValueType::Int16: return "i16";
    case GgufValueType::UInt32: return "u32";
    case GgufValueType::Int32: return "i32";
    case GgufValueType::Float32: return "f32";
    case GgufValueType::Bool: return "bool";
    case GgufValueType::String: return "string";
    case GgufValueType::Array: return "array";
    case GgufValueType::UInt64: return "u64";
    case GgufValueType::Int64: return "i64";
    case GgufValueType::Float64: return "f64";
    }
    return "?";
}

uint32_t ggufFixedSize(GgufValueType type)
{
    switch (type) {
    case GgufValueType::UInt8:
    case GgufValueType::Int8:
    case GgufValueType::Bool: return 1;
    case GgufValueType::UInt16:
    case GgufValueType::Int16: return 2;
    case GgufValueType::UInt32:
    case GgufValueType::Int32:
    case GgufValueType::Float32: return 4;
    case GgufValueType::UInt64:
    case GgufValueType::Int64:
    case GgufValueType::Float64: return 8;
    case GgufValueType::String:
    case GgufValueType::Array: return 0;
    }
    return 0;
}

static bool isSigned(GgufValueType t)
{
    return t == GgufValueType::Int8 || t == GgufValueType::Int16 || t == GgufValueType::Int32 || t == GgufValueType::Int64;
}

static bool isUnsignedInt(GgufValueType t)
{
    return t == GgufValueType::UInt8 || t == GgufValueType::UInt16 || t == GgufValueType::UInt32 || t == GgufValueType::UInt64;
}

bool GgufValue::isInteger() const { return isSigned(m_type) || isUnsignedInt(m_type); }

std::optional<uint64_t> GgufValue::toUInt() const
{
    if (isUnsignedInt(m_type)) return m_scalar.u;
    if (isSigned(m_type) && m_scalar.i >= 0) return uint64_t(m_scalar.i);
    return std::nullopt;
}

std::optional<int64_t> GgufValue::toInt() const
{
    if (isSigned(m_type)) return m_scalar.i;
    if (isUnsignedInt(m_type) && m_scalar.u <= uint64_t(std::numeric_limits<int64_t>::max())) return int64_t(m_scalar.u);
    return std::nullopt;
}

std::optional<double> GgufValue::toDouble() const
{
    if (m_type == GgufValueType::Float32 || m_type == GgufValueType::Float64) return m_scalar.f;
    if (isSigned(m_type)) return double(m_scalar.i);
    if (isUnsignedInt(m_type)) return double(m_scalar.u);
    return std::nullopt;
}

std::optional<bool> GgufValue::toBool() const
{
    if (m_type == GgufValueType::Bool) return m_scalar.u != 0;
    return std::nullopt;
}

std::optional<std::string_view> GgufValue::toString() const
{
    if (m_type == GgufValueType::String) return m_string;
    return std::nullopt;
}

std::optional<double> GgufValue::arrayDouble(uint64_t i) const
{
    if (!isArray() || i >= m_count) return std::nullopt;
    switch (m_elementType) {
    case GgufValueType::UInt8: return numberAt<uint8_t>(i);
    case GgufValueType::Int8: return numberAt<int8_t>(i);
    case GgufValueType::UInt16: return numberAt<uint16_t>(i);
    case GgufValueType::Int16: return numberAt<int16_t>(i);
    case GgufValueType::UInt32: return numberAt<uint32_t>(i);
    case GgufValueType::Int32: return numberAt<int32_t>(i);
    case GgufValueType::Float32: return numberAt<float>(i);
    case GgufValueType::UInt64: return double(numberAt<uint64_t>(i));
    case GgufValueType::Int64: return double(numberAt<int64_t>(i));
    case GgufValueType::Float64: return numberAt<double>(i);
    case GgufValueType::Bool: return numberAt<uint8_t>(i) ? 1.0 : 0.0;
    case GgufValueType::String:
    case GgufValueType::Array: return std::nullopt;
    }
    return std::nullopt;
}

std::optional<int64_t> GgufValue::arrayInt(uint64_t i) const
{
    if (!isArray() || i >= m_count) return std::nullopt;
    switch (m_elementType) {
    case GgufValueType::Bool: return numberAt<uint8_t>(i) ? 1 : 0;  // Gemma 4's sliding_window_pattern
    case GgufValueType::UInt8: return numberAt<uint8_t>(i);
    case GgufValueType::Int8: return numberAt<int8_t>(i);
    case GgufValueType::UInt16: return numberAt<uint16_t>(i);
    case GgufValueType::Int16: return numberAt<int16_t>(i);
    case GgufValueType::UInt32: return numberAt<uint32_t>(i);
    case GgufValueType::Int32: return numberAt<int32_t>(i);
    case GgufValueType::Int64: return numberAt<int64_t>(i);
    case GgufValueType::UInt64: {
        uint64_t v = numberAt<uint64_t>(i);
        if (v > uint64_t(std::numeric_limits<int64_t>::max())) return std::nullopt;
        return int64_t(v);
    }
    default: return std::nullopt;
    }
}

static void appendQuoted(std::ostringstream& out, std::string_view s, size_t maxChars)
{
    out << '"';
    size_t n = 0;
    for (char c : s) {
        if (n++ == maxChars) {
            out << "...";
            break;
        }
        if (c == '\n') out << "\\n";
        else if (c == '"') out << "\\\"";
        else if (static_cast<unsigned char>(c) < 0x20) out << '?';
        else out << c;
    }
    out << '"';
}

std::string GgufValue::describe(size_t maxItems) const
{
    std::ostringstream out;
    switch (m_type) {
    case GgufValueType::String: appendQuoted(out, m_string, 60); break;
    case GgufValueType::Bool: out << (m_scalar.u ? "true" : "false"); break;
    case GgufValueType::Float32:
    case GgufValueType::Float64: out << m_scalar.f; break;
    case GgufValueType::Array: {
        out << "[" << ggufValueTypeName(m_elementType) << " x " << m_count << "]";
        out << " [";
        uint64_t shown = std::min<uint64_t>(m_count, maxItems);
        for (uint64_t i = 0; i < shown; ++i) {
            if (i) out << ", ";
            if (m_elementType == GgufValueType::String) appendQuoted(out, m_strings[i], 24);
            else if (m_elementType == GgufValueType::Array) out << m_arrays[i].describe(maxItems / 2 + 1);
            else out << *arrayDouble(i);
        }
        if (shown < m_count) out << ", ...";
        out << "]";
        break;
    }
    default:
        if (isSigned(m_type)) out << m_scalar.i;
        else out << m_scalar.u;
    }
    return out.str();
}

}  // namespace hearth
