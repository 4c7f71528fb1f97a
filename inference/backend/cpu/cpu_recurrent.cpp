// The CPU reference's recurrent ops (Gated DeltaNet, Qwen3.5): the causal convolution with its
// carried inputs, the gated delta rule token by token as ggml's CPU backend runs it, and the
// sigmoid output gate. Threads split channels and heads only, so results never depend on them.
#include "backend/cpu/cpu_backend.h"
#include "backend/cpu/cpu_tensors.h"

#include "quant/dequantize.h"

#include <cmath>
#include <cstring>

namespace hearth {

namespace {

class CpuRecurrentState : public RecurrentState {
public:
    CpuRecurrentState(int64_t convFloats, int64_t deltaFloats)
        : RecurrentState(convFloats, deltaFloats), conv(size_t(convFloats)), delta(size_t(deltaFloats))
    {
    }
    std::vector<float> conv, delta;
};

CpuRecurrentState& asState(RecurrentState& s) { return static_cast<CpuRecurrentState&>(s); }
const CpuRecurrentState& asState(const RecurrentState& s) { return static_cast<const CpuRecurrentState&>(s); }

// A small weight (a 1-D vector or the convolution's taps) as floats, whatever its file type.
std::vector<float> weightValues(const Tensor& t)
{
    const auto& w = asWeight(t);
    std::vector<float> values(size_t(w.rows() * w.cols()));
    for (int64_t r = 0; r < w.rows(); ++r) dequantizeRow(w.type, w.row(r), values.data() + r * w.cols(), w.cols());
    return values;
}

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }
float softplus(float x) { return x > 20.0f ? x : std::log(1.0f + std::exp(x)); }  // ggml's threshold

// ggml's L2 norm as llama.cpp builds it for DeltaNet: rms_norm with eps / n, then 1 / sqrt(n).
void l2Normalize(const float* x, int64_t n, float eps, float* out)
{
    float sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += x[i] * x[i];
    const float scale = 1.0f / std::sqrt(sum / float(n) + eps / float(n));
    const float tail = 1.0f / std::sqrt(float(n));
    for (int64_t i = 0; i < n; ++i) out[i] = x[i] * scale * tail;
}

}  // namespace

std::unique_ptr<RecurrentState> CpuBackend::recurrentState(int64_t convFloats, int64_t deltaFloats)
{
    return std::make_unique<CpuRecurrentState>(convFloats, deltaFloats);
}

void CpuBackend::readState(const RecurrentState& state, std::span<float> conv, std::span<float> delta)
{
    const auto& s = asState(state);
    requireShape(conv.size() == s.conv.size() && delta.size() == s.delta.size(), "readState");
    std::memcpy(conv.data(), s.conv.data(), conv.size_bytes());
    std::memcpy(delta.data(), s.delta.data(), delta.size_bytes());
}

void CpuBackend::writeState(RecurrentState& state, std::span<const float> conv, std::span<const float> delta)
{
    auto& s = asState(state);
    requireShape(conv.size() == s.conv.size() && delta.size() == s.delta.size(), "writeState");
    std::memcpy(s.conv.data(), conv.data(), conv.size_bytes());
    std::memcpy(s.delta.data(), delta.data(), delta.size_bytes());
}

void CpuBackend::causalConv(const Tensor& x, const Tensor& kernel, RecurrentState& state, Tensor& out)
{
    const auto& in = asActs(x);
    auto& o = asActs(out);
    auto& s = asState(state);
    const int64_t channels = in.cols(), taps = channels > 0 ? kernel.cols() / channels : 0, tokens = in.rows();
    requireShape(kernel.rows() == 1 && taps >= 2 && kernel.cols() == channels * taps && o.rows() == tokens && o.cols() == channels &&
                     s.conv.size() == size_t((taps - 1) * channels),
                 "causalConv");
    const std::vector<float> w = weightValues(kernel);
    // The state's rows followed by the input's: row i of this window is input t - (taps - 1) + i.
    auto input = [&](int64_t row, int64_t c) { return row < taps - 1 ? s.conv[size_t(row * channels + c)] : in.row(row - (taps - 1))[c]; };
    pool().parallelFor(channels, [&](int64_t begin, int64_t end) {
        for (int64_t c = begin; c < end; ++c) {
            const float* tap = w.data() + c * taps;
            for (int64_t t = 0; t < tokens; ++t) {
                float sum = 0;
                for (int64_t k = 0; k < taps; ++k) sum += input(t + k, c) * tap[k];
                o.row(t)[c] = sum / (1.0f + std::exp(-sum));
            }
        }
    });
    // Keep the last taps - 1 inputs (read before overwriting: the window may still need the old state).
    std::vector<float> last(s.conv.size());
    for (int64_t i = 0; i < taps - 1; ++i)
        for (int64_t c = 0; c < channels; ++c) last[size_t(i * channels + c)] = input(tokens + i, c);
    s.conv = std::move(last);
}

