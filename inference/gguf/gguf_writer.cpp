#include "gguf/gguf_writer.h"

#include "core/checked_math.h"
#include "core/error.h"
#include "gguf/gguf_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace hearth {

void GgufBytes::putString(std::string_view s)
{
    put<uint64_t>(s.size());
    m_data.insert(m_data.end(), s.begin(), s.end());
}

static void putScalarInt(GgufBytes& out, GgufValueType type, int64_t v)
{
    switch (type) {
    case GgufValueType::UInt8: out.put(uint8_t(v)); break;
    case GgufValueType::Int8: out.put(int8_t(v)); break;
    case GgufValueType::UInt16: out.put(uint16_t(v)); break;
    case GgufValueType::Int16: out.put(int16_t(v)); break;
    case GgufValueType::UInt32: out.put(uint32_t(v)); break;
    case GgufValueType::Int32: out.put(int32_t(v)); break;
    case GgufValueType::UInt64: out.put(uint64_t(v)); break;
    case GgufValueType::Int64: out.put(int64_t(v)); break;
    case GgufValueType::Bool: out.put(uint8_t(v != 0)); break;
    default: throw Error(ErrorCode::InvalidArgument, "GgufWriter: " + std::string(ggufValueTypeName(type)) + " is not an integer type");
    }
}

static void putScalarFloat(GgufBytes& out, GgufValueType type, double v)
{
    if (type == GgufValueType::Float32) out.put(float(v));
    else if (type == GgufValueType::Float64) out.put(v);
    else throw Error(ErrorCode::InvalidArgument, "GgufWriter: " + std::string(ggufValueTypeName(type)) + " is not a float type");
}

static void expectElement(GgufValueType have, bool ok, const char* what)
{
    if (!ok)
        throw Error(ErrorCode::InvalidArgument,
                    std::string("GgufArrayBuilder: cannot add ") + what + " to an array of " + std::string(ggufValueTypeName(have)));
}

GgufArrayBuilder& GgufArrayBuilder::addInt(int64_t v)
{
    putScalarInt(m_payload, m_elementType, v);
    ++m_count;
    return *this;
}

GgufArrayBuilder& GgufArrayBuilder::addFloat(double v)
{
    putScalarFloat(m_payload, m_elementType, v);
    ++m_count;
    return *this;
}

GgufArrayBuilder& GgufArrayBuilder::addString(std::string_view s)
{
    expectElement(m_elementType, m_elementType == GgufValueType::String, "a string");
    m_payload.putString(s);
    ++m_count;
    return *this;
}

GgufArrayBuilder& GgufArrayBuilder::addArray(const GgufArrayBuilder& nested)
{
    expectElement(m_elementType, m_elementType == GgufValueType::Array, "an array");
    nested.serialize(m_payload);
    ++m_count;
    return *this;
}

void GgufArrayBuilder::serialize(GgufBytes& out) const
{
    out.put<uint32_t>(uint32_t(m_elementType));
    out.put<uint64_t>(m_count);
    out.putBytes(m_payload.data());
}

void GgufWriter::beginKey(std::string_view key, GgufValueType type)
{
    m_kv.putString(key);
    m_kv.put<uint32_t>(uint32_t(type));
    ++m_kvCount;
}

void GgufWriter::addInt(std::string_view key, GgufValueType type, int64_t value)
{
    GgufBytes v;
    putScalarInt(v, type, value);  // validates the type before the key is written
    beginKey(key, type);
    m_kv.putBytes(v.data());
}

void GgufWriter::addUInt64(std::string_view key, uint64_t value)
{
    beginKey(key, GgufValueType::UInt64);
    m_kv.put(value);
}

void GgufWriter::addFloat(std::string_view key, GgufValueType type, double value)
{
    GgufBytes v;
    putScalarFloat(v, type, value);
    beginKey(key, type);
    m_kv.putBytes(v.data());
}

