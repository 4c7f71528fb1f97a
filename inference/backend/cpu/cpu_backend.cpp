#include "backend/cpu/cpu_backend.h"

#include "backend/cpu/portable_exp.h"

#include "backend/cpu/cpu_attention.h"
#include "backend/cpu/cpu_tensors.h"

#include "core/error.h"
#include "quant/dequantize.h"
#include "quant/fp16.h"
#include "quant/vec_dot.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace hearth {

namespace {

}  // namespace

float geluTanhAsGgml(float x)
{
    // ggml's CPU GELU: 0 below -10, identity above 10, else the tanh form looked up at x rounded
    // to F16 and rounded to F16 itself (its GGML_GELU_FP16 table).
    if (x <= -10.0f) return 0.0f;
    if (x >= 10.0f) return x;
    const float h = roundToFp16(x);
    constexpr float kSqrt2OverPi = 0.79788456080286535587989211986876f, kCoefficient = 0.044715f;
    return roundToFp16(0.5f * h * (1.0f + std::tanh(kSqrt2OverPi * h * (1.0f + kCoefficient * h * h))));
}

float ropeYarnMix(const RopeParams& p, int64_t pair)
{
    if (p.extFactor == 0) return p.freqScale;
    // theta = interp * (1 - mix) + extrap * mix, interp = freqScale * extrap
    const float y = (float(pair) - p.corrLow) / std::max(0.001f, p.corrHigh - p.corrLow);
    const float ramp = (1 - std::min(1.0f, std::max(0.0f, y))) * p.extFactor;
    return p.freqScale * (1 - ramp) + ramp;
}

float ropeMagnitude(const RopeParams& p)
{
    return p.extFactor != 0 ? p.attnFactor * (1.0f + 0.1f * std::log(1.0f / p.freqScale)) : p.attnFactor;
}

void ropeVector(float* x, int64_t heads, double position, const RopeParams& p)
{
    // The same float recurrence as ggml (theta *= theta_scale) and its rope_yarn, so angles
    // match bit for bit.
    const float thetaScale = std::pow(p.base, -2.0f / float(p.ropeDims));
    const float magnitude = ropeMagnitude(p);
    std::vector<float> cosines(size_t(p.ropeDims / 2)), sines(cosines.size());
    float theta = float(position);
    for (int64_t i = 0; i < p.ropeDims / 2; ++i) {
        const float factor = p.freqFactors ? p.freqFactors[i] : 1.0f;
        const float extrapolated = theta / factor;
        float angle = p.freqScale * extrapolated;
        if (p.extFactor != 0) {
            const float y = (float(i) - p.corrLow) / std::max(0.001f, p.corrHigh - p.corrLow);
            const float ramp = (1 - std::min(1.0f, std::max(0.0f, y))) * p.extFactor;
            angle = angle * (1 - ramp) + extrapolated * ramp;
        }
        cosines[size_t(i)] = std::cos(angle) * magnitude;
        sines[size_t(i)] = std::sin(angle) * magnitude;
        theta *= thetaScale;
    }
    for (int64_t h = 0; h < heads; ++h) {
        float* v = x + h * p.headDim;
        for (int64_t i = 0; i < p.ropeDims / 2; ++i) {
            const int64_t a = p.neox ? i : 2 * i;
            const int64_t b = p.neox ? i + p.ropeDims / 2 : 2 * i + 1;
            const float x0 = v[a], x1 = v[b], c = cosines[size_t(i)], s = sines[size_t(i)];
            v[a] = x0 * c - x1 * s;
            v[b] = x0 * s + x1 * c;
        }
    }
}

CpuBackend::CpuBackend(unsigned threads) : m_pool(threads) { }

std::string CpuBackend::name() const { return "cpu (" + std::to_string(m_pool.size()) + " threads)"; }

std::unique_ptr<Tensor> CpuBackend::weight(const GgufTensorInfo& info, std::span<const uint8_t> data)
{
    activationTypeFor(info.type);  // throws for types without kernels, naming the type
    if (info.dimCount > 2)
        throw Error(ErrorCode::InvalidFile,
                    "tensor '" + std::string(info.name) + "' has " + std::to_string(info.dimCount) + " dimensions; weights have 1 or 2");
    int64_t cols = int64_t(info.dims[0]), rows = int64_t(info.dims[1]);
    return std::make_unique<CpuWeight>(rows, cols, info.type, data.data());
}

std::unique_ptr<Tensor> CpuBackend::activations(int64_t rows, int64_t cols) { return std::make_unique<CpuActivations>(rows, cols); }

