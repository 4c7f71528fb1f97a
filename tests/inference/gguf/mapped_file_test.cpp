// A mapped model file that shrinks or is not a file at all: never a crash or a hang.
#include "core/error.h"
#include "gguf/gguf_file.h"
#include "platform/mapped_file.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <fstream>

#ifndef _WIN32
#include <sys/stat.h>
#include <unistd.h>
#endif

using namespace hearth;

#ifndef _WIN32
TEST(MappedFile, ReadingPastAFileThatShrankGivesZerosAndMarksItLost)
{
    test::ScratchDir dir;
    const auto path = (dir.path() / "weights.bin").string();
    {
        std::ofstream out(path, std::ios::binary);
        std::string page(1 << 20, 'w');
        out << page;
    }
    MappedFile file(path);
    ASSERT_EQ(file.bytes().size(), size_t(1) << 20);
    EXPECT_EQ(file.bytes()[100], 'w');
    EXPECT_FALSE(file.lost());
    ASSERT_EQ(::truncate(path.c_str(), 4096), 0);
    // Before the guard this read was SIGBUS and the process died.
    volatile uint8_t past = file.bytes()[(1 << 20) - 1];
    EXPECT_EQ(past, 0);
    EXPECT_TRUE(file.lost());
    // Other mappings are not affected.
    const auto other = (dir.path() / "other.bin").string();
    std::ofstream(other, std::ios::binary) << "intact";
    MappedFile second(other);
    EXPECT_FALSE(second.lost());
    EXPECT_EQ(second.bytes()[0], 'i');
}

TEST(MappedFile, AGgufThatShrankRefusesToBeTrusted)
{
    HEARTH_REQUIRE_SHARED(shared);
    test::ScratchDir dir;
    const auto path = (dir.path() / "m.gguf").string();
    std::filesystem::copy_file(shared / "models/stories260K.gguf", path);
    GgufFile gguf = GgufFile::open(path);
    EXPECT_NO_THROW(gguf.checkIntact());
    ASSERT_EQ(::truncate(path.c_str(), 100000), 0);
    const GgufTensorInfo& last = gguf.tensors().back();
    uint64_t sum = 0;
    for (uint8_t b : gguf.tensorData(last)) sum += b;  // reads the lost pages
    EXPECT_EQ(sum, 0u);
    try {
        gguf.checkIntact();
        ADD_FAILURE() << "a truncated file passed checkIntact";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Io);
        EXPECT_NE(std::string(e.what()).find("truncated or rewritten on disk while in use"), std::string::npos) << e.what();
    }
}

TEST(MappedFile, ANamedPipeIsRefusedWithoutWaitingForAWriter)
{
    test::ScratchDir dir;
    const auto path = (dir.path() / "pipe.gguf").string();
    ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
    try {
        MappedFile file(path);  // blocked forever in open() before
        ADD_FAILURE() << "a FIFO was mapped";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("not a regular file (a named pipe)"), std::string::npos) << e.what();
    }
}
#endif
