// Every weight type: quantize (round-to-nearest reference), dequantize, and compare with the
// input within the format's error; the quantized dot product against dequantize-then-dot;
// half-precision conversion exhaustively.
#include "core/error.h"
#include "quant/dequantize.h"
#include "quant/fp16.h"
#include "quant/iq_grid_unpack.h"
#include "quant/iq_grids.h"
#include "quant/quantize_reference.h"
#include "quant/vec_dot.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

using namespace hearth;

namespace {

std::vector<float> gaussian(int64_t n, uint64_t seed, float sigma = 1.0f)
{
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> dist(0.0f, sigma);
    std::vector<float> v(static_cast<size_t>(n));
    for (auto& x : v) x = dist(rng);
    return v;
}

double relativeRmsError(const std::vector<float>& a, const std::vector<float>& b)
{
    double err = 0, ref = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        err += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
        ref += double(a[i]) * a[i];
    }
    return std::sqrt(err / ref);
}

struct TypeBound {
    GgmlType type;
    double maxRelativeRms;  // quantization error of round-to-nearest on Gaussian data
};

// Bounds: measured relative RMS error of these quantizers on N(0,1) data (e.g. Q4_0 0.06-0.10,
// Q6_K 0.019, Q2_K 0.33) with ~25% margin; a wrong layout gives errors near 1.
const TypeBound kTypes[] = {
    {GgmlType::F32, 0.0},   {GgmlType::F16, 0.0004}, {GgmlType::BF16, 0.003}, {GgmlType::Q8_0, 0.01},  {GgmlType::Q5_1, 0.055},
    {GgmlType::Q5_0, 0.07}, {GgmlType::Q4_1, 0.12},  {GgmlType::Q4_0, 0.12},  {GgmlType::Q6_K, 0.025}, {GgmlType::Q5_K, 0.05},
    {GgmlType::Q4_K, 0.10}, {GgmlType::Q3_K, 0.20},  {GgmlType::Q2_K, 0.40},
};

}  // namespace

TEST(Quant, RoundTripWithinTheFormatsError)
{
    for (const auto& [type, bound] : kTypes) {
        const int64_t block = ggmlTypeTraits(type).blockElements;
        for (int64_t blocks : {1, 3, 7}) {
            const int64_t n = std::max<int64_t>(block, 32) * blocks + (block == 1 ? 3 : 0);  // odd sizes for plain types
            auto x = gaussian(n, uint64_t(n) * 31 + uint64_t(type));
            auto q = quantizeReference(type, x.data(), n);
            ASSERT_EQ(q.size(), rowBytes(type, n)) << ggmlTypeName(type);
            std::vector<float> back(static_cast<size_t>(n));
            dequantizeRow(type, q.data(), back.data(), n);
            const double err = relativeRmsError(x, back);
            EXPECT_LE(err, bound) << ggmlTypeName(type) << " n=" << n;
            if (type != GgmlType::F32) {
                EXPECT_GT(err, 0.0) << ggmlTypeName(type) << " really quantizes";
            }
        }
    }
}