std::unique_ptr<KvCache> CpuBackend::kvCache(int64_t layers, int64_t slots, int64_t kvDim, bool f16, std::span<const int64_t> layerSlots,
                                             bool keysOnly, std::span<const int64_t> layerKvDims)
{
    return std::make_unique<CpuKvCache>(layers, slots, kvDim, f16, layerSlots, keysOnly, layerKvDims);
}

void CpuBackend::getRows(const Tensor& table, std::span<const TokenId> ids, Tensor& out)
{
    const auto& w = asWeight(table);
    auto& o = asActs(out);
    requireShape(o.rows() == int64_t(ids.size()) && o.cols() == w.cols(), "getRows");
    for (size_t t = 0; t < ids.size(); ++t) {
        if (ids[t] < 0 || ids[t] >= w.rows())
            throw Error(ErrorCode::InvalidArgument, "token id " + std::to_string(ids[t]) + " is outside the embedding table");
        dequantizeRow(w.type, w.row(ids[t]), o.row(int64_t(t)), w.cols());
    }
}

void CpuBackend::rmsNorm(const Tensor& x, const Tensor& weight, float eps, Tensor& out)
{
    const auto& in = asActs(x);
    const auto& w = asWeight(weight);
    auto& o = asActs(out);
    requireShape(w.cols() > 0 && in.cols() % w.cols() == 0 && o.cols() == in.cols() && o.rows() == in.rows(), "rmsNorm");
    const int64_t n = w.cols(), segments = in.cols() / n;
    std::vector<float>& scale = m_normScale;  // kept: no allocation per op
    scale.resize(size_t(n));
    dequantizeRow(w.type, w.data, scale.data(), n);
    m_pool.parallelFor(in.rows(), [&](int64_t begin, int64_t end) {
        for (int64_t t = begin; t < end; ++t)
            for (int64_t seg = 0; seg < segments; ++seg) {
                const float* v = in.row(t) + seg * n;
                double sum = 0;  // ggml accumulates the mean of squares in double (ggml_float)
                for (int64_t i = 0; i < n; ++i) sum += double(v[i] * v[i]);
                const float mean = float(sum / double(n));
                const float s = 1.0f / std::sqrt(mean + eps);
                float* r = o.row(t) + seg * n;
                for (int64_t i = 0; i < n; ++i) r[i] = (v[i] * s) * scale[size_t(i)];
            }
    });
}

void CpuBackend::matmulRows(const Tensor& weight, int64_t firstRow, const Tensor& x, Tensor& out)
{
    const auto& w = asWeight(weight);
    const auto& in = asActs(x);
    auto& o = asActs(out);
    requireShape(in.cols() == w.cols() && o.rows() == in.rows() && firstRow >= 0 && firstRow + o.cols() <= w.rows(), "matmul");
    // Convert the activations once into the format the weight type multiplies with.
    const GgmlType actType = activationTypeFor(w.type);
    std::vector<uint8_t> quantized;
    const size_t actRowBytes = rowBytes(actType, in.cols());
    quantized.reserve(actRowBytes * size_t(in.rows()));
    for (int64_t t = 0; t < in.rows(); ++t) quantizeActivations(actType, in.row(t), in.cols(), quantized);
    const int64_t tokens = in.rows(), cols = w.cols();
    m_pool.parallelFor(o.cols(), [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
            const uint8_t* row = w.row(firstRow + r);
            for (int64_t t = 0; t < tokens; ++t) o.row(t)[r] = vecDot(w.type, row, quantized.data() + size_t(t) * actRowBytes, cols);
        }
    });
}

void CpuBackend::addBiasRow(Tensor& x, const Tensor& biases, int64_t row)
{
    auto& o = asActs(x);
    const auto& b = asWeight(biases);
    requireShape(b.cols() == o.cols() && row >= 0 && row < b.rows(), "addBias");
    std::vector<float> values(size_t(b.cols()));
    dequantizeRow(b.type, b.row(row), values.data(), b.cols());
    for (int64_t t = 0; t < o.rows(); ++t)
        for (int64_t i = 0; i < o.cols(); ++i) o.row(t)[i] += values[size_t(i)];
}

void CpuBackend::gatherRows(const Tensor& x, std::span<const int32_t> rows, Tensor& out)
{
    const auto& a = asActs(x);
    auto& o = asActs(out);
    requireShape(a.cols() == o.cols() && o.rows() == int64_t(rows.size()), "gatherRows");
    for (size_t i = 0; i < rows.size(); ++i) {
        requireShape(rows[i] >= 0 && rows[i] < a.rows(), "gatherRows");
        std::memcpy(o.row(int64_t(i)), a.row(rows[i]), size_t(a.cols()) * sizeof(float));
    }
}

