#include "gguf/gguf_parser.h"

#include "core/checked_math.h"
#include "core/error.h"

#include <algorithm>
#include <cstring>

namespace hearth {

namespace {

constexpr int kMaxArrayDepth = 8;  // real files nest at most once; deeper is hostile
constexpr uint64_t kMinStringBytes = 8;
constexpr uint64_t kMinKvBytes = kMinStringBytes + 4 + 1;  // key + type + smallest value
constexpr uint64_t kMinTensorInfoBytes = kMinStringBytes + 4 + 8 + 4 + 8;  // name, n_dims, 1 dim, type, offset
constexpr uint64_t kMaxAlignment = uint64_t(1) << 30;

std::string hex32(uint32_t v)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

}  // namespace

void GgufParser::fail(uint64_t offset, const std::string& what) const
{
    throw Error(ErrorCode::InvalidFile, m_file.m_name + ": byte offset " + std::to_string(offset) + ": " + what);
}

void GgufParser::failTruncated(uint64_t need, const char* what) const
{
    throw Error(ErrorCode::Truncated,
                m_file.m_name + ": byte offset " + std::to_string(m_pos) + ": " + what + " needs " + std::to_string(need) +
                    " bytes but the " + (m_bytes.size() < m_declaredSize ? "bytes read end" : "file ends") + " after " +
                    std::to_string(available()) + " (" + (m_bytes.size() < m_declaredSize ? "read " : "file size ") +
                    std::to_string(m_bytes.size()) + ")");
}

void GgufParser::require(uint64_t n, const char* what) const
{
    if (n > available()) failTruncated(n, what);
}

template <typename T>
T GgufParser::read(const char* what)
{
    require(sizeof(T), what);
    T v;
    std::memcpy(&v, m_bytes.data() + m_pos, sizeof(T));
    m_pos += sizeof(T);
    return v;
}

std::string_view GgufParser::readString(const char* what)
{
    uint64_t start = m_pos;
    uint64_t length = read<uint64_t>(what);
    if (length > remaining())
        fail(start,
             std::string(what) + " claims " + std::to_string(length) + " bytes but only " + std::to_string(remaining()) +
                 " remain in the file");
    require(length, what);
    std::string_view s(reinterpret_cast<const char*>(m_bytes.data() + m_pos), size_t(length));
    m_pos += length;
    return s;
}

GgufValueType GgufParser::readValueType(const char* what)
{
    uint64_t at = m_pos;
    uint32_t raw = read<uint32_t>(what);
    if (raw >= kGgufValueTypeCount) fail(at, std::string("unknown ") + what + " " + std::to_string(raw));
    return GgufValueType(raw);
}

void GgufParser::readArray(GgufValue& value, int depth)
{
    uint64_t start = m_pos;
    if (depth >= kMaxArrayDepth) fail(start, "arrays nested deeper than " + std::to_string(kMaxArrayDepth));
    GgufValueType elem = readValueType("array element type");
    uint64_t count = read<uint64_t>("array length");
    // Bound the count by the bytes left before reserving anything.
    uint64_t minElement = elem == GgufValueType::String ? kMinStringBytes : elem == GgufValueType::Array ? 4 + 8 : ggufFixedSize(elem);
    if (count > remaining() / minElement)
        fail(start,
             "array of " + std::to_string(count) + " " + std::string(ggufValueTypeName(elem)) + " elements needs at least " +
                 std::to_string(minElement) + " bytes each but only " + std::to_string(remaining()) + " remain");
    // Allocations are bounded by the bytes at hand too: a header prefix may claim a huge file.
    if (count > available() / minElement) failTruncated(count * minElement, "array elements");
    value.m_elementType = elem;
    value.m_count = count;
    if (elem == GgufValueType::String) {
        value.m_strings.reserve(size_t(count));
        for (uint64_t i = 0; i < count; ++i) value.m_strings.push_back(readString("array string length"));
    } else if (elem == GgufValueType::Array) {
        value.m_arrays.resize(size_t(count));
        for (auto& item : value.m_arrays) {
            item.m_type = GgufValueType::Array;
            readArray(item, depth + 1);
        }
    } else {
        require(count * minElement, "array elements");  // no overflow: checked against the file above
        value.m_raw = m_bytes.data() + m_pos;
        m_pos += count * minElement;
        if (elem == GgufValueType::Bool) {
            for (uint64_t i = 0; i < count; ++i)
                if (value.m_raw[i] > 1) fail(m_pos - count + i, "bool array element is not 0 or 1");
        }
    }
}

void GgufParser::readValue(GgufValue& value, GgufValueType type, int depth)
{
    value.m_type = type;
    uint64_t at = m_pos;
    switch (type) {
    case GgufValueType::UInt8: value.m_scalar.u = read<uint8_t>("u8 value"); break;
    case GgufValueType::Int8: value.m_scalar.i = read<int8_t>("i8 value"); break;
    case GgufValueType::UInt16: value.m_scalar.u = read<uint16_t>("u16 value"); break;
    case GgufValueType::Int16: value.m_scalar.i = read<int16_t>("i16 value"); break;
    case GgufValueType::UInt32: value.m_scalar.u = read<uint32_t>("u32 value"); break;
    case GgufValueType::Int32: value.m_scalar.i = read<int32_t>("i32 value"); break;
    case GgufValueType::UInt64: value.m_scalar.u = read<uint64_t>("u64 value"); break;
    case GgufValueType::Int64: value.m_scalar.i = read<int64_t>("i64 value"); break;
    case GgufValueType::Float32: value.m_scalar.f = read<float>("f32 value"); break;
    case GgufValueType::Float64: value.m_scalar.f = read<double>("f64 value"); break;
    case GgufValueType::Bool: {
        uint8_t b = read<uint8_t>("bool value");
        if (b > 1) fail(at, "bool value is " + std::to_string(b) + ", not 0 or 1");
        value.m_scalar.u = b;
        break;
    }
    case GgufValueType::String: value.m_string = readString("string value length"); break;
    case GgufValueType::Array: readArray(value, depth); break;
    }
}

void GgufParser::readMetadata(uint64_t count)
{
    m_file.m_metadata.reserve(size_t(count));
    for (uint64_t k = 0; k < count; ++k) {
        uint64_t at = m_pos;
        GgufMetadataEntry entry;
        entry.key = readString("metadata key length");
        if (entry.key.empty()) fail(at, "metadata key #" + std::to_string(k) + " is empty");
        if (m_file.m_metadataIndex.count(entry.key)) fail(at, "duplicate metadata key '" + std::string(entry.key) + "'");
        GgufValueType type = readValueType("metadata value type");
        readValue(entry.value, type, 0);
        m_file.m_metadataIndex.emplace(entry.key, m_file.m_metadata.size());
        m_file.m_metadata.push_back(std::move(entry));
    }
}

void GgufParser::applyAlignment()
{
    const GgufValue* v = m_file.find("general.alignment");
    if (!v) return;
    // The key's position is not kept; name it instead of an offset.
    auto fail = [&](const std::string& what) {
        throw Error(ErrorCode::InvalidFile, m_file.m_name + ": metadata general.alignment: " + what);
    };
    if (v->type() != GgufValueType::UInt32) fail("must be u32, found " + std::string(ggufValueTypeName(v->type())));
    uint64_t a = *v->toUInt();
    if (!isPowerOfTwo(a) || a > kMaxAlignment) fail(std::to_string(a) + " is not a power of two up to 2^30");
    m_file.m_alignment = a;
}

void GgufParser::readTensorInfos(uint64_t count)
{
    m_file.m_tensors.reserve(size_t(count));
    for (uint64_t t = 0; t < count; ++t) {
        GgufTensorInfo info;
        info.infoFileOffset = m_pos;
        info.name = readString("tensor name length");
        std::string label = "tensor '" + std::string(info.name) + "'";
        if (info.name.empty()) fail(info.infoFileOffset, "tensor #" + std::to_string(t) + " has an empty name");
        if (m_file.m_tensorIndex.count(info.name)) fail(info.infoFileOffset, "duplicate " + label);

        uint64_t dimsAt = m_pos;
        info.dimCount = read<uint32_t>("tensor dimension count");
        if (info.dimCount == 0 || info.dimCount > kGgufMaxDims)
            fail(dimsAt, label + " has " + std::to_string(info.dimCount) + " dimensions (must be 1..4)");
        uint64_t elements = 1;
        for (uint32_t d = 0; d < info.dimCount; ++d) {
            uint64_t at = m_pos;
            uint64_t n = read<uint64_t>("tensor dimension");
            if (n == 0) fail(at, label + " dimension " + std::to_string(d) + " is zero");
            auto product = checkedMul(elements, n);
            if (!product || *product > uint64_t(INT64_MAX))
                fail(at, label + " element count overflows at dimension " + std::to_string(d) + " (" + std::to_string(n) + ")");
            elements = *product;
            info.dims[d] = n;
        }
        info.elementCount = elements;

        uint64_t typeAt = m_pos;
        uint32_t typeId = read<uint32_t>("tensor type");
        auto traits = ggmlTypeTraits(typeId);
        if (!traits) fail(typeAt, label + " has unknown ggml type id " + std::to_string(typeId));
        info.type = traits->type;
        if (info.dims[0] % traits->blockElements != 0)
            fail(typeAt,
                 label + " row length " + std::to_string(info.dims[0]) + " is not a multiple of the " + std::string(traits->name) +
                     " block size " + std::to_string(traits->blockElements));
        // elements / blockElements * blockBytes: at most INT64_MAX / 1 * 292, so check it.
        auto bytes = checkedMul(elements / traits->blockElements, traits->blockBytes);
        if (!bytes) fail(typeAt, label + " byte size overflows");
        info.byteSize = *bytes;

        info.offset = read<uint64_t>("tensor data offset");
        m_file.m_tensorIndex.emplace(info.name, m_file.m_tensors.size());
        m_file.m_tensors.push_back(info);
    }
}

void GgufParser::validateTensorData()
{
    uint64_t dataSize = m_declaredSize - std::min<uint64_t>(m_file.m_dataOffset, m_declaredSize);
    for (const auto& t : m_file.m_tensors) {
        std::string label = "tensor '" + std::string(t.name) + "'";
        if (t.offset % m_file.m_alignment != 0)
            fail(t.infoFileOffset,
                 label + " data offset " + std::to_string(t.offset) + " is not a multiple of the alignment " +
                     std::to_string(m_file.m_alignment));
        auto end = checkedAdd(t.offset, t.byteSize);
        // From a header prefix this is the file's own fault, not a cue to read more of it.
        if (m_file.m_dataOffset > m_declaredSize || !end || *end > dataSize)
            throw Error(m_bytes.size() < m_declaredSize ? ErrorCode::InvalidFile : ErrorCode::Truncated,
                        m_file.m_name + ": byte offset " + std::to_string(t.infoFileOffset) + ": " + label + " data [" +
                            std::to_string(t.offset) + ", +" + std::to_string(t.byteSize) + ") lies outside the data section of " +
                            std::to_string(dataSize) + " bytes (starting at " + std::to_string(m_file.m_dataOffset) + ")");
    }
    std::vector<const GgufTensorInfo*> byOffset;
    byOffset.reserve(m_file.m_tensors.size());
    for (const auto& t : m_file.m_tensors) byOffset.push_back(&t);
    std::sort(byOffset.begin(), byOffset.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
    for (size_t i = 1; i < byOffset.size(); ++i) {
        const auto* prev = byOffset[i - 1];
        const auto* cur = byOffset[i];
        if (prev->offset + prev->byteSize > cur->offset)
            fail(cur->infoFileOffset,
                 "tensor '" + std::string(cur->name) + "' data at " + std::to_string(cur->offset) + " overlaps tensor '" +
                     std::string(prev->name) + "' [" + std::to_string(prev->offset) + ", +" + std::to_string(prev->byteSize) + ")");
    }
}

void GgufParser::run()
{
    if (m_bytes.size() < 4) failTruncated(4, "magic");
    uint32_t magic = read<uint32_t>("magic");
    if (magic != kGgufMagic) fail(0, "not a GGUF file (magic " + hex32(magic) + ", expected \"GGUF\")");

    uint32_t version = read<uint32_t>("version");
    if (version == 1) {
        throw Error(ErrorCode::UnsupportedVersion,
                    m_file.m_name + ": byte offset 4: GGUF version 1 (32-bit counts) is not supported; re-convert the model");
    }
    if (version != 2 && version != 3) {
        bool bigEndian = (version & 0xffff) == 0 && (version >> 24) >= 1 && (version >> 24) <= 3;
        throw Error(ErrorCode::UnsupportedVersion,
                    m_file.m_name + ": byte offset 4: " +
                        (bigEndian ? std::string("big-endian GGUF files are not supported")
                                   : "GGUF version " + std::to_string(version) + " is not supported (2 and 3 are)"));
    }
    m_file.m_version = version;

    uint64_t tensorCountAt = m_pos;
    uint64_t tensorCount = read<uint64_t>("tensor count");
    uint64_t kvCountAt = m_pos;
    uint64_t kvCount = read<uint64_t>("metadata count");
    if (kvCount > remaining() / kMinKvBytes)
        fail(kvCountAt,
             "metadata count " + std::to_string(kvCount) + " cannot fit in the " + std::to_string(remaining()) + " bytes that follow");
    if (kvCount > available() / kMinKvBytes) failTruncated(kvCount * kMinKvBytes, "metadata");
    readMetadata(kvCount);
    if (tensorCount > remaining() / kMinTensorInfoBytes)
        fail(tensorCountAt,
             "tensor count " + std::to_string(tensorCount) + " cannot fit in the " + std::to_string(remaining()) +
                 " bytes left after the metadata");
    if (tensorCount > available() / kMinTensorInfoBytes) failTruncated(tensorCount * kMinTensorInfoBytes, "tensor infos");
    applyAlignment();
    readTensorInfos(tensorCount);

    auto dataOffset = alignUp(m_pos, m_file.m_alignment);
    if (!dataOffset) fail(m_pos, "data section offset overflows");
    m_file.m_dataOffset = *dataOffset;
    if (!m_file.m_tensors.empty() && m_file.m_dataOffset > m_declaredSize)
        failTruncated(m_file.m_dataOffset - m_pos, "padding before the data section");
    validateTensorData();
}

}  // namespace hearth
