// Files written by GgufWriter read back identically: every metadata value type, nested arrays,
// every tensor type, both GGUF versions, custom alignment, from memory and from disk.
#include "core/error.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>

using namespace hearth;

namespace {

void addEveryScalar(GgufWriter& w)
{
    w.addInt("t.u8", GgufValueType::UInt8, 255);
    w.addInt("t.i8", GgufValueType::Int8, -128);
    w.addInt("t.u16", GgufValueType::UInt16, 65535);
    w.addInt("t.i16", GgufValueType::Int16, -32768);
    w.addInt("t.u32", GgufValueType::UInt32, 4294967295ll);
    w.addInt("t.i32", GgufValueType::Int32, std::numeric_limits<int32_t>::min());
    w.addUInt64("t.u64", std::numeric_limits<uint64_t>::max());
    w.addInt("t.i64", GgufValueType::Int64, std::numeric_limits<int64_t>::min());
    w.addFloat("t.f32", GgufValueType::Float32, 1.5);
    w.addFloat("t.f64", GgufValueType::Float64, -2.25e300);
    w.addBool("t.bool", true);
    w.addString("t.string", "héllo\nwörld ✓");
    w.addString("t.empty", "");
}

}  // namespace

TEST(GgufRoundTrip, EveryScalarType)
{
    for (uint32_t version : {2u, 3u}) {
        GgufWriter w(version);
        addEveryScalar(w);
        auto bytes = w.toBytes();
        GgufFile f = GgufFile::parse(bytes, "scalars.gguf");
        EXPECT_EQ(f.version(), version);
        EXPECT_EQ(f.metadata().size(), 13u);
        EXPECT_EQ(f.find("t.u8")->type(), GgufValueType::UInt8);
        EXPECT_EQ(f.getUInt("t.u8"), 255u);
        EXPECT_EQ(f.find("t.i8")->toInt(), -128);
        EXPECT_EQ(f.getUInt("t.u16"), 65535u);
        EXPECT_EQ(f.find("t.i16")->toInt(), -32768);
        EXPECT_EQ(f.getUInt("t.u32"), 4294967295u);
        EXPECT_EQ(f.find("t.i32")->toInt(), std::numeric_limits<int32_t>::min());
        EXPECT_EQ(f.getUInt("t.u64"), std::numeric_limits<uint64_t>::max());
        EXPECT_EQ(f.find("t.u64")->toInt(), std::nullopt) << "u64 max does not fit in i64";
        EXPECT_EQ(f.find("t.i64")->toInt(), std::numeric_limits<int64_t>::min());
        EXPECT_EQ(f.find("t.i64")->toUInt(), std::nullopt) << "negative values are not unsigned";
        EXPECT_EQ(f.getDouble("t.f32"), 1.5);
        EXPECT_EQ(f.getDouble("t.f64"), -2.25e300);
        EXPECT_EQ(f.getBool("t.bool"), true);
        EXPECT_EQ(f.getString("t.string"), "héllo\nwörld ✓");
        EXPECT_EQ(f.getString("t.empty"), "");
        EXPECT_EQ(f.getString("t.u8"), std::nullopt) << "type mismatch gives nullopt, not garbage";
        EXPECT_EQ(f.find("missing"), nullptr);
        EXPECT_EQ(f.metadata()[0].key, "t.u8") << "metadata keeps file order";
    }
}