void GgufWriter::addBool(std::string_view key, bool value)
{
    beginKey(key, GgufValueType::Bool);
    m_kv.put(uint8_t(value));
}

void GgufWriter::addString(std::string_view key, std::string_view value)
{
    beginKey(key, GgufValueType::String);
    m_kv.putString(value);
}

void GgufWriter::addArray(std::string_view key, const GgufArrayBuilder& array)
{
    beginKey(key, GgufValueType::Array);
    array.serialize(m_kv);
}

void GgufWriter::setAlignment(uint32_t alignment)
{
    if (!isPowerOfTwo(alignment)) throw Error(ErrorCode::InvalidArgument, "GgufWriter: alignment must be a power of two");
    m_alignment = alignment;
    addInt("general.alignment", GgufValueType::UInt32, alignment);
}

void GgufWriter::addTensor(std::string_view name, GgmlType type, std::span<const uint64_t> dims, std::span<const uint8_t> data)
{
    const auto& traits = ggmlTypeTraits(type);
    if (dims.empty() || dims.size() > kGgufMaxDims || dims[0] % traits.blockElements != 0)
        throw Error(ErrorCode::InvalidArgument,
                    "GgufWriter: tensor '" + std::string(name) + "' has an invalid shape for " + std::string(traits.name));
    uint64_t elements = 1;
    for (uint64_t d : dims) elements *= d;
    uint64_t expected = elements / traits.blockElements * traits.blockBytes;
    if (data.size() != expected)
        throw Error(ErrorCode::InvalidArgument,
                    "GgufWriter: tensor '" + std::string(name) + "' needs " + std::to_string(expected) + " bytes, got " +
                        std::to_string(data.size()));
    m_tensors.push_back({std::string(name), type, {dims.begin(), dims.end()}, {data.begin(), data.end()}});
}

std::vector<uint8_t> GgufWriter::toBytes() const
{
    GgufBytes out;
    out.put<uint32_t>(kGgufMagic);
    out.put<uint32_t>(m_version);
    out.put<uint64_t>(m_tensors.size());
    out.put<uint64_t>(m_kvCount);
    out.putBytes(m_kv.data());

    uint64_t offset = 0;
    std::vector<uint64_t> offsets;
    for (const auto& t : m_tensors) {
        offset = *alignUp(offset, m_alignment);
        offsets.push_back(offset);
        out.putString(t.name);
        out.put<uint32_t>(uint32_t(t.dims.size()));
        for (uint64_t d : t.dims) out.put<uint64_t>(d);
        out.put<uint32_t>(uint32_t(t.type));
        out.put<uint64_t>(offset);
        offset += t.data.size();
    }
    auto& bytes = out.data();
    const size_t dataStart = size_t(*alignUp(bytes.size(), m_alignment));
    bytes.resize(dataStart, 0);
    for (size_t i = 0; i < m_tensors.size(); ++i) {
        bytes.resize(dataStart + offsets[i], 0);
        bytes.insert(bytes.end(), m_tensors[i].data.begin(), m_tensors[i].data.end());
    }
    return std::move(bytes);
}

void GgufWriter::writeFile(const std::string& path) const
{
    std::vector<uint8_t> bytes = toBytes();
    std::string temp = path + ".partial";
    std::FILE* f = std::fopen(temp.c_str(), "wb");
    if (!f) throw Error(ErrorCode::Io, temp + ": cannot create: " + std::strerror(errno));
    bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    ok = (std::fclose(f) == 0) && ok;
    if (!ok) {
        std::remove(temp.c_str());
        throw Error(ErrorCode::Io, path + ": write failed (disk full?)");
    }
    std::remove(path.c_str());  // Windows rename does not replace
    if (std::rename(temp.c_str(), path.c_str()) != 0) {
        std::remove(temp.c_str());
        throw Error(ErrorCode::Io, path + ": cannot rename from " + temp);
    }
}

}  // namespace hearth
