#include "backend/cpu/fast_cpu_backend.h"

#include "backend/cpu/cpu_isa.h"
#include "backend/cpu/fast_attention.h"
#include "backend/cpu/cpu_tensors.h"
#include "core/error.h"
#include "quant/dequantize.h"
#include "quant/vec_dot.h"

#include <algorithm>
#include <array>
#include <cstring>

#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace hearth {

// A weight that may carry a copy of its rows in the kernels' interleaved layout. The copy is made
// on the first matrix product, and then the mapped file's pages of those rows leave the resident
// set: the process holds one copy of the weights, not two. Small tensors (norms, biases) are
// copied at load, so that reading them never maps the file pages around them (the kernel maps
// page-cache folios whole, up to megabytes of neighbouring, already packed weights).
class FastCpuWeight : public CpuWeight {
public:
    using CpuWeight::CpuWeight;
    mutable std::shared_ptr<const PackedBytes> packed;  // rows / kPackRows groups; the rest stay in `data`
    mutable bool packingTried = false;
    std::vector<uint8_t> ownedCopy;
};

namespace {

// The 2 MiB-aligned stretch around [begin, begin + bytes), clipped to the whole pages of the
// tensor [tensor, tensor + tensorBytes), dropped from the resident set. A kernel that maps the
// page cache's large folios maps up to 2 MiB around one small read (6.18 on ext4 did: each
// embedding row a prompt looked up kept ~1 MiB resident until the table was packed). Clipped to
// the tensor, so only the file's mapping is touched: past its ends could lie our own anonymous
// memory, which MADV_DONTNEED would zero.
void releaseFileStretch(const uint8_t* tensor, size_t tensorBytes, const uint8_t* begin, size_t bytes)
{
#if defined(__unix__) || defined(__APPLE__)
    constexpr uintptr_t stretch = uintptr_t(2) << 20;
    const auto page = uintptr_t(sysconf(_SC_PAGESIZE));
    const uintptr_t low = (uintptr_t(tensor) + page - 1) / page * page, high = (uintptr_t(tensor) + tensorBytes) / page * page;
    const uintptr_t first = std::max(low, uintptr_t(begin) / stretch * stretch),
                    last = std::min(high, (uintptr_t(begin) + bytes + stretch - 1) / stretch * stretch);
    if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
#else
    (void)tensor;
    (void)tensorBytes;
    (void)begin;
    (void)bytes;
#endif
}

// The whole pages inside [begin, begin + bytes) dropped from the resident set: the pages at its
// ends may hold other tensors too. The mapping stays valid: a later read (an embedding row of a
// tied table) faults the page in again. (The stretch clipped to the range itself.)
void releaseFilePages(const uint8_t* begin, size_t bytes) { releaseFileStretch(begin, bytes, begin, bytes); }

// Prefill tiles: a block of weight rows stays in L1/L2 while a block of tokens' activations
// passes over it, so each weight byte is read from memory once per token block, not per token.
constexpr int64_t kRowTile = 16;
constexpr int64_t kTokenTile = 64;
// The eight-row kernels' results for a tile of tokens, one buffer per thread for the process's
// life (the pool's threads persist): no allocation per call.
std::vector<float>& manyRowsScratch()
{
    thread_local std::vector<float> scratch;
    return scratch;
}
// Tensors up to this size are copied out of the file at load.
constexpr size_t kCopiedTensorBytes = 64 << 10;

}  // namespace

AttentionKernels fastAttentionKernels(const cpu_kernels::KernelTable& table)
{
    AttentionKernels k = referenceAttentionKernels();
    const AttentionKernels& simd = table.attention;
    if (simd.dot) k.dot = simd.dot;
    if (simd.halvesToFloats) k.halvesToFloats = simd.halvesToFloats;
    k.halvesToFloatsRows = simd.halvesToFloatsRows;
    if (simd.accumulate) k.accumulate = simd.accumulate;
    if (simd.rescale) k.rescale = simd.rescale;
    k.dotRows = simd.dotRows;  // (the many-slot steps have loops over the single ones as fallback)
    k.dotQueriesRows = simd.dotQueriesRows;
    k.accumulateRows = simd.accumulateRows;
    k.scaleAccumulateRows = simd.scaleAccumulateRows;
    k.scaleAccumulateRowsHeads = simd.scaleAccumulateRowsHeads;
    k.expScores = simd.expScores;
    k.slotExponents = simd.slotExponents;
    return k;
}

FastCpuBackend::FastCpuBackend(unsigned threads) : CpuBackend(threads == 0 ? physicalCoreCount() : threads), m_kernels(chosenKernelTable())
{
    m_attentionKernels = fastAttentionKernels(m_kernels);
}