TEST(Quant, QuantizedDotMatchesDequantizeThenDot)
{
    for (const auto& [type, bound] : kTypes) {
        const int64_t n = ggmlTypeTraits(type).blockElements == 256 ? 256 * 5 : 32 * 9;
        auto w = gaussian(n, 7 + uint64_t(type));
        auto x = gaussian(n, 99 + uint64_t(type), 3.0f);
        auto wq = quantizeReference(type, w.data(), n);
        const GgmlType actType = activationTypeFor(type);
        std::vector<uint8_t> xq;
        quantizeActivations(actType, x.data(), n, xq);
        const float dot = vecDot(type, wq.data(), xq.data(), n);

        // The same numbers dequantized to float and multiplied in double: equal up to rounding.
        std::vector<float> wf(static_cast<size_t>(n)), xf(static_cast<size_t>(n));
        dequantizeRow(type, wq.data(), wf.data(), n);
        if (actType == GgmlType::Q8_1) {  // Q8_1 dequantizes like Q8_0 (d, then 32 int8)
            for (int64_t b = 0; b < n / 32; ++b) {
                uint16_t d;
                std::memcpy(&d, xq.data() + b * 36, 2);
                for (int j = 0; j < 32; ++j) xf[size_t(b * 32 + j)] = fp16ToFloat(d) * float(int8_t(xq[size_t(b * 36 + 4 + j)]));
            }
        } else {
            dequantizeRow(actType, xq.data(), xf.data(), n);
        }
        double exact = 0, magnitude = 0;
        for (int64_t i = 0; i < n; ++i) {
            exact += double(wf[size_t(i)]) * double(xf[size_t(i)]);
            magnitude += std::fabs(double(wf[size_t(i)]) * double(xf[size_t(i)]));
        }
        // Q8_1 carries s = d * sum(q) rounded to half precision, and the kernel uses it for the
        // weight's min term (as ggml does): allow that rounding.
        double minTermRounding = 0;
        if (actType == GgmlType::Q8_1)
            for (int64_t b = 0; b < n / 32; ++b) {
                uint16_t m;
                std::memcpy(&m, wq.data() + size_t(b) * ggmlTypeTraits(type).blockBytes + 2, 2);
                double s = 0;
                for (int j = 0; j < 32; ++j) s += xf[size_t(b * 32 + j)];
                minTermRounding += std::fabs(fp16ToFloat(m) * s) / 1024.0;
            }
        EXPECT_NEAR(dot, exact, 2e-6 * magnitude + minTermRounding + 1e-6) << ggmlTypeName(type);

        // And against the unquantized activations: off by at most the activation rounding.
        double plain = 0;
        for (int64_t i = 0; i < n; ++i) plain += double(wf[size_t(i)]) * double(x[size_t(i)]);
        EXPECT_NEAR(dot, plain, 0.02 * magnitude) << ggmlTypeName(type);
    }
}

TEST(Quant, IqTypesIntegerDotsMatchDequantizeThenDot)
{
    // IQ4_NL, IQ4_XS and MXFP4 sum their looked-up levels in integers, the grid types their signed
    // grid magnitudes (IQ1's with the delta: 8g +- 1 over 8), as ggml's kernels do: the same
    // number as their dequantized weights times the dequantized activations in double.
    std::mt19937 rng(5);
    for (GgmlType type : {GgmlType::IQ4_NL, GgmlType::IQ4_XS, GgmlType::MXFP4, GgmlType::IQ2_XXS, GgmlType::IQ2_XS, GgmlType::IQ2_S,
                          GgmlType::IQ3_XXS, GgmlType::IQ3_S, GgmlType::IQ1_S, GgmlType::IQ1_M}) {
        const auto& traits = ggmlTypeTraits(type);
        const int64_t n = traits.blockElements == 256 ? 256 * 5 : 32 * 9;
        for (int trial = 0; trial < 10; ++trial) {
            std::vector<uint8_t> w(rowBytes(type, n));
            for (auto& b : w) b = uint8_t(rng());
            for (size_t block = 0; block < w.size(); block += traits.blockBytes) {
                if (type == GgmlType::MXFP4) {
                    w[block] = uint8_t(120 + rng() % 10);  // E8M0: 2^(e - 128)
                } else if (type == GgmlType::IQ1_M) {  // the F16 scale in the top nibbles of the last four 16-bit words
                    const uint16_t d = floatToFp16(0.001f + float(rng() % 1000) * 1e-5f);
                    for (int i = 0; i < 4; ++i) {
                        uint8_t& high = w[block + 48 + 2 * size_t(i) + 1];
                        high = uint8_t((high & 0x0F) | (((d >> (4 * i)) & 0xF) << 4));
                    }
                } else {
                    const uint16_t d = floatToFp16(0.001f + float(rng() % 1000) * 1e-5f);
                    std::memcpy(w.data() + block, &d, 2);
                }
            }
            const auto x = gaussian(n, uint64_t(trial) + 3, 2.0f);
            const GgmlType actType = activationTypeFor(type);
            std::vector<uint8_t> xq;
            quantizeActivations(actType, x.data(), n, xq);
            std::vector<float> wf(static_cast<size_t>(n)), xf(static_cast<size_t>(n));
            dequantizeRow(type, w.data(), wf.data(), n);
            dequantizeRow(actType, xq.data(), xf.data(), n);
            double exact = 0, magnitude = 0;
            for (int64_t i = 0; i < n; ++i) {
                exact += double(wf[size_t(i)]) * double(xf[size_t(i)]);
                magnitude += std::fabs(double(wf[size_t(i)]) * double(xf[size_t(i)]));
            }
            EXPECT_NEAR(vecDot(type, w.data(), xq.data(), n), exact, 2e-6 * magnitude + 1e-9) << ggmlTypeName(type) << " trial " << trial;
        }
    }
}

