// Hostile and broken GGUF files: every one must give a hearth::Error that names the file and
// what was wrong, never a crash, a hang or a huge allocation (run under ASan/UBSan in CI).
#include "core/error.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"

#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <optional>

using namespace hearth;

namespace {

constexpr uint64_t kMax64 = std::numeric_limits<uint64_t>::max();

// Every field of a small two-tensor file, each one overridable. Built by hand rather than
// with GgufWriter because a correct writer cannot produce these files.
struct Fields {
    uint32_t magic = kGgufMagic;
    uint32_t version = 3;
    std::optional<uint64_t> tensorCount;  // default: the real count
    std::optional<uint64_t> kvCount;
    uint64_t archKeyLength = 20;  // strlen("general.architecture")
    std::string archKey = "general.architecture";
    uint32_t archValueType = uint32_t(GgufValueType::String);
    uint64_t archValueLength = 5;
    uint32_t alignmentType = uint32_t(GgufValueType::UInt32);
    uint32_t alignment = 32;
    uint32_t arrayElementType = uint32_t(GgufValueType::String);
    uint64_t arrayCount = 2;
    uint64_t arrayFirstStringLength = 1;
    int nestedDepth = 2;  // array levels of the nested-array value
    uint8_t boolValue = 1;
    std::string tensor0Name = "t0", tensor1Name = "t1";
    uint32_t tensor0DimCount = 2;
    uint64_t tensor0Dim0 = 32, tensor0Dim1 = 2;
    uint32_t tensor0Type = uint32_t(GgmlType::F32);
    uint64_t tensor0Offset = 0;
    uint32_t tensor1Type = uint32_t(GgmlType::Q8_0);
    uint64_t tensor1Dim0 = 64;
    std::optional<uint64_t> tensor1Offset;  // default: right after t0 (256 bytes)
};

void putNested(GgufBytes& b, int depth)
{
    if (depth == 0) {
        b.put<uint32_t>(uint32_t(GgufValueType::Int32));
        b.put<uint64_t>(1);
        b.put<int32_t>(42);
        return;
    }
    b.put<uint32_t>(uint32_t(GgufValueType::Array));
    b.put<uint64_t>(1);
    putNested(b, depth - 1);
}

std::vector<uint8_t> build(const Fields& f)
{
    GgufBytes b;
    b.put(f.magic);
    b.put(f.version);
    b.put<uint64_t>(f.tensorCount.value_or(2));
    b.put<uint64_t>(f.kvCount.value_or(5));
    // kv 0: general.architecture = "llama"
    b.put<uint64_t>(f.archKeyLength);
    b.putBytes({reinterpret_cast<const uint8_t*>(f.archKey.data()), f.archKey.size()});
    b.put(f.archValueType);
    b.put<uint64_t>(f.archValueLength);
    b.putBytes({reinterpret_cast<const uint8_t*>("llama"), 5});
    // kv 1: general.alignment
    b.putString("general.alignment");
    b.put(f.alignmentType);
    b.put(f.alignment);
    // kv 2: an array of strings
    b.putString("test.strings");
    b.put<uint32_t>(uint32_t(GgufValueType::Array));
    b.put(f.arrayElementType);
    b.put<uint64_t>(f.arrayCount);
    b.put<uint64_t>(f.arrayFirstStringLength);
    b.putBytes({reinterpret_cast<const uint8_t*>("a"), 1});
    b.putString("bc");
    // kv 3: nested arrays
    b.putString("test.nested");
    b.put<uint32_t>(uint32_t(GgufValueType::Array));
    std::vector<uint8_t> nestedWithoutTag;
    {
        GgufBytes n;
        putNested(n, f.nestedDepth - 1);
        nestedWithoutTag = n.data();
    }
    b.putBytes(nestedWithoutTag);
    // kv 4: a bool
    b.putString("test.flag");
    b.put<uint32_t>(uint32_t(GgufValueType::Bool));
    b.put(f.boolValue);
    // tensor infos
    b.putString(f.tensor0Name);
    b.put(f.tensor0DimCount);
    b.put(f.tensor0Dim0);
    if (f.tensor0DimCount >= 2) b.put(f.tensor0Dim1);
    b.put(f.tensor0Type);
    b.put(f.tensor0Offset);
    b.putString(f.tensor1Name);
    b.put<uint32_t>(1);
    b.put(f.tensor1Dim0);
    b.put(f.tensor1Type);
    b.put<uint64_t>(f.tensor1Offset.value_or(256));
    // data: pad to 32, then 256 bytes of t0 and 68 bytes of t1 (two Q8_0 blocks)
    auto& bytes = b.data();
    bytes.resize((bytes.size() + 31) / 32 * 32, 0);
    bytes.resize(bytes.size() + 256 + 68, 0x11);
    return bytes;
}

struct Case {
    const char* name;
    std::function<void(Fields&)> mutate;
    ErrorCode code;
    const char* messagePart;
};

}  // namespace