void FastCpuBackend::swiglu(const Tensor& gate, const Tensor& up, Tensor& out)
{
    const auto kernel = m_kernels.swiglu;
    if (!kernel) return CpuBackend::swiglu(gate, up, out);
    const auto& g = asActs(gate);
    const auto& u = asActs(up);
    auto& o = asActs(out);
    requireShape(g.values.size() == u.values.size() && o.values.size() == g.values.size(), "swiglu");
    forEachElementRange(o.values.size(), [&](size_t begin, size_t end) {
        kernel(g.values.data() + begin, u.values.data() + begin, o.values.data() + begin, int64_t(end - begin));
    });
}

void FastCpuBackend::attention(const Tensor& q, const KvCache& cache, int64_t layer, int64_t firstSlot, const AttentionParams& p,
                               Tensor& out)
{
    const auto& qs = asActs(q);
    auto& o = asActs(out);
    requireShape(qs.cols() == p.heads * p.headDim && o.cols() == qs.cols() && o.rows() == qs.rows(), "attention");
    fastCpuAttention(pool(), qs, static_cast<const CpuKvCache&>(cache), layer, firstSlot, p, o, m_attentionKernels);
}

std::unique_ptr<Tensor> FastCpuBackend::weight(const GgufTensorInfo& info, std::span<const uint8_t> data)
{
    auto plain = CpuBackend::weight(info, data);  // its checks and shape
    const auto& w = asWeight(*plain);
    auto fast = std::make_unique<FastCpuWeight>(w.rows(), w.cols(), w.type, w.data);
    if (data.size() <= kCopiedTensorBytes) {
        fast->ownedCopy.assign(data.begin(), data.end());
        fast->data = fast->ownedCopy.data();
        releaseFilePages(data.data(), data.size());
    }
    return fast;
}

void FastCpuBackend::getRows(const Tensor& table, std::span<const TokenId> ids, Tensor& out)
{
    const auto& w = static_cast<const FastCpuWeight&>(table);
    auto found = m_packedByData.find(w.data);
    const auto packed = found == m_packedByData.end() ? nullptr : found->second.lock();
    if (!packed) {
        CpuBackend::getRows(table, ids, out);
        if (w.ownedCopy.empty())
            for (const TokenId id : ids) releaseFileStretch(w.data, size_t(w.rows()) * w.rowBytes, w.row(id), w.rowBytes);
        return;
    }
    // A tied table already packed for the output matrix: read the rows from the packed copy
    // rather than fault the file's pages back in.
    auto& o = asActs(out);
    requireShape(o.rows() == int64_t(ids.size()) && o.cols() == w.cols(), "getRows");
    std::vector<uint8_t>& row = m_rowBuffer;
    row.resize(w.rowBytes);
    constexpr int64_t group = cpu_kernels::kPackRows;
    const int64_t packedRows = int64_t(packed->size() / w.rowBytes);
    for (size_t t = 0; t < ids.size(); ++t) {
        const TokenId id = ids[t];
        if (id < 0 || id >= w.rows())
            throw Error(ErrorCode::InvalidArgument, "token id " + std::to_string(id) + " is outside the embedding table");
        const uint8_t* source = w.row(id);
        if (id < packedRows) {
            cpu_kernels::unpackPackedRow(w.type, packed->data() + size_t(id / group) * group * w.rowBytes, int(id % group), w.cols(),
                                         row.data());
            source = row.data();
        }
        dequantizeRow(w.type, source, o.row(int64_t(t)), w.cols());
    }
}

void FastCpuBackend::pack(const FastCpuWeight& w)
{
    w.packingTried = true;
    const size_t typeSlot = cpu_kernels::slot(w.type);
    if (!m_kernels.repack[typeSlot] || w.rows() < cpu_kernels::kPackRows) return;
    if (auto found = m_packedByData.find(w.data); found != m_packedByData.end())
        if (auto shared = found->second.lock()) {
            w.packed = shared;
            return;
        }
    const int64_t groups = w.rows() / cpu_kernels::kPackRows, cols = w.cols();
    auto packed = std::make_shared<PackedBytes>(size_t(groups) * cpu_kernels::kPackRows * w.rowBytes);
    // Slice by slice, each slice's file pages released once packed: the peak holds one slice
    // twice, not the whole matrix (the output matrix alone can be gigabytes).
    const int64_t groupsPerSlice = std::max<int64_t>(1, (int64_t(8) << 20) / int64_t(cpu_kernels::kPackRows * w.rowBytes));
    for (int64_t slice = 0; slice < groups; slice += groupsPerSlice) {
        const int64_t sliceEnd = std::min(groups, slice + groupsPerSlice);
        pool().parallelFor(sliceEnd - slice, [&](int64_t begin, int64_t end) {
            for (int64_t g = slice + begin; g < slice + end; ++g)
                m_kernels.repack[typeSlot](w.row(g * cpu_kernels::kPackRows), w.rowBytes, cols,
                                           packed->data() + size_t(g) * cpu_kernels::kPackRows * w.rowBytes);
        });
        if (w.ownedCopy.empty())  // never on our own copy: that would zero it
            releaseFilePages(w.row(slice * cpu_kernels::kPackRows), size_t(sliceEnd - slice) * cpu_kernels::kPackRows * w.rowBytes);
    }
    w.packed = packed;
    m_packedByData[w.data] = packed;
}