TEST(GgufRoundTrip, ArraysOfEveryTypeAndNesting)
{
    GgufWriter w;
    GgufArrayBuilder u8(GgufValueType::UInt8), i16(GgufValueType::Int16), u32(GgufValueType::UInt32), i64(GgufValueType::Int64),
        f32(GgufValueType::Float32), f64(GgufValueType::Float64), b(GgufValueType::Bool), s(GgufValueType::String),
        empty(GgufValueType::Int32);
    for (int i = 0; i < 5; ++i) {
        u8.addInt(250 + i);
        i16.addInt(-1000 * i);
        u32.addInt(int64_t(i) << 31);
        i64.addInt(-(int64_t(1) << 60) + i);
        f32.addFloat(0.5 * i);
        f64.addFloat(1e-300 * i);
        b.addInt(i % 2);
        s.addString(std::string(size_t(i), 'x') + "<|im_end|>");
    }
    GgufArrayBuilder inner1(GgufValueType::Int32), inner2(GgufValueType::String);
    inner1.addInt(7).addInt(-8);
    inner2.addString("nested");
    GgufArrayBuilder level2(GgufValueType::Array);
    level2.addArray(inner1).addArray(inner2);
    GgufArrayBuilder level1(GgufValueType::Array);
    level1.addArray(level2).addArray(GgufArrayBuilder(GgufValueType::Array));

    w.addArray("a.u8", u8);
    w.addArray("a.i16", i16);
    w.addArray("a.u32", u32);
    w.addArray("a.i64", i64);
    w.addArray("a.f32", f32);
    w.addArray("a.f64", f64);
    w.addArray("a.bool", b);
    w.addArray("a.str", s);
    w.addArray("a.empty", empty);
    w.addArray("a.nested", level1);
    auto bytes = w.toBytes();
    GgufFile f = GgufFile::parse(bytes, "arrays.gguf");

    const GgufValue* v = f.find("a.u8");
    ASSERT_TRUE(v && v->isArray());
    EXPECT_EQ(v->elementType(), GgufValueType::UInt8);
    ASSERT_EQ(v->arraySize(), 5u);
    for (uint64_t i = 0; i < 5; ++i) {
        EXPECT_EQ(f.find("a.u8")->numberAt<uint8_t>(i), 250 + i);
        EXPECT_EQ(f.find("a.i16")->numberAt<int16_t>(i), -1000 * int(i));
        EXPECT_EQ(f.find("a.u32")->numberAt<uint32_t>(i), uint32_t(i << 31));
        EXPECT_EQ(f.find("a.i64")->arrayInt(i), -(int64_t(1) << 60) + int64_t(i));
        EXPECT_EQ(f.find("a.f32")->numberAt<float>(i), 0.5f * float(i));
        EXPECT_EQ(f.find("a.f64")->arrayDouble(i), 1e-300 * double(i));
        EXPECT_EQ(f.find("a.bool")->arrayDouble(i), double(i % 2));
        EXPECT_EQ(f.find("a.str")->stringAt(i), std::string(i, 'x') + "<|im_end|>");
    }
    EXPECT_EQ(f.find("a.empty")->arraySize(), 0u);
    const GgufValue* nested = f.find("a.nested");
    ASSERT_EQ(nested->arraySize(), 2u);
    const GgufValue& l2 = nested->arrayAt(0);
    ASSERT_EQ(l2.arraySize(), 2u);
    EXPECT_EQ(l2.arrayAt(0).elementType(), GgufValueType::Int32);
    EXPECT_EQ(l2.arrayAt(0).numberAt<int32_t>(1), -8);
    EXPECT_EQ(l2.arrayAt(1).stringAt(0), "nested");
    EXPECT_EQ(nested->arrayAt(1).arraySize(), 0u);
}