TEST(GgufMalformed, TheUnmodifiedFileIsValid)
{
    auto bytes = build(Fields {});
    GgufFile f = GgufFile::parse(bytes, "good.gguf");
    EXPECT_EQ(f.tensors().size(), 2u);
    EXPECT_EQ(f.getString("general.architecture"), "llama");
    EXPECT_EQ(f.find("test.strings")->stringAt(1), "bc");
    EXPECT_EQ(f.find("test.nested")->arrayAt(0).numberAt<int32_t>(0), 42);
    EXPECT_EQ(f.findTensor("t1")->byteSize, 68u);
}

TEST(GgufMalformed, HostileFieldsGiveClearErrors)
{
    const Case cases[] = {
        {"bad magic", [](Fields& f) { f.magic = 0x46554746; }, ErrorCode::InvalidFile, "not a GGUF file"},
        {"version 1", [](Fields& f) { f.version = 1; }, ErrorCode::UnsupportedVersion, "version 1"},
        {"version 4", [](Fields& f) { f.version = 4; }, ErrorCode::UnsupportedVersion, "version 4"},
        {"version max", [](Fields& f) { f.version = 0xffffffff; }, ErrorCode::UnsupportedVersion, "not supported"},
        {"big endian", [](Fields& f) { f.version = 0x03000000; }, ErrorCode::UnsupportedVersion, "big-endian"},
        {"tensor count max", [](Fields& f) { f.tensorCount = kMax64; }, ErrorCode::InvalidFile, "tensor count"},
        {"tensor count large", [](Fields& f) { f.tensorCount = 1u << 20; }, ErrorCode::InvalidFile, "tensor count"},
        {"kv count max", [](Fields& f) { f.kvCount = kMax64; }, ErrorCode::InvalidFile, "metadata count"},
        {"key length max", [](Fields& f) { f.archKeyLength = kMax64; }, ErrorCode::InvalidFile, "metadata key length"},
        {"key length overflow", [](Fields& f) { f.archKeyLength = kMax64 - 3; }, ErrorCode::InvalidFile, "claims"},
        {"empty key",
         [](Fields& f) {
             f.archKeyLength = 0;
             f.archKey.clear();
         },
         ErrorCode::InvalidFile, "is empty"},
        {"duplicate key",
         [](Fields& f) {
             f.archKey = "general.alignment";
             f.archKeyLength = 17;
         },
         ErrorCode::InvalidFile, "duplicate metadata key"},
        {"value type 13", [](Fields& f) { f.archValueType = 13; }, ErrorCode::InvalidFile, "unknown metadata value type 13"},
        {"value type max", [](Fields& f) { f.archValueType = 0xffffffff; }, ErrorCode::InvalidFile, "unknown metadata value type"},
        {"string length max", [](Fields& f) { f.archValueLength = kMax64; }, ErrorCode::InvalidFile, "string value length"},
        {"string beyond file", [](Fields& f) { f.archValueLength = 1u << 30; }, ErrorCode::InvalidFile, "remain"},
        {"alignment zero", [](Fields& f) { f.alignment = 0; }, ErrorCode::InvalidFile, "power of two"},
        {"alignment three", [](Fields& f) { f.alignment = 3; }, ErrorCode::InvalidFile, "power of two"},
        {"alignment 2^31", [](Fields& f) { f.alignment = 0x80000000u; }, ErrorCode::InvalidFile, "power of two"},
        {"alignment wrong type", [](Fields& f) { f.alignmentType = uint32_t(GgufValueType::Int32); }, ErrorCode::InvalidFile,
         "must be u32"},
        {"array element type 99", [](Fields& f) { f.arrayElementType = 99; }, ErrorCode::InvalidFile, "array element type 99"},
        {"array count max", [](Fields& f) { f.arrayCount = kMax64; }, ErrorCode::InvalidFile, "array of"},
        {"array count too big for strings", [](Fields& f) { f.arrayCount = 1u << 24; }, ErrorCode::InvalidFile, "array of"},
        {"array as u8 with huge count",
         [](Fields& f) {
             f.arrayElementType = 0;
             f.arrayCount = kMax64 / 2;
         },
         ErrorCode::InvalidFile, "array of"},
        {"array string length max", [](Fields& f) { f.arrayFirstStringLength = kMax64; }, ErrorCode::InvalidFile, "array string length"},
        {"nesting depth 9", [](Fields& f) { f.nestedDepth = 9; }, ErrorCode::InvalidFile, "nested deeper"},
        {"nesting depth 500", [](Fields& f) { f.nestedDepth = 500; }, ErrorCode::InvalidFile, "nested deeper"},
        {"bool value 2", [](Fields& f) { f.boolValue = 2; }, ErrorCode::InvalidFile, "not 0 or 1"},
        {"empty tensor name", [](Fields& f) { f.tensor0Name.clear(); }, ErrorCode::InvalidFile, "empty name"},
        {"duplicate tensor name", [](Fields& f) { f.tensor1Name = "t0"; }, ErrorCode::InvalidFile, "duplicate tensor 't0'"},
        {"zero dims", [](Fields& f) { f.tensor0DimCount = 0; }, ErrorCode::InvalidFile, "0 dimensions"},
        {"five dims", [](Fields& f) { f.tensor0DimCount = 5; }, ErrorCode::InvalidFile, "5 dimensions"},
        {"dims max", [](Fields& f) { f.tensor0DimCount = 0xffffffff; }, ErrorCode::InvalidFile, "dimensions"},
        {"dimension zero", [](Fields& f) { f.tensor0Dim1 = 0; }, ErrorCode::InvalidFile, "dimension 1 is zero"},
        {"dimension product overflows",
         [](Fields& f) {
             f.tensor0Dim0 = uint64_t(1) << 40;
             f.tensor0Dim1 = uint64_t(1) << 40;
         },
         ErrorCode::InvalidFile, "overflows"},
        {"dimension max", [](Fields& f) { f.tensor0Dim0 = kMax64; }, ErrorCode::InvalidFile, "overflows"},
        {"byte size overflows",
         [](Fields& f) {
             f.tensor0Dim0 = uint64_t(1) << 62;
             f.tensor0Dim1 = 1;
         },
         ErrorCode::InvalidFile, "byte size overflows"},
        {"huge tensor beyond file", [](Fields& f) { f.tensor0Dim0 = uint64_t(1) << 40; }, ErrorCode::Truncated, "outside the data section"},
        {"retired type 4", [](Fields& f) { f.tensor0Type = 4; }, ErrorCode::InvalidFile, "unknown ggml type id 4"},
        {"type 1000", [](Fields& f) { f.tensor0Type = 1000; }, ErrorCode::InvalidFile, "unknown ggml type id 1000"},
        {"row not a block multiple", [](Fields& f) { f.tensor1Dim0 = 33; }, ErrorCode::InvalidFile, "block size 32"},
        {"misaligned offset", [](Fields& f) { f.tensor1Offset = 257; }, ErrorCode::InvalidFile, "not a multiple of the alignment"},
        {"offset beyond file", [](Fields& f) { f.tensor1Offset = 1u << 20; }, ErrorCode::Truncated, "outside the data section"},
        {"offset overflow", [](Fields& f) { f.tensor1Offset = kMax64 - 31; }, ErrorCode::Truncated, "outside the data section"},
        {"overlapping tensors", [](Fields& f) { f.tensor1Offset = 224; }, ErrorCode::InvalidFile, "overlaps tensor 't0'"},
        {"same offset", [](Fields& f) { f.tensor1Offset = 0; }, ErrorCode::InvalidFile, "overlaps"},
    };
    for (const Case& c : cases) {
        Fields fields;
        c.mutate(fields);
        auto bytes = build(fields);
        try {
            GgufFile::parse(bytes, "hostile.gguf");
            ADD_FAILURE() << c.name << ": parsed without an error";
        } catch (const Error& e) {
            std::string message = e.what();
            EXPECT_EQ(e.code(), c.code) << c.name << ": " << message;
            EXPECT_NE(message.find(c.messagePart), std::string::npos) << c.name << ": " << message;
            EXPECT_EQ(message.rfind("hostile.gguf: ", 0), 0u) << c.name << ": the message names the file: " << message;
            bool namesPlace =
                message.find("byte offset ") != std::string::npos || message.find("metadata general.alignment") != std::string::npos;
            EXPECT_TRUE(namesPlace) << c.name << ": the message names where: " << message;
        }
    }
}