std::string FastCpuBackend::name() const { return "cpu (" + std::string(m_kernels.isa) + ", " + std::to_string(threads()) + " threads)"; }

void FastCpuBackend::quantizeInput(const Tensor& x, GgmlType actType)
{
    const auto& in = asActs(x);
    const int64_t tokens = in.rows(), cols = in.cols();
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
}

void FastCpuBackend::matmulRows(const Tensor& weight, int64_t firstRow, const Tensor& x, Tensor& out)
{
    const auto& w = asWeight(weight);
    const auto& in = asActs(x);
    auto& o = asActs(out);
    requireShape(in.cols() == w.cols() && o.rows() == in.rows() && firstRow >= 0 && firstRow + o.cols() <= w.rows(), "matmul");
    const int64_t rowCount = o.cols();
    const GgmlType actType = activationTypeFor(w.type);
    const int64_t tokens = in.rows(), cols = w.cols();
    const size_t actRowBytes = rowBytes(actType, cols);
    quantizeInput(x, actType);

    const auto& fast = static_cast<const FastCpuWeight&>(w);
    if (!fast.packingTried) pack(fast);
    if (fast.packed) {
        const PackedProduct product {&fast, firstRow, &out};
        matmulPacked(std::span(&product, 1), tokens);
        return;
    }

    const cpu_kernels::DotFn kernel = m_kernels.dot[cpu_kernels::slot(w.type)];
    const cpu_kernels::Dot4Fn kernel4 = m_kernels.dot4[cpu_kernels::slot(w.type)];
    const cpu_kernels::DotManyFn kernelMany = m_kernels.dotMany[cpu_kernels::slot(w.type)];
    const cpu_kernels::DotManyRowsFn kernelManyRows = m_kernels.dotManyRows[cpu_kernels::slot(w.type)];
    const size_t weightRowBytes = rowBytes(w.type, cols);
    static_assert(kTokenTile <= cpu_kernels::kMaxManyTokens);
    const GgmlType type = w.type;
    auto dot = [&](const uint8_t* row, int64_t t) {
        const uint8_t* a = m_quantized.data() + size_t(t) * actRowBytes;
        return kernel ? kernel(row, a, cols) : vecDot(type, row, a, cols);
    };
    if (tokens > 1 && kernelManyRows && kernelMany) {
        // A prompt on the grid IQ types: groups of eight rows, each group's blocks decoded once
        // for a tile of tokens; a last partial group row by row.
        constexpr int64_t group = cpu_kernels::kPackRows;
        pool().parallelFor((rowCount + group - 1) / group, [&](int64_t begin, int64_t end) {
            constexpr int64_t tile = cpu_kernels::kMaxManyRowsTokens;
            std::vector<float>& many = manyRowsScratch();
            many.resize(size_t(tile * group));  // allocates once per thread
            for (int64_t tokenTile = 0; tokenTile < tokens; tokenTile += tile) {
                const int tileTokens = int(std::min(tokens - tokenTile, tile));
                const uint8_t* acts = m_quantized.data() + size_t(tokenTile) * actRowBytes;
                for (int64_t g = begin; g < end; ++g) {
                    const int64_t first = g * group, count = std::min(group, rowCount - first);
                    if (count == group) {
                        kernelManyRows(w.row(firstRow + first), weightRowBytes, acts, actRowBytes, cols, tileTokens, many.data());
                        for (int t = 0; t < tileTokens; ++t)
                            for (int64_t k = 0; k < group; ++k) o.row(tokenTile + t)[first + k] = many[t * group + k];
                        continue;
                    }
                    for (int64_t r = first; r < first + count; ++r) {
                        for (int64_t t0 = 0; t0 < tileTokens; t0 += kTokenTile) {  // dotMany takes fewer tokens
                            const int part = int(std::min<int64_t>(tileTokens - t0, kTokenTile));
                            kernelMany(w.row(firstRow + r), acts + size_t(t0) * actRowBytes, actRowBytes, cols, part, many.data());
                            for (int t = 0; t < part; ++t) o.row(tokenTile + t0 + t)[r] = many[size_t(t)];
                        }
                    }
                }
            }
        });
        return;
    }
    pool().parallelFor(rowCount, [&](int64_t begin, int64_t end) {
        if (tokens == 1) {
            float* result = o.row(0);
            for (int64_t r = begin; r < end; ++r) result[r] = dot(w.row(firstRow + r), 0);
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
                            kernel4(w.row(firstRow + r), m_quantized.data() + size_t(t) * actRowBytes, actRowBytes, cols, four);
                            for (int k = 0; k < 4; ++k) o.row(t + k)[r] = four[k];
                        }
                    for (; t < tokenEnd; ++t) o.row(t)[r] = dot(w.row(firstRow + r), t);
                }
            }
    });
}

