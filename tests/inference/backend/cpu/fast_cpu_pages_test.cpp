// The fast backend reads weights from the file's mapping and keeps what it reads out of the
// process's resident set: an embedding lookup must not leave the pages (or, on kernels that map
// the page cache's large folios, megabytes) around each looked-up row mapped in.
#include "backend/cpu/cpu_tensors.h"
#include "backend/cpu/fast_cpu_backend.h"
#include "platform/mapped_file.h"
#include "quant/dequantize.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace hearth;

namespace {

// The resident kilobytes of this process's mappings of `path` (/proc/self/smaps).
long residentKilobytesOf(const std::string& path)
{
    std::ifstream smaps("/proc/self/smaps");
    std::string line;
    bool inside = false;
    long total = 0;
    while (std::getline(smaps, line)) {
        const bool header = !line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) && line.find('-') < line.find(' ');
        if (header) {
            inside = line.size() >= path.size() && line.compare(line.size() - path.size(), path.size(), path) == 0;
        } else if (inside && line.rfind("Rss:", 0) == 0) {
            std::istringstream(line.substr(4)) >> total;  // one mapping per file here
        }
    }
    return total;
}

}  // namespace

TEST(FastCpuPages, EmbeddingLookupsLeaveTheFilesPagesUnmapped)
{
#ifndef __linux__
    GTEST_SKIP() << "reads /proc/self/smaps";
#else
    // An untied Q8_0 embedding table of 8192 rows x 1024 values (8.5 MiB): never packed, its rows
    // read straight from the mapping.
    constexpr int64_t rows = 8192, cols = 1024;
    const size_t rowBytes = size_t(cols / 32) * 34;
    std::vector<uint8_t> table(size_t(rows) * rowBytes);
    std::mt19937 rng(31);
    for (size_t i = 0; i < table.size(); ++i) table[i] = uint8_t(rng());
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t b = 0; b < cols / 32; ++b) {  // each block's F16 scale: 2^-10, finite
            table[size_t(r) * rowBytes + size_t(b) * 34] = 0x00;
            table[size_t(r) * rowBytes + size_t(b) * 34 + 1] = 0x14;
        }
    const std::string path = (std::filesystem::temp_directory_path() / ("hearth-pages-" + std::to_string(::getpid()) + ".bin")).string();
    {
        std::ofstream out(path, std::ios::binary);
        out.write(reinterpret_cast<const char*>(table.data()), std::streamsize(table.size()));
    }
    {
        MappedFile file(path);
        GgufTensorInfo info;
        info.name = "token_embd.weight";
        info.type = GgmlType::Q8_0;
        info.dimCount = 2;
        info.dims = {uint64_t(cols), uint64_t(rows), 1, 1};
        FastCpuBackend backend(2);
        auto weight = backend.weight(info, file.bytes());
        const std::vector<TokenId> ids {0, 8191, 17, 4096, 1234, 7000, 2500, 5555, 3, 6100, 4321, 800, 7777, 100, 3000, 6000};
        auto out = backend.activations(int64_t(ids.size()), cols);
        backend.getRows(*weight, ids, *out);
        EXPECT_LE(residentKilobytesOf(path), 64) << "kilobytes of the table still mapped in after 16 lookups";
        std::vector<float> want(static_cast<size_t>(cols));
        const auto& got = static_cast<const CpuActivations&>(*out);
        for (size_t t = 0; t < ids.size(); ++t) {
            dequantizeRow(GgmlType::Q8_0, table.data() + size_t(ids[t]) * rowBytes, want.data(), cols);
            ASSERT_EQ(std::vector<float>(got.row(int64_t(t)), got.row(int64_t(t)) + cols), want) << "row " << ids[t];
        }
    }
    std::filesystem::remove(path);
#endif
}