TEST(Quant, GridMagnitudesFitTheKernelsLift)
{
    // The SIMD kernels add kIqGridMagnitudeBound to signed grid values to make them unsigned bytes.
    auto check = [](const auto* grid, size_t entries, int bytesPerEntry, const char* name) {
        int largest = 0;
        for (size_t i = 0; i < entries; ++i)
            for (int j = 0; j < bytesPerEntry; ++j) largest = std::max(largest, int(uint8_t(uint64_t(grid[i]) >> (8 * j))));
        EXPECT_LT(largest, kIqGridMagnitudeBound) << name;
        EXPECT_GT(largest, 0) << name;
    };
    check(iq::iq2xxs_grid, 256, 8, "iq2xxs");
    check(iq::iq2xs_grid, 512, 8, "iq2xs");
    check(iq::iq2s_grid, 1024, 8, "iq2s");
    check(iq::iq3xxs_grid, 256, 4, "iq3xxs");
    check(iq::iq3s_grid, 512, 4, "iq3s");
}

TEST(Quant, KnownQ4_0BlockByHand)
{
    // d = 0.5, nibbles 0..15 -> (q - 8) * 0.5.
    uint8_t block[18] = {};
    const uint16_t d = floatToFp16(0.5f);
    std::memcpy(block, &d, 2);
    for (int j = 0; j < 16; ++j) block[2 + j] = uint8_t(j | ((15 - j) << 4));
    float y[32];
    dequantizeRow(GgmlType::Q4_0, block, y, 32);
    for (int j = 0; j < 16; ++j) {
        EXPECT_EQ(y[j], float(j - 8) * 0.5f);
        EXPECT_EQ(y[j + 16], float(15 - j - 8) * 0.5f);
    }
}

TEST(Quant, HalfConversionIsExactAndRoundsToNearestEven)
{
    for (uint32_t h = 0; h < 65536; ++h) {
        const float f = fp16ToFloat(uint16_t(h));
        if (std::isnan(f)) continue;
        ASSERT_EQ(floatToFp16(f), uint16_t(h)) << "half " << h;
    }
    EXPECT_EQ(fp16ToFloat(floatToFp16(1.0f + 1.0f / 2048)), 1.0f) << "tie rounds to even";
    EXPECT_EQ(fp16ToFloat(floatToFp16(1.0f + 3.0f / 2048)), 1.0f + 2.0f / 1024) << "tie rounds to even (up)";
    EXPECT_EQ(floatToFp16(65520.0f), 0x7c00) << "overflow to infinity";
    EXPECT_EQ(fp16ToFloat(0x0001), std::ldexp(1.0f, -24)) << "smallest subnormal";
    EXPECT_EQ(bf16ToFloat(floatToBf16(1.5f)), 1.5f);
}

TEST(Quant, TypesWithoutKernelsAreRefusedByName)
{
    // The ternary types (TQ1_0, TQ2_0) are the ones left without kernels.
    float y[256];
    uint8_t block[64] = {};
    try {
        dequantizeRow(GgmlType::TQ2_0, block, y, 256);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::UnsupportedType);
        EXPECT_NE(std::string(e.what()).find("TQ2_0"), std::string::npos);
    }
}