void FastCpuBackend::matmulSharedInput(const Tensor& x, std::span<const MatmulTarget> targets)
{
    // The targets whose weights are packed, by weight type: each type's products share one
    // quantization of x and one parallelFor. The others go one by one.
    auto packedWeight = [&](const MatmulTarget& t) -> const FastCpuWeight* {
        const auto& w = static_cast<const FastCpuWeight&>(asWeight(*t.weight));
        if (!w.packingTried) pack(w);
        const bool shaped = w.cols() == asActs(x).cols() && asActs(*t.out).rows() == asActs(x).rows() && asActs(*t.out).cols() == w.rows();
        return shaped && w.packed ? &w : nullptr;
    };
    std::array<PackedProduct, 8> same;
    std::array<bool, 8> done {};
    if (targets.size() > done.size()) return Backend::matmulSharedInput(x, targets);
    for (size_t i = 0; i < targets.size(); ++i) {
        if (done[i]) continue;
        const FastCpuWeight* lead = packedWeight(targets[i]);
        if (!lead) {
            matmul(*targets[i].weight, x, *targets[i].out);  // checks the shapes, says what is wrong
            continue;
        }
        size_t count = 0;
        for (size_t j = i; j < targets.size(); ++j) {
            const FastCpuWeight* w = done[j] ? nullptr : packedWeight(targets[j]);
            if (w && w->type == lead->type) {
                same[count++] = {w, 0, targets[j].out};
                done[j] = true;
            }
        }
        quantizeInput(x, activationTypeFor(lead->type));
        matmulPacked(std::span(same.data(), count), asActs(x).rows());
    }
}