TEST(GgufMalformed, EveryTruncationIsAnError)
{
    auto full = build(Fields {});
    GgufFile::parse(full, "full.gguf");  // sanity: the whole file is fine
    for (size_t length = 0; length < full.size(); ++length) {
        // A fresh heap copy of exactly `length` bytes, so ASan catches any read past the end.
        std::vector<uint8_t> prefix(full.begin(), full.begin() + std::ptrdiff_t(length));
        try {
            GgufFile::parse(prefix, "cut.gguf");
            ADD_FAILURE() << "a file cut at " << length << " of " << full.size() << " bytes parsed";
        } catch (const Error& e) {
            EXPECT_TRUE(e.code() == ErrorCode::Truncated || e.code() == ErrorCode::InvalidFile) << "cut at " << length << ": " << e.what();
            EXPECT_NE(std::string(e.what()).find("cut.gguf: byte offset"), std::string::npos) << e.what();
        }
    }
}

TEST(GgufMalformed, EverySingleByteCorruptionOfTheHeaderIsHandled)
{
    // Flip each header byte to several values: the parser may accept some (e.g. a changed
    // letter in a key), but must never crash; anything it rejects is a hearth::Error.
    auto good = build(Fields {});
    GgufFile reference = GgufFile::parse(good, "ref.gguf");
    size_t header = size_t(reference.dataOffset());
    size_t rejected = 0;
    for (size_t i = 0; i < header; ++i) {
        for (uint8_t value : {uint8_t(0x00), uint8_t(0xff), uint8_t(0x7f), uint8_t(good[i] ^ 0x01)}) {
            if (value == good[i]) continue;
            std::vector<uint8_t> bad = good;
            bad[i] = value;
            try {
                GgufFile f = GgufFile::parse(bad, "flip.gguf");
                for (const auto& t : f.tensors()) (void)f.tensorData(t);
            } catch (const Error&) {
                ++rejected;
            }
        }
    }
    EXPECT_GT(rejected, header) << "most corruptions of the header must be detected";
}

TEST(GgufMalformed, EmptyAndTinyFiles)
{
    std::vector<uint8_t> empty;
    EXPECT_THROW(GgufFile::parse(empty, "empty.gguf"), Error);
    std::vector<uint8_t> magicOnly = {'G', 'G', 'U', 'F'};
    EXPECT_THROW(GgufFile::parse(magicOnly, "magic.gguf"), Error);
}

TEST(GgufMalformed, IqTypesAreRecognisedNotMisread)
{
    GgufWriter w;
    std::vector<uint64_t> dims = {256};
    std::vector<uint8_t> block(136, 0);
    w.addTensor("w", GgmlType::IQ4_XS, dims, block);
    auto bytes = w.toBytes();
    GgufFile f = GgufFile::parse(bytes, "iq.gguf");
    EXPECT_EQ(ggmlTypeName(f.findTensor("w")->type), "IQ4_XS");
    EXPECT_TRUE(ggmlTypeTraits(f.findTensor("w")->type).computeSupported);
}
