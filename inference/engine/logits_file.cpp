#include "engine/logits_file.h"

#include "core/error.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace hearth {

namespace {

constexpr char kMagic[8] = {'_', 'l', 'o', 'g', 'i', 't', 's', '_'};
// Bounds that keep a hostile header from asking for absurd allocations.
constexpr int32_t kMaxVocabulary = 1 << 22;
constexpr int64_t kMaxTokens = int64_t(1) << 28;

// llama.cpp's nearest_int: round half to even via the float mantissa trick.
int nearestInt(float value)
{
    float shifted = value + 12582912.f;
    int bits;
    std::memcpy(&bits, &shifted, sizeof bits);
    return (bits & 0x007fffff) - 0x00400000;
}

}  // namespace

size_t logProbRowLength(int32_t vocabulary) { return size_t(2 * ((vocabulary + 1) / 2) + 4); }

double encodeLogProbRow(std::span<const float> logits, int32_t target, std::span<uint16_t> row)
{
    const int32_t vocabulary = int32_t(logits.size());
    float maxLogit = logits[0], minLogit = logits[0];
    for (float l : logits) {
        maxLogit = std::max(maxLogit, l);
        minLogit = std::min(minLogit, l);
    }
    minLogit = std::max(minLogit, maxLogit - 16);
    double sumExp = 0;
    for (float l : logits) sumExp += std::exp(l - maxLogit);
    const float logSumExp = float(std::log(sumExp));
    const float minLogProb = minLogit - maxLogit - logSumExp;
    const float scale = (maxLogit - minLogit) / 65535.f;
    std::memcpy(row.data(), &scale, sizeof scale);
    std::memcpy(row.data() + 2, &minLogProb, sizeof minLogProb);
    uint16_t* values = row.data() + 4;
    std::fill(values, row.data() + row.size(), uint16_t(0));
    if (scale != 0) {
        const float inverse = 1 / scale;
        for (int32_t i = 0; i < vocabulary; ++i)
            values[i] = logits[size_t(i)] > minLogit ? uint16_t(nearestInt(inverse * (logits[size_t(i)] - minLogit))) : 0;
    }
    return double(maxLogit) + double(logSumExp) - double(logits[size_t(target)]);
}

LogitsFileWriter::LogitsFileWriter(const std::string& path, const LogitsFileHeader& header) : m_path(path)
{
    m_out.open(path, std::ios::binary | std::ios::trunc);
    if (!m_out) throw Error(ErrorCode::Io, path + ": cannot create the logits file");
    m_out.write(kMagic, sizeof kMagic);
    m_out.write(reinterpret_cast<const char*>(&header.context), sizeof header.context);
    m_out.write(reinterpret_cast<const char*>(&header.vocabulary), sizeof header.vocabulary);
    m_out.write(reinterpret_cast<const char*>(&header.chunks), sizeof header.chunks);
    m_out.write(reinterpret_cast<const char*>(header.tokens.data()), std::streamsize(header.tokens.size() * sizeof(int32_t)));
    if (!m_out) throw Error(ErrorCode::Io, path + ": cannot write the logits file");
}

void LogitsFileWriter::writeChunk(std::span<const uint16_t> rows)
{
    m_out.write(reinterpret_cast<const char*>(rows.data()), std::streamsize(rows.size_bytes()));
    if (!m_out) throw Error(ErrorCode::Io, m_path + ": cannot write the logits file (is the disk full?)");
}

void LogitsFileWriter::finish()
{
    m_out.flush();
    m_out.close();
    if (!m_out) throw Error(ErrorCode::Io, m_path + ": cannot finish the logits file (is the disk full?)");
}

LogitsFileReader::LogitsFileReader(const std::string& path) : m_path(path)
{
    m_in.open(path, std::ios::binary);
    if (!m_in) throw Error(ErrorCode::Io, path + ": cannot open the logits file");
    char magic[sizeof kMagic] = {};
    m_in.read(magic, sizeof magic);
    if (!m_in || std::memcmp(magic, kMagic, sizeof kMagic) != 0)
        throw Error(ErrorCode::InvalidFile, path + ": not a llama.cpp logits file (no \"_logits_\" header)");
    LogitsFileHeader& h = m_header;
    // llama.cpp writes the context as uint32 and the others as int; all are 4 bytes.
    m_in.read(reinterpret_cast<char*>(&h.context), sizeof h.context);
    m_in.read(reinterpret_cast<char*>(&h.vocabulary), sizeof h.vocabulary);
    m_in.read(reinterpret_cast<char*>(&h.chunks), sizeof h.chunks);
    if (!m_in) throw Error(ErrorCode::InvalidFile, path + ": the logits file's header is cut short");
    if (h.context < 4 || h.vocabulary < 2 || h.vocabulary > kMaxVocabulary || h.chunks < 1 || int64_t(h.context) * h.chunks > kMaxTokens)
        throw Error(ErrorCode::InvalidFile,
                    path + ": the logits file's header is out of range (context " + std::to_string(h.context) + ", vocabulary " +
                        std::to_string(h.vocabulary) + ", chunks " + std::to_string(h.chunks) + ")");
    h.tokens.resize(size_t(h.context) * size_t(h.chunks));
    m_in.read(reinterpret_cast<char*>(h.tokens.data()), std::streamsize(h.tokens.size() * sizeof(int32_t)));
    if (!m_in) throw Error(ErrorCode::InvalidFile, path + ": the logits file ends inside its token list");
    for (int32_t t : h.tokens)
        if (t < 0 || t >= h.vocabulary)
            throw Error(ErrorCode::InvalidFile, path + ": the logits file holds token " + std::to_string(t) + ", outside its vocabulary");
    m_rows.resize(size_t(h.scoredRowsPerChunk()) * logProbRowLength(h.vocabulary));
}

const std::vector<uint16_t>& LogitsFileReader::readChunk()
{
    m_in.read(reinterpret_cast<char*>(m_rows.data()), std::streamsize(m_rows.size() * sizeof(uint16_t)));
    if (!m_in)
        throw Error(ErrorCode::InvalidFile,
                    m_path + ": the logits file ends inside chunk " + std::to_string(m_chunksRead + 1) + " of " +
                        std::to_string(m_header.chunks));
    ++m_chunksRead;
    return m_rows;
}

}  // namespace hearth
