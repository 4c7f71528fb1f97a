// llama.cpp's saved-logits file (`llama-perplexity --kl-divergence-base`), read and written
// byte-compatibly so that Hearth and llama.cpp can be compared in both directions.
//
// Layout (little-endian): "_logits_", int32 context, int32 vocabulary, int32 chunks,
// int32 tokens[chunks * context] (the text's tokens, before BOS replaces each chunk's first),
// then per chunk one row per scored position (context/2 .. context-2): float scale,
// float minLogProb, and `vocabulary` uint16 log-probabilities quantized between minLogProb and
// the top (rows padded to logProbRowLength()).
#pragma once

#include <cstdint>
#include <fstream>
#include <span>
#include <string>
#include <vector>

namespace hearth {

struct LogitsFileHeader {
    int32_t context = 0;
    int32_t vocabulary = 0;
    int32_t chunks = 0;
    std::vector<int32_t> tokens;  // chunks * context

    int32_t scoredRowsPerChunk() const { return context - 1 - context / 2; }
};

// uint16 values per row: the two floats, the log-probabilities, padding to an even count.
size_t logProbRowLength(int32_t vocabulary);

// Encodes one row of logits the way llama.cpp does (log-probabilities below the top minus 16
// are stored as the floor). Returns the negative log-likelihood of `target`.
double encodeLogProbRow(std::span<const float> logits, int32_t target, std::span<uint16_t> row);

class LogitsFileWriter {
public:
    // Throws hearth::Error(Io) naming the path when it cannot be created.
    LogitsFileWriter(const std::string& path, const LogitsFileHeader& header);
    // rows: scoredRowsPerChunk() encoded rows, back to back.
    void writeChunk(std::span<const uint16_t> rows);
    void finish();  // flushes and reports a failed write (a full disk) as hearth::Error(Io)

private:
    std::string m_path;
    std::ofstream m_out;
};

class LogitsFileReader {
public:
    // Reads and validates the header; throws hearth::Error(InvalidFile) naming what is wrong.
    explicit LogitsFileReader(const std::string& path);
    const LogitsFileHeader& header() const { return m_header; }
    // The next chunk's rows; throws hearth::Error(InvalidFile) when the file ends early.
    const std::vector<uint16_t>& readChunk();

private:
    std::string m_path;
    std::ifstream m_in;
    LogitsFileHeader m_header;
    std::vector<uint16_t> m_rows;
    int32_t m_chunksRead = 0;
};

}  // namespace hearth