TEST(GgufRoundTrip, EveryTensorTypeWithDataAtAlignedOffsets)
{
    for (uint32_t alignment : {32u, 64u, 4096u}) {
        GgufWriter w;
        if (alignment != 32) w.setAlignment(alignment);
        std::vector<std::vector<uint8_t>> payloads;
        std::vector<std::pair<std::string, GgmlType>> written;
        uint64_t seed = 1;
        for (const auto& traits : allGgmlTypes()) {
            std::vector<uint64_t> dims = {traits.blockElements * 3, 2, 1};
            uint64_t bytes = 3 * 2 * traits.blockBytes;
            payloads.push_back(test::pseudoRandomBytes(bytes, seed++));
            std::string name = "tensor." + std::string(traits.name);
            w.addTensor(name, traits.type, dims, payloads.back());
            written.emplace_back(name, traits.type);
        }
        auto bytes = w.toBytes();
        GgufFile f = GgufFile::parse(bytes, "tensors.gguf");
        EXPECT_EQ(f.alignment(), alignment);
        EXPECT_EQ(f.dataOffset() % alignment, 0u);
        ASSERT_EQ(f.tensors().size(), written.size());
        for (size_t i = 0; i < written.size(); ++i) {
            const GgufTensorInfo* t = f.findTensor(written[i].first);
            ASSERT_NE(t, nullptr) << written[i].first;
            EXPECT_EQ(t->type, written[i].second);
            EXPECT_EQ(t->dimCount, 3u);
            EXPECT_EQ(t->dims[1], 2u);
            EXPECT_EQ(t->dims[3], 1u) << "unused dimensions read as 1";
            EXPECT_EQ(t->offset % alignment, 0u);
            auto data = f.tensorData(*t);
            ASSERT_EQ(data.size(), payloads[i].size());
            EXPECT_TRUE(std::equal(data.begin(), data.end(), payloads[i].begin())) << written[i].first;
            EXPECT_EQ(data.data(), bytes.data() + f.dataOffset() + t->offset) << "a view, not a copy";
        }
    }
}

TEST(GgufRoundTrip, FromDiskThroughTheMapping)
{
    test::ScratchDir dir;
    GgufWriter w;
    w.addString("general.architecture", "llama");
    std::vector<float> values = {1.0f, -2.0f, 3.5f, 0.25f};
    std::vector<uint64_t> dims = {4};
    w.addTensor("x", GgmlType::F32, dims, {reinterpret_cast<const uint8_t*>(values.data()), values.size() * sizeof(float)});
    auto path = (dir.path() / "model.gguf").string();
    w.writeFile(path);
    GgufFile f = GgufFile::open(path);
    EXPECT_EQ(f.getString("general.architecture"), "llama");
    auto data = f.tensorData(*f.findTensor("x"));
    float second;
    std::memcpy(&second, data.data() + 4, 4);
    EXPECT_EQ(second, -2.0f);
    GgufFile moved = std::move(f);
    EXPECT_EQ(moved.getString("general.architecture"), "llama") << "views survive a move";
}

TEST(GgufRoundTrip, OpeningAMissingFileNamesIt)
{
    try {
        GgufFile::open("/nonexistent/dir/model.gguf");
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Io);
        EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/model.gguf"), std::string::npos) << e.what();
    }
}

TEST(GgufRoundTrip, TypeTableMatchesGgmlBlockLayouts)
{
    // Block sizes as documented in ggml's headers (block structs), spot-checked by hand.
    struct Expect {
        GgmlType type;
        uint32_t elements, bytes;
    };
    const Expect table[] = {
        {GgmlType::F32, 1, 4},      {GgmlType::F16, 1, 2},      {GgmlType::BF16, 1, 2},       {GgmlType::Q4_0, 32, 18},
        {GgmlType::Q4_1, 32, 20},   {GgmlType::Q5_0, 32, 22},   {GgmlType::Q5_1, 32, 24},     {GgmlType::Q8_0, 32, 34},
        {GgmlType::Q2_K, 256, 84},  {GgmlType::Q3_K, 256, 110}, {GgmlType::Q4_K, 256, 144},   {GgmlType::Q5_K, 256, 176},
        {GgmlType::Q6_K, 256, 210}, {GgmlType::Q8_K, 256, 292}, {GgmlType::IQ4_XS, 256, 136}, {GgmlType::IQ2_XXS, 256, 66},
    };
    for (const auto& e : table) {
        const auto& t = ggmlTypeTraits(e.type);
        EXPECT_EQ(t.blockElements, e.elements) << t.name;
        EXPECT_EQ(t.blockBytes, e.bytes) << t.name;
    }
    EXPECT_FALSE(ggmlTypeTraits(4).has_value()) << "retired Q4_2";
    EXPECT_TRUE(ggmlTypeTraits(GgmlType::IQ2_XXS).computeSupported);
    EXPECT_FALSE(ggmlTypeTraits(GgmlType::TQ2_0).computeSupported) << "the ternary types have no kernels yet";
}

