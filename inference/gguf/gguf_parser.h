// Internal: fills a GgufFile from untrusted bytes. Used only by GgufFile::open/parse.
#pragma once

#include "gguf/gguf_file.h"

namespace hearth {

class GgufParser {
public:
    // declaredSize: the whole file's size. Larger than the bytes only when parsing a header
    // prefix (a remote file's first megabytes): the counts are judged against the whole file,
    // reading past the prefix is Truncated, and tensor data is checked against declaredSize.
    GgufParser(GgufFile& file, uint64_t declaredSize) : m_file(file), m_bytes(file.m_bytes), m_declaredSize(declaredSize) { }
    explicit GgufParser(GgufFile& file) : GgufParser(file, file.m_bytes.size()) { }
    void run();

private:
    [[noreturn]] void fail(uint64_t offset, const std::string& what) const;
    [[noreturn]] void failTruncated(uint64_t need, const char* what) const;
    uint64_t remaining() const { return m_declaredSize - m_pos; }  // in the whole file
    uint64_t available() const { return m_bytes.size() - m_pos; }  // in the bytes at hand
    void require(uint64_t n, const char* what) const;
    template <typename T>
    T read(const char* what);
    std::string_view readString(const char* what);
    void readValue(GgufValue& value, GgufValueType type, int depth);
    void readArray(GgufValue& value, int depth);
    GgufValueType readValueType(const char* what);
    void readMetadata(uint64_t count);
    void readTensorInfos(uint64_t count);
    void applyAlignment();
    void validateTensorData();

    GgufFile& m_file;
    std::span<const uint8_t> m_bytes;
    uint64_t m_declaredSize = 0;
    uint64_t m_pos = 0;
};

}  // namespace hearth