void CpuBackend::scatterRows(const Tensor& x, std::span<const int32_t> rows, Tensor& out)
{
    const auto& a = asActs(x);
    auto& o = asActs(out);
    requireShape(a.cols() == o.cols() && a.rows() == int64_t(rows.size()), "scatterRows");
    for (size_t i = 0; i < rows.size(); ++i) {
        requireShape(rows[i] >= 0 && rows[i] < o.rows(), "scatterRows");
        std::memcpy(o.row(rows[i]), a.row(int64_t(i)), size_t(a.cols()) * sizeof(float));
    }
}

void CpuBackend::weightedRowSum(const Tensor& x, std::span<const float> weights, int64_t k, Tensor& out)
{
    const auto& a = asActs(x);
    auto& o = asActs(out);
    requireShape(k > 0 && a.cols() == o.cols() && a.rows() == o.rows() * k && int64_t(weights.size()) == a.rows(), "weightedRowSum");
    m_pool.parallelFor(o.rows(), [&](int64_t begin, int64_t end) {
        for (int64_t t = begin; t < end; ++t) {
            float* dst = o.row(t);
            for (int64_t i = 0; i < o.cols(); ++i) dst[i] = weights[size_t(t * k)] * a.row(t * k)[i];
            for (int64_t j = 1; j < k; ++j) {
                const float w = weights[size_t(t * k + j)];
                const float* src = a.row(t * k + j);
                for (int64_t i = 0; i < o.cols(); ++i) dst[i] += w * src[i];
            }
        }
    });
}

void CpuBackend::add(const Tensor& a, const Tensor& b, Tensor& out)
{
    const auto& x = asActs(a);
    const auto& y = asActs(b);
    auto& o = asActs(out);
    requireShape(x.values.size() == y.values.size() && o.values.size() == x.values.size(), "add");
    for (size_t i = 0; i < o.values.size(); ++i) o.values[i] = x.values[i] + y.values[i];
}

void CpuBackend::rope(Tensor& x, std::span<const int32_t> positions, const RopeParams& params)
{
    auto& o = asActs(x);
    requireShape(int64_t(positions.size()) == o.rows() && o.cols() % params.headDim == 0, "rope");
    m_pool.parallelFor(o.rows(), [&](int64_t begin, int64_t end) {
        for (int64_t t = begin; t < end; ++t) ropeVector(o.row(t), o.cols() / params.headDim, positions[size_t(t)], params);
    });
}

void CpuBackend::storeKv(KvCache& cache, int64_t layer, const Tensor& k, const Tensor& v, int64_t firstSlot)
{
    auto& c = static_cast<CpuKvCache&>(cache);
    const auto& ks = asActs(k);
    const auto& vs = asActs(v);
    requireShape(ks.cols() == c.kvDim(layer) && vs.cols() == c.kvDim(layer) && firstSlot + ks.rows() <= c.slotCount(), "storeKv");
    for (int64_t t = 0; t < ks.rows(); ++t) {
        c.store(true, layer, firstSlot + t, ks.row(t));
        c.store(false, layer, firstSlot + t, vs.row(t));
    }
}

void CpuBackend::attention(const Tensor& q, const KvCache& cache, int64_t layer, int64_t firstSlot, const AttentionParams& p, Tensor& out)
{
    const auto& qs = asActs(q);
    auto& o = asActs(out);
    requireShape(qs.cols() == p.heads * p.headDim && o.cols() == qs.cols() && o.rows() == qs.rows(), "attention");
    cpuAttention(m_pool, qs, static_cast<const CpuKvCache&>(cache), layer, firstSlot, p, o, m_attentionKernels);
}

void CpuBackend::swiglu(const Tensor& gate, const Tensor& up, Tensor& out)
{
    const auto& g = asActs(gate);
    const auto& u = asActs(up);
    auto& o = asActs(out);
    requireShape(g.values.size() == u.values.size() && o.values.size() == g.values.size(), "swiglu");
    forEachElementRange(o.values.size(), [&](size_t begin, size_t end) {
        for (size_t i = begin; i < end; ++i) o.values[i] = swigluValue(g.values[i], u.values[i]);
    });
}