TEST(GgufRoundTrip, WriterRejectsWrongTensorSizes)
{
    GgufWriter w;
    std::vector<uint8_t> tooSmall(10);
    std::vector<uint64_t> dims = {32};
    EXPECT_THROW(w.addTensor("q", GgmlType::Q8_0, dims, tooSmall), Error);
    std::vector<uint64_t> badRow = {33};
    std::vector<uint8_t> any(34);
    EXPECT_THROW(w.addTensor("q", GgmlType::Q8_0, badRow, any), Error);
}

// A remote file's preview parses the header from its first bytes: every shorter prefix asks for
// more (Truncated), the complete one gives what the whole file gives, and a header whose tensors
// lie beyond the declared size is the file's fault (InvalidFile), not a cue to read more.
TEST(GgufRoundTrip, HeaderFromAPrefixOfTheFile)
{
    GgufWriter w;
    addEveryScalar(w);
    GgufArrayBuilder tokens(GgufValueType::String);
    tokens.addString("alpha").addString("beta").addString("gamma").addString("delta");
    w.addArray("t.tokens", tokens);
    auto payload = test::pseudoRandomBytes(4096, 7);
    const std::vector<uint64_t> dims = {32, 32};
    w.addTensor("weights", GgmlType::F32, dims, payload);
    const auto bytes = w.toBytes();
    const GgufFile whole = GgufFile::parse(bytes, "whole.gguf");

    // Every prefix that stops inside the metadata or the tensor infos asks for more; only the
    // alignment padding before the data section may be missing.
    size_t truncatedPrefixes = 0, firstComplete = 0;
    for (size_t n = 0; n <= whole.dataOffset() && !firstComplete; ++n) {
        try {
            GgufFile::parseHeader(std::span(bytes).first(n), bytes.size(), "remote.gguf");
            firstComplete = n;
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::Truncated) << n << ": " << e.what();
            ++truncatedPrefixes;
        }
    }
    EXPECT_GT(firstComplete + whole.alignment(), whole.dataOffset());
    EXPECT_GT(truncatedPrefixes, 10u);

    const GgufFile header = GgufFile::parseHeader(std::span(bytes).first(size_t(whole.dataOffset())), bytes.size(), "remote.gguf");
    EXPECT_EQ(header.fileSize(), bytes.size());
    EXPECT_EQ(header.dataOffset(), whole.dataOffset());
    EXPECT_EQ(header.metadata().size(), whole.metadata().size());
    ASSERT_EQ(header.tensors().size(), 1u);
    EXPECT_EQ(header.tensors()[0].byteSize, 4096u);
    EXPECT_THROW(header.tensorData(header.tensors()[0]), Error);

    try {
        GgufFile::parseHeader(std::span(bytes).first(size_t(whole.dataOffset())), bytes.size() - 1, "short.gguf");
        ADD_FAILURE() << "the tensor data does not fit the declared size";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidFile) << e.what();
    }
    EXPECT_THROW(GgufFile::parseHeader(bytes, bytes.size() - 1, "x.gguf"), Error) << "more bytes than the file has";
}

// Found by the fuzzer: a prefix may claim a huge file (a remote server's Content-Range), so the
// counts it allows must not size allocations; reading asks for more bytes instead.
TEST(GgufRoundTrip, AHugeClaimedFileSizesNoAllocation)
{
    GgufWriter w;
    addEveryScalar(w);
    auto bytes = w.toBytes();
    const uint64_t hugeCount = uint64_t(1) << 40;
    std::memcpy(bytes.data() + 8, &hugeCount, sizeof hugeCount);  // tensor count
    try {
        GgufFile::parseHeader(bytes, uint64_t(1) << 62, "claims-4-EiB.gguf");
        ADD_FAILURE() << "2^40 tensors cannot be in these bytes";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Truncated) << e.what();
    }
}
