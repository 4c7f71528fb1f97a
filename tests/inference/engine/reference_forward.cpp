#include "reference_forward.h"

#include "quant/dequantize.h"

#include <cmath>
#include <stdexcept>

namespace hearth::test {

ReferenceForward::ReferenceForward(const GgufFile& file) : m_file(file), m_config(ModelConfig::fromGguf(file))
{
    m_keys.resize(size_t(m_config.layers));
    m_values.resize(size_t(m_config.layers));
}

ReferenceForward::Matrix ReferenceForward::load(const std::string& name, bool optional) const
{
    const GgufTensorInfo* t = m_file.findTensor(name);
    if (!t) {
        if (optional) return {};
        throw std::runtime_error("reference: missing " + name);
    }
    std::vector<float> f(static_cast<size_t>(t->elementCount));
    dequantizeRow(t->type, m_file.tensorData(*t).data(), f.data(), int64_t(t->elementCount));
    return Matrix(f.begin(), f.end());
}

std::vector<double> ReferenceForward::matVec(const Matrix& w, const std::vector<double>& x, size_t rows) const
{
    std::vector<double> y(rows, 0.0);
    for (size_t r = 0; r < rows; ++r)
        for (size_t c = 0; c < x.size(); ++c) y[r] += w[r * x.size() + c] * x[c];
    return y;
}

std::vector<double> ReferenceForward::rmsNorm(const std::vector<double>& x, const Matrix& w) const
{
    double sum = 0;
    for (double v : x) sum += v * v;
    const double scale = 1.0 / std::sqrt(sum / double(x.size()) + m_config.rmsEpsilon);
    std::vector<double> y(x.size());
    for (size_t i = 0; i < x.size(); ++i) y[i] = x[i] * scale * w[i];
    return y;
}

void ReferenceForward::rope(std::vector<double>& v, size_t heads, int position) const
{
    const size_t d = size_t(m_config.headDim), rotated = size_t(m_config.ropeDims);
    for (size_t h = 0; h < heads; ++h)
        for (size_t i = 0; i < rotated / 2; ++i) {
            const double theta = position * std::pow(double(m_config.ropeBase), -2.0 * double(i) / double(rotated));
            const bool neox = m_config.ropeStyle == RopeStyle::NeoX;
            const size_t a = h * d + (neox ? i : 2 * i), b = h * d + (neox ? i + rotated / 2 : 2 * i + 1);
            const double x0 = v[a], x1 = v[b];
            v[a] = x0 * std::cos(theta) - x1 * std::sin(theta);
            v[b] = x0 * std::sin(theta) + x1 * std::cos(theta);
        }
}

std::vector<double> ReferenceForward::step(TokenId token)
{
    const auto& c = m_config;
    const size_t embd = size_t(c.embedding), kvDim = size_t(c.kvDim()), hd = size_t(c.headDim);
    Matrix embedding = load("token_embd.weight");
    std::vector<double> x(embedding.begin() + token * c.embedding, embedding.begin() + (token + 1) * c.embedding);
    for (int64_t l = 0; l < c.layers; ++l) {
        const std::string p = "blk." + std::to_string(l) + ".";
        auto h = rmsNorm(x, load(p + "attn_norm.weight"));
        auto q = matVec(load(p + "attn_q.weight"), h, size_t(c.qDim()));
        auto k = matVec(load(p + "attn_k.weight"), h, kvDim);
        auto v = matVec(load(p + "attn_v.weight"), h, kvDim);
        if (auto b = load(p + "attn_q.bias", true); !b.empty())
            for (size_t i = 0; i < q.size(); ++i) q[i] += b[i];
        if (auto b = load(p + "attn_k.bias", true); !b.empty())
            for (size_t i = 0; i < k.size(); ++i) k[i] += b[i];
        if (auto b = load(p + "attn_v.bias", true); !b.empty())
            for (size_t i = 0; i < v.size(); ++i) v[i] += b[i];
        if (c.qkNorm) {  // Qwen3: each head of Q and K RMS-normalized on its own, before RoPE
            const Matrix qn = load(p + "attn_q_norm.weight"), kn = load(p + "attn_k_norm.weight");
            auto perHead = [&](std::vector<double>& heads, const Matrix& w) {
                for (size_t head = 0; head < heads.size() / hd; ++head) {
                    std::vector<double> one(heads.begin() + long(head * hd), heads.begin() + long((head + 1) * hd));
                    one = rmsNorm(one, w);
                    std::copy(one.begin(), one.end(), heads.begin() + long(head * hd));
                }
            };
            perHead(q, qn);
            perHead(k, kn);
        }
        rope(q, size_t(c.heads), m_position);
        rope(k, size_t(c.kvHeads), m_position);
        auto& keys = m_keys[size_t(l)];
        auto& values = m_values[size_t(l)];
        keys.insert(keys.end(), k.begin(), k.end());
        values.insert(values.end(), v.begin(), v.end());
        const size_t positions = size_t(m_position) + 1, group = size_t(c.heads / c.kvHeads);
        std::vector<double> attended(size_t(c.qDim()), 0.0);
        for (size_t head = 0; head < size_t(c.heads); ++head) {
            const size_t kvh = head / group;
            std::vector<double> scores(positions);
            double maxScore = -1e300;
            for (size_t s = 0; s < positions; ++s) {
                double dot = 0;
                for (size_t i = 0; i < hd; ++i) dot += q[head * hd + i] * keys[s * kvDim + kvh * hd + i];
                scores[s] = dot / std::sqrt(double(hd));
                maxScore = std::max(maxScore, scores[s]);
            }
            double sum = 0;
            for (auto& s : scores) sum += s = std::exp(s - maxScore);
            for (size_t s = 0; s < positions; ++s)
                for (size_t i = 0; i < hd; ++i) attended[head * hd + i] += scores[s] / sum * values[s * kvDim + kvh * hd + i];
        }
        auto projected = matVec(load(p + "attn_output.weight"), attended, embd);
        for (size_t i = 0; i < embd; ++i) x[i] += projected[i];
        h = rmsNorm(x, load(p + "ffn_norm.weight"));
        auto gate = matVec(load(p + "ffn_gate.weight"), h, size_t(c.feedForward));
        auto up = matVec(load(p + "ffn_up.weight"), h, size_t(c.feedForward));
        for (size_t i = 0; i < gate.size(); ++i) gate[i] = gate[i] / (1.0 + std::exp(-gate[i])) * up[i];
        auto down = matVec(load(p + "ffn_down.weight"), gate, embd);
        for (size_t i = 0; i < embd; ++i) x[i] += down[i];
    }
    auto h = rmsNorm(x, load("output_norm.weight"));
    Matrix output = load("output.weight", true);
    if (output.empty()) output = embedding;  // tied
    ++m_position;
    return matVec(output, h, output.size() / embd);
}

}  // namespace hearth::test