void CpuBackend::gatedDeltaRule(const Tensor& qkv, const Tensor& alpha, const Tensor& betaRaw, const Tensor& dtBias, const Tensor& decay,
                                RecurrentState& state, const DeltaRuleParams& p, Tensor& out)
{
    const auto& in = asActs(qkv);
    const auto& a = asActs(alpha);
    const auto& b = asActs(betaRaw);
    auto& o = asActs(out);
    auto& s = asState(state);
    const int64_t n = p.headDim, tokens = in.rows(), keyDim = p.keyHeads * n;
    requireShape(p.keyHeads > 0 && p.valueHeads % p.keyHeads == 0 && in.cols() == 2 * keyDim + p.valueHeads * n && a.rows() == tokens &&
                     a.cols() == p.valueHeads && b.rows() == tokens && b.cols() == p.valueHeads && o.rows() == tokens &&
                     o.cols() == p.valueHeads * n && s.delta.size() == size_t(p.valueHeads * n * n) && dtBias.cols() == p.valueHeads &&
                     decay.cols() == p.valueHeads,
                 "gatedDeltaRule");
    const std::vector<float> bias = weightValues(dtBias), decays = weightValues(decay);
    const float scale = 1.0f / std::sqrt(float(n));
    pool().parallelFor(p.valueHeads, [&](int64_t begin, int64_t end) {
        std::vector<float> q(static_cast<size_t>(n)), k(static_cast<size_t>(n));
        for (int64_t h = begin; h < end; ++h) {
            float* m = s.delta.data() + h * n * n;  // row j: S[.][j]
            const int64_t kh = h % p.keyHeads;
            for (int64_t t = 0; t < tokens; ++t) {
                const float* row = in.row(t);
                l2Normalize(row + kh * n, n, p.normEpsilon, q.data());
                l2Normalize(row + keyDim + kh * n, n, p.normEpsilon, k.data());
                const float* v = row + 2 * keyDim + h * n;
                const float g = std::exp(softplus(a.row(t)[h] + bias[size_t(h)]) * decays[size_t(h)]);
                const float beta = sigmoid(b.row(t)[h]);
                // Row j of the matrix on its own (one pass to decay it and read it along k, one to
                // move it by delta[j] and read it along q): each row's values and sums are those of
                // whole-matrix passes, in half the memory traffic.
                float* y = o.row(t) + h * n;
                for (int64_t j = 0; j < n; ++j) {
                    float* rowJ = m + j * n;
                    float sum = 0;
                    for (int64_t i = 0; i < n; ++i) {
                        rowJ[i] *= g;
                        sum += rowJ[i] * k[size_t(i)];
                    }
                    const float d = (v[j] - sum) * beta;
                    float result = 0;
                    for (int64_t i = 0; i < n; ++i) {
                        rowJ[i] += k[size_t(i)] * d;
                        result += rowJ[i] * q[size_t(i)];
                    }
                    y[j] = result * scale;
                }
            }
        }
    });
}

void CpuBackend::sigmoidGate(const Tensor& gate, const Tensor& x, Tensor& out)
{
    const auto& g = asActs(gate);
    const auto& in = asActs(x);
    auto& o = asActs(out);
    requireShape(g.values.size() == in.values.size() && o.values.size() == in.values.size(), "sigmoidGate");
    pool().parallelFor(o.rows(), [&](int64_t begin, int64_t end) {
        for (size_t i = size_t(begin * o.cols()); i < size_t(end * o.cols()); ++i) o.values[i] = in.values[i] * sigmoid(g.values[i]);
    });
}

}  // namespace hearth