void CpuBackend::geglu(const Tensor& gate, const Tensor& up, Tensor& out)
{
    const auto& g = asActs(gate);
    const auto& u = asActs(up);
    auto& o = asActs(out);
    requireShape(g.values.size() == u.values.size() && o.values.size() == g.values.size(), "geglu");
    forEachElementRange(o.values.size(), [&](size_t begin, size_t end) {
        for (size_t i = begin; i < end; ++i) o.values[i] = geluTanhAsGgml(g.values[i]) * u.values[i];
    });
}

void CpuBackend::swigluOai(const Tensor& gate, const Tensor& up, float alpha, float limit, Tensor& out)
{
    const auto& g = asActs(gate);
    const auto& u = asActs(up);
    auto& o = asActs(out);
    requireShape(g.values.size() == u.values.size() && o.values.size() == g.values.size(), "swigluOai");
    forEachElementRange(o.values.size(), [&](size_t begin, size_t end) {
        for (size_t i = begin; i < end; ++i) {
            const float x = std::min(g.values[i], limit);
            const float y = std::clamp(u.values[i], -limit, limit);
            o.values[i] = (x / (1.0f + std::exp(alpha * -x))) * (y + 1.0f);
        }
    });
}

void CpuBackend::scale(Tensor& x, float factor)
{
    for (float& v : asActs(x).values) v *= factor;
}

void CpuBackend::copyRows(const Tensor& x, int64_t first, Tensor& out)
{
    const auto& a = asActs(x);
    auto& o = asActs(out);
    requireShape(a.cols() == o.cols() && first >= 0 && first + o.rows() <= a.rows(), "copyRows");
    std::memcpy(o.values.data(), a.row(first), o.values.size() * sizeof(float));
}

void CpuBackend::copyColumns(const Tensor& x, Tensor& out, const ColumnCopy& c)
{
    const auto& a = asActs(x);
    auto& o = asActs(out);
    requireShape(a.rows() == o.rows() && c.count >= 0 && c.groups >= 1 && c.first >= 0 && c.outFirst >= 0 &&
                     c.first + (c.groups - 1) * c.stride + c.count <= a.cols() &&
                     c.outFirst + (c.groups - 1) * c.outStride + c.count <= o.cols(),
                 "copyColumns");
    for (int64_t r = 0; r < a.rows(); ++r)
        for (int64_t g = 0; g < c.groups; ++g)
            std::memcpy(o.row(r) + c.outFirst + g * c.outStride, a.row(r) + c.first + g * c.stride, size_t(c.count) * sizeof(float));
}

void CpuBackend::readRow(const Tensor& x, int64_t row, std::span<float> dst)
{
    const auto& a = asActs(x);
    requireShape(row >= 0 && row < a.rows() && int64_t(dst.size()) == a.cols(), "readRow");
    std::memcpy(dst.data(), a.row(row), dst.size_bytes());
}

void CpuBackend::writeRows(Tensor& x, std::span<const float> values)
{
    auto& o = asActs(x);
    requireShape(values.size() == o.values.size(), "writeRows");
    std::copy(values.begin(), values.end(), o.values.begin());
}

void CpuBackend::shiftKv(KvCache& cache, int64_t keep, int64_t discard, int64_t used, std::span<const RopeParams> layerRope)
{
    auto& c = static_cast<CpuKvCache&>(cache);
    requireShape(keep >= 0 && discard > 0 && keep + discard <= used && used <= c.slotCount() && int64_t(layerRope.size()) == c.layers() &&
                     !c.hasRings(),  // a ring's positions cannot be moved: the session recomputes instead
                 "shiftKv");
    for (int64_t layer = 0; layer < c.layers(); ++layer) {
        std::vector<float> key(size_t(c.kvDim(layer)));
        RopeParams rope = layerRope[size_t(layer)];
        rope.attnFactor = 1.0f;  // a re-rotation, not a second scaling
        if (rope.extFactor != 0) rope.attnFactor = 1.0f / (1.0f + 0.1f * std::log(1.0f / rope.freqScale));
        const int64_t heads = c.kvDim(layer) / rope.headDim;
        for (int64_t s = keep + discard; s < used; ++s) {
            c.move(layer, s, s - discard);
            if (rope.ropeDims == 0) continue;  // a layer without RoPE keeps its keys as they are
            // Keys carry their position in their rotation: turn them back by `discard`.
            c.load(true, layer, s - discard, 0, c.kvDim(layer), key.data());
            ropeVector(key.data(), heads, double(-discard), rope);
            c.store(true, layer, s - discard, key.data());
        }
    }
}

}  // namespace hearth
