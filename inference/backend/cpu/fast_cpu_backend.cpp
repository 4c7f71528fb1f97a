#include "backend/cpu/fast_cpu_backend.h"

#include "backend/cpu/cpu_isa.h"
#include "backend/cpu/cpu_tensors.h"
#include "core/error.h"
#include "quant/vec_dot.h"

#include <algorithm>

namespace hearth {

namespace {

// Prefill tiles: a block of weight rows stays in L1/L2 while a block of tokens' activations
// passes over it, so each weight byte is read from memory once per token block, not per token.
constexpr int64_t kRowTile = 16;
constexpr int64_t kTokenTile = 64;

}  // namespace

FastCpuBackend::FastCpuBackend(unsigned threads) : CpuBackend(threads == 0 ? physicalCoreCount() : threads), m_kernels(chosenKernelTable())
{
}

std::string FastCpuBackend::name() const { return "cpu (" + std::string(m_kernels.isa) + ", " + std::to_string(threads()) + " threads)"; }

void FastCpuBackend::matmul(const Tensor& weight, const Tensor& x, Tensor& out)
{
    const auto& w = asWeight(weight);
    const auto& in = asActs(x);
    auto& o = asActs(out);
    if (!(in.cols() == w.cols() && o.rows() == in.rows() && o.cols() == w.rows()))
        throw Error(ErrorCode::InvalidArgument, "cpu backend: shape mismatch in matmul");
    const GgmlType actType = activationTypeFor(w.type);
    const int64_t tokens = in.rows(), cols = w.cols();
    const size_t actRowBytes = rowBytes(actType, cols);
    m_quantized.resize(actRowBytes * size_t(tokens));
    const cpu_kernels::QuantizeFn quantize = m_kernels.quantize[cpu_kernels::slot(actType)];
    auto quantizeRows = [&](int64_t begin, int64_t end) {
        for (int64_t t = begin; t < end; ++t) {
            uint8_t* dst = m_quantized.data() + size_t(t) * actRowBytes;
            if (quantize) {
                quantize(in.row(t), cols, dst);
            } else {
                thread_local std::vector<uint8_t> row;
                row.clear();
                quantizeActivations(actType, in.row(t), cols, row);
                std::copy(row.begin(), row.end(), dst);
            }
        }
    };
    if (tokens > 1) pool().parallelFor(tokens, quantizeRows);
    else quantizeRows(0, tokens);

    const cpu_kernels::DotFn kernel = m_kernels.dot[cpu_kernels::slot(w.type)];
    const cpu_kernels::Dot4Fn kernel4 = m_kernels.dot4[cpu_kernels::slot(w.type)];
    const GgmlType type = w.type;
    auto dot = [&](const uint8_t* row, int64_t t) {
        const uint8_t* a = m_quantized.data() + size_t(t) * actRowBytes;
        return kernel ? kernel(row, a, cols) : vecDot(type, row, a, cols);
    };
    pool().parallelFor(w.rows(), [&](int64_t begin, int64_t end) {
        if (tokens == 1) {
            float* result = o.row(0);
            for (int64_t r = begin; r < end; ++r) result[r] = dot(w.row(r), 0);
            return;
        }
        for (int64_t rowTile = begin; rowTile < end; rowTile += kRowTile)
            for (int64_t tokenTile = 0; tokenTile < tokens; tokenTile += kTokenTile) {
                const int64_t tokenEnd = std::min(tokens, tokenTile + kTokenTile);
                for (int64_t r = rowTile; r < std::min(end, rowTile + kRowTile); ++r) {
                    int64_t t = tokenTile;
                    if (kernel4)
                        for (; t + 4 <= tokenEnd; t += 4) {
                            float four[4];
                            kernel4(w.row(r), m_quantized.data() + size_t(t) * actRowBytes, actRowBytes, cols, four);
                            for (int k = 0; k < 4; ++k) o.row(t + k)[r] = four[k];
                        }
                    for (; t < tokenEnd; ++t) o.row(t)[r] = dot(w.row(r), t);
                }
            }
    });
}

}  // namespace hearth
