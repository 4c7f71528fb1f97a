#include "gguf/gguf_file.h"

#include "core/error.h"
#include "gguf/gguf_parser.h"
#include "platform/mapped_file.h"

namespace hearth {

GgufFile::GgufFile(GgufFile&&) noexcept = default;
GgufFile& GgufFile::operator=(GgufFile&&) noexcept = default;
GgufFile::~GgufFile() = default;

GgufFile GgufFile::open(const std::string& path)
{
    GgufFile file;
    file.m_mapping = std::make_unique<MappedFile>(path);
    file.m_bytes = file.m_mapping->bytes();
    file.m_fileSize = file.m_bytes.size();
    file.m_name = path;
    GgufParser(file).run();
    return file;
}

void GgufFile::checkIntact() const
{
    if (m_mapping && m_mapping->lost())
        throw Error(ErrorCode::Io,
                    m_name +
                        ": the file was truncated or rewritten on disk while in use, so its weights can no "
                        "longer be read; load the model again");
}

GgufFile GgufFile::parse(std::span<const uint8_t> bytes, const std::string& displayName)
{
    GgufFile file;
    file.m_bytes = bytes;
    file.m_fileSize = bytes.size();
    file.m_name = displayName;
    GgufParser(file).run();
    return file;
}

GgufFile GgufFile::parseHeader(std::span<const uint8_t> prefix, uint64_t fileSize, const std::string& displayName)
{
    if (prefix.size() > fileSize)
        throw Error(ErrorCode::InvalidArgument,
                    displayName + ": " + std::to_string(prefix.size()) + " bytes read from a file of " + std::to_string(fileSize));
    GgufFile file;
    file.m_bytes = prefix;
    file.m_fileSize = fileSize;
    file.m_name = displayName;
    GgufParser(file, fileSize).run();
    return file;
}

const GgufValue* GgufFile::find(std::string_view key) const
{
    auto it = m_metadataIndex.find(key);
    return it == m_metadataIndex.end() ? nullptr : &m_metadata[it->second].value;
}

std::optional<std::string_view> GgufFile::getString(std::string_view key) const
{
    const GgufValue* v = find(key);
    return v ? v->toString() : std::nullopt;
}

std::optional<uint64_t> GgufFile::getUInt(std::string_view key) const
{
    const GgufValue* v = find(key);
    return v ? v->toUInt() : std::nullopt;
}

std::optional<double> GgufFile::getDouble(std::string_view key) const
{
    const GgufValue* v = find(key);
    return v ? v->toDouble() : std::nullopt;
}

std::optional<bool> GgufFile::getBool(std::string_view key) const
{
    const GgufValue* v = find(key);
    return v ? v->toBool() : std::nullopt;
}

const GgufTensorInfo* GgufFile::findTensor(std::string_view name) const
{
    auto it = m_tensorIndex.find(name);
    return it == m_tensorIndex.end() ? nullptr : &m_tensors[it->second];
}

std::span<const uint8_t> GgufFile::tensorData(const GgufTensorInfo& tensor) const
{
    if (m_bytes.size() < m_fileSize)
        throw Error(ErrorCode::InvalidArgument,
                    m_name + ": only the header was read; tensor '" + std::string(tensor.name) + "' has no data here");
    return m_bytes.subspan(size_t(m_dataOffset + tensor.offset), size_t(tensor.byteSize));
}

}  // namespace hearth
