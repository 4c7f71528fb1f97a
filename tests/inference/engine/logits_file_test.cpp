// llama.cpp's saved-logits format and KL-divergence statistics: round trips, llama.cpp's exact
// arithmetic, and hostile files refused with a message instead of a crash or a huge allocation.
#include "core/error.h"
#include "engine/kl_divergence.h"
#include "engine/logits_file.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <algorithm>

namespace hearth {
namespace {

std::vector<float> randomLogits(std::mt19937& rng, int vocabulary, float spread)
{
    std::normal_distribution<float> normal(0.0f, spread);
    std::vector<float> logits(static_cast<size_t>(vocabulary));
    for (auto& l : logits) l = normal(rng);
    return logits;
}

double exactNll(const std::vector<float>& logits, int target)
{
    double maxLogit = *std::max_element(logits.begin(), logits.end()), sum = 0;
    for (float l : logits) sum += std::exp(l - maxLogit);
    return maxLogit + std::log(sum) - logits[size_t(target)];
}

TEST(LogitsFile, EncodedRowsKeepLogProbabilitiesWithinTheQuantizationStep)
{
    std::mt19937 rng(7);
    const int vocabulary = 301;  // odd: the row is padded
    auto logits = randomLogits(rng, vocabulary, 3.0f);
    std::vector<uint16_t> row(static_cast<size_t>(logProbRowLength(vocabulary)));
    EXPECT_EQ(row.size(), size_t(2 * 151 + 4));
    const double nll = encodeLogProbRow(logits, 5, row);
    EXPECT_NEAR(nll, exactNll(logits, 5), 1e-5);
    float scale, minLogProb;
    std::memcpy(&scale, row.data(), 4);
    std::memcpy(&minLogProb, row.data() + 2, 4);
    const double logSum = exactNll(logits, 0) + logits[0];  // log sum exp
    for (int i = 0; i < vocabulary; ++i) {
        const double logProb = logits[size_t(i)] - logSum;
        if (logProb < minLogProb) continue;  // stored as the floor
        EXPECT_NEAR(scale * row[size_t(4 + i)] + minLogProb, logProb, scale) << i;
    }
}

TEST(LogitsFile, AFileWrittenAndReadBackComparesEqualToItself)
{
    test::ScratchDir dir;
    const std::string path = (dir.path() / "base.kld").string();
    std::mt19937 rng(3);
    const int vocabulary = 64, context = 16, chunks = 2;
    LogitsFileHeader header {context, vocabulary, chunks, {}};
    for (int i = 0; i < context * chunks; ++i) header.tokens.push_back(int32_t(rng() % vocabulary));
    const size_t rowLength = logProbRowLength(vocabulary);
    std::vector<std::vector<float>> logits;
    {
        LogitsFileWriter writer(path, header);
        for (int c = 0; c < chunks; ++c) {
            std::vector<uint16_t> rows(size_t(header.scoredRowsPerChunk()) * rowLength);
            for (int r = 0; r < header.scoredRowsPerChunk(); ++r) {
                logits.push_back(randomLogits(rng, vocabulary, 2.0f));  // within the 16-nat floor
                encodeLogProbRow(logits.back(), 1, std::span<uint16_t>(rows.data() + size_t(r) * rowLength, rowLength));
            }
            writer.writeChunk(rows);
        }
        writer.finish();
    }
    // The size llama.cpp's reader expects: header, tokens, then every scored row.
    EXPECT_EQ(std::filesystem::file_size(path),
              8 + 12 + size_t(context * chunks) * 4 + size_t(chunks * header.scoredRowsPerChunk()) * rowLength * 2);

    LogitsFileReader reader(path);
    EXPECT_EQ(reader.header().context, context);
    EXPECT_EQ(reader.header().vocabulary, vocabulary);
    EXPECT_EQ(reader.header().tokens, header.tokens);
    KlDivergenceAccumulator kld;
    size_t next = 0;
    for (int c = 0; c < chunks; ++c) {
        const auto& rows = reader.readChunk();
        for (int r = 0; r < header.scoredRowsPerChunk(); ++r)
            kld.add(logits[next++], std::span<const uint16_t>(rows.data() + size_t(r) * rowLength, rowLength), 1);
    }
    EXPECT_THROW(reader.readChunk(), Error);  // past the last chunk
    const KlDivergenceReport report = kld.report();
    EXPECT_EQ(report.tokens, int64_t(logits.size()));
    EXPECT_LT(std::fabs(report.meanKld.value), 1e-5);  // the 16-bit log-probabilities
    EXPECT_DOUBLE_EQ(report.sameTop.value, 1.0);
    EXPECT_NEAR(report.pplQ.value, report.pplBase.value, 1e-3 * report.pplQ.value);
    EXPECT_NE(formatKlDivergenceReport(report).find("Mean    KLD:"), std::string::npos);
}

TEST(LogitsFile, KlDivergenceOfAShiftedDistributionIsItsAnalyticValue)
{
    // Base: uniform over two tokens; ours: p = (0.9, 0.1) over the same two (the rest at -inf-ish).
    const int vocabulary = 2;
    std::vector<float> base = {0.0f, 0.0f}, ours = {std::log(0.9f), std::log(0.1f)};
    std::vector<uint16_t> row(static_cast<size_t>(logProbRowLength(vocabulary)));
    encodeLogProbRow(base, 0, row);
    KlDivergenceAccumulator kld;
    kld.add(ours, row, 0);
    const double expected = 0.5 * std::log(0.5 / 0.9) + 0.5 * std::log(0.5 / 0.1);
    EXPECT_NEAR(kld.report().meanKld.value, expected, 1e-5);
}

void writeBytes(const std::string& path, const std::string& bytes)
{
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), std::streamsize(bytes.size()));
}

std::string header(int32_t context, int32_t vocabulary, int32_t chunks)
{
    std::string s = "_logits_";
    for (int32_t v : {context, vocabulary, chunks}) s.append(reinterpret_cast<const char*>(&v), 4);
    return s;
}

TEST(LogitsFile, HostileFilesAreRefusedWithAMessage)
{
    test::ScratchDir dir;
    const std::string path = (dir.path() / "bad.kld").string();
    auto refused = [&](const std::string& bytes, const std::string& expected) {
        writeBytes(path, bytes);
        try {
            LogitsFileReader reader(path);
            ADD_FAILURE() << "accepted: " << expected;
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
        }
    };
    refused("", "not a llama.cpp logits file");
    refused("_logitz_0000", "not a llama.cpp logits file");
    refused("_logits_\x10", "header is cut short");
    refused(header(128, 512, 0), "out of range");
    refused(header(128, -5, 1), "out of range");
    refused(header(1 << 30, 512, 1 << 30), "out of range");  // would ask for 4 EiB of tokens
    refused(header(8, 512, 1) + std::string(12, '\0'), "ends inside its token list");
    std::string outside = header(4, 16, 1);
    for (int32_t t : {1, 2, 99, 3}) outside.append(reinterpret_cast<const char*>(&t), 4);
    refused(outside, "outside its vocabulary");
    EXPECT_THROW(LogitsFileReader((dir.path() / "missing.kld").string()), Error);
}

}  // namespace
}  // namespace hearth