void FastCpuBackend::matmulPacked(std::span<const PackedProduct> products, int64_t tokens)
{
    const FastCpuWeight& first = *products[0].weight;  // every product has this weight type and width
    const int64_t cols = first.cols();
    const size_t typeSlot = cpu_kernels::slot(first.type);
    const GgmlType actType = activationTypeFor(first.type);
    const size_t actRowBytes = rowBytes(actType, cols);
    // Per token: the 32-blocks' float scales and offset sums (Q8_1's s too), or Q8_K's sub-block
    // sums in pairs.
    const bool superBlocks = actType == GgmlType::Q8_K;
    const int64_t blocks = superBlocks ? cols / 256 : cols / 32, offsetsPerToken = superBlocks ? 4 * blocks : blocks;
    m_scales.resize(superBlocks ? 0 : size_t(tokens * blocks));
    m_sums.resize(actType == GgmlType::Q8_1 ? size_t(tokens * blocks) : 0);
    m_offsets.resize(size_t(tokens * offsetsPerToken));
    m_prepared.resize(size_t(tokens));
    for (int64_t t = 0; t < tokens; ++t) {
        const auto perToken = [t, blocks](std::vector<float>& v) { return v.empty() ? nullptr : v.data() + t * blocks; };
        m_prepared[size_t(t)] =
            cpu_kernels::prepareToken(actType, m_quantized.data() + size_t(t) * actRowBytes, blocks, m_kernels.packOffset[typeSlot],
                                      perToken(m_scales), m_offsets.data() + t * offsetsPerToken, perToken(m_sums));
    }
    auto& prepared = m_prepared;
    const auto dot1 = m_kernels.packedDot1[typeSlot], dot4 = m_kernels.packedDot4[typeSlot];
    const auto pairDot4 = m_kernels.packedPairDot4[typeSlot];
    constexpr int64_t group = cpu_kernels::kPackRows;
    // Per product, the whole groups inside the rows asked for (an expert's rows start on a group
    // in every real model; the rows outside whole groups are done one by one below), numbered
    // one after another across the products so that one parallelFor covers them all.
    struct Span {
        int64_t firstGroup, endGroup, before;  // before: the groups of the products ahead of it
    };
    std::array<Span, 8> spans {};
    int64_t total = 0;
    for (size_t i = 0; i < products.size(); ++i) {
        const PackedProduct& p = products[i];
        const int64_t rowEnd = p.firstRow + asActs(*p.out).cols();
        const int64_t firstGroup = (p.firstRow + group - 1) / group, endGroup = std::min(p.weight->rows() / group, rowEnd / group);
        spans[i] = {firstGroup, std::max(firstGroup, endGroup), total};
        total += spans[i].endGroup - firstGroup;
    }
    const size_t groupBytes = size_t(group) * first.rowBytes;
    auto run = [&](const PackedProduct& p, int64_t begin, int64_t end) {  // groups [begin, end) of p
        auto& o = asActs(*p.out);
        float results[4 * 2 * group];
        constexpr int64_t groupTile = kRowTile / group;
        static_assert(groupTile == 2, "a tile of groups is one pair for packedPairDot4");
        for (int64_t tileStart = begin; tileStart < end; tileStart += groupTile)
            for (int64_t tokenTile = 0; tokenTile < tokens; tokenTile += kTokenTile) {
                const int64_t tokenEnd = std::min(tokens, tokenTile + kTokenTile);
                int64_t pairedTokens = tokenTile;  // tokens the pair kernel has done for both groups
                if (pairDot4 && tileStart + 2 <= end) {
                    const uint8_t* packed = p.weight->packed->data() + size_t(tileStart) * groupBytes;
                    const int64_t column = tileStart * group - p.firstRow;
                    for (; pairedTokens + 4 <= tokenEnd; pairedTokens += 4) {
                        pairDot4(packed, groupBytes, cols, prepared.data() + pairedTokens, results);
                        for (int64_t k = 0; k < 4; ++k)
                            std::memcpy(o.row(pairedTokens + k) + column, results + k * 2 * group, 2 * group * sizeof(float));
                    }
                }
                for (int64_t g = tileStart; g < std::min(end, tileStart + groupTile); ++g) {
                    const uint8_t* packed = p.weight->packed->data() + size_t(g) * groupBytes;
                    const int64_t column = g * group - p.firstRow;
                    int64_t t = pairedTokens;
                    for (; t + 4 <= tokenEnd; t += 4) {
                        dot4(packed, cols, prepared.data() + t, results);
                        for (int64_t k = 0; k < 4; ++k) std::memcpy(o.row(t + k) + column, results + k * group, group * sizeof(float));
                    }
                    for (; t < tokenEnd; ++t) {
                        dot1(packed, cols, prepared.data() + t, results);
                        std::memcpy(o.row(t) + column, results, group * sizeof(float));
                    }
                }
            }
    };
    if (total > 0)
        pool().parallelFor(total, [&](int64_t begin, int64_t end) {
            for (size_t i = 0; i < products.size(); ++i) {
                const Span& s = spans[i];
                const int64_t from = std::max(begin, s.before), to = std::min(end, s.before + (s.endGroup - s.firstGroup));
                if (from < to) run(products[i], s.firstGroup + (from - s.before), s.firstGroup + (to - s.before));
            }
        });
    // The rows outside those groups (past the last whole group, or a range not on a group), one
    // by one from the file.
    const auto kernel = m_kernels.dot[typeSlot];
    for (size_t i = 0; i < products.size(); ++i) {
        const PackedProduct& p = products[i];
        auto& o = asActs(*p.out);
        const int64_t rowEnd = p.firstRow + o.cols();
        const Span& s = spans[i];
        const int64_t groupedBegin = s.endGroup > s.firstGroup ? s.firstGroup * group : rowEnd,
                      groupedEnd = s.endGroup > s.firstGroup ? s.endGroup * group : rowEnd;
        // Only the rows before and after the groups: a loop over every row that skipped the grouped
        // ones took 152k steps per token on a vocabulary-sized output matrix.
        auto byRow = [&](int64_t from, int64_t to) {
            for (int64_t r = from; r < to; ++r)
                for (int64_t t = 0; t < tokens; ++t)
                    o.row(t)[r - p.firstRow] = kernel
                        ? kernel(p.weight->row(r), m_quantized.data() + size_t(t) * actRowBytes, cols)
                        : vecDot(p.weight->type, p.weight->row(r), m_quantized.data() + size_t(t) * actRowBytes, cols);
        };
        byRow(p.firstRow, groupedBegin);
        byRow(groupedEnd, rowEnd);
    }
}

}  // namespace hearth
