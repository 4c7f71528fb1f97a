#include "backend/vulkan/vulkan_backend.h"

#include "kernel_tiles.h"
#include "push_constants.h"

#include "backend/vulkan/vk_command_stream.h"
#include "backend/vulkan/vk_pipelines.h"
#include "backend/vulkan/vk_weight_layout.h"
#include "core/error.h"
#include "quant/dequantize.h"
#include "quant/iq_dequantize.h"
#include "quant/iq_grids.h"
#include "quant/vec_dot.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>

namespace hearth {

using namespace vk;

namespace {

constexpr VkDeviceSize kAlignment = 256;  // >= every device's minStorageBufferOffsetAlignment
constexpr VkDeviceSize kArenaChunk = 32ull << 20;
constexpr VkDeviceSize kStagingBytes = 64ull << 20;
constexpr uint32_t kMaxGroups = 65535;  // the smallest maxComputeWorkGroupCount Vulkan allows
// The shaders' push-constant layouts, from the header they are compiled with (`uint` as in GLSL).
namespace push {
using uint = std::uint32_t;
struct Elementwise {
    HEARTH_PUSH_ELEMENTWISE
};
struct GetRows {
    HEARTH_PUSH_GET_ROWS
};
struct SwigluOai {
    HEARTH_PUSH_SWIGLU_OAI
};
struct WeightedRowSum {
    HEARTH_PUSH_WEIGHTED_ROW_SUM
};
struct RmsNorm {
    HEARTH_PUSH_RMS_NORM
};
struct Matmul {
    HEARTH_PUSH_MATMUL
};
struct Scale {
    HEARTH_PUSH_SCALE
};
struct RoundActivations {
    HEARTH_PUSH_ROUND_ACTIVATIONS
};
struct Rope {
    HEARTH_PUSH_ROPE
};
struct TopLogits {
    HEARTH_PUSH_TOP_LOGITS
};
struct StoreKvRope {
    HEARTH_PUSH_STORE_KV_ROPE
};
struct StoreKv {
    HEARTH_PUSH_STORE_KV
};
struct CopyColumns {
    HEARTH_PUSH_COPY_COLUMNS
};
struct Attention {
    HEARTH_PUSH_ATTENTION
};
struct AttentionReduce {
    HEARTH_PUSH_ATTENTION_REDUCE
};
struct RopeCachedKeys {
    HEARTH_PUSH_ROPE_CACHED_KEYS
};
struct CausalConv {
    HEARTH_PUSH_CAUSAL_CONV
};
struct DeltaRule {
    HEARTH_PUSH_DELTA_RULE
};
static_assert(sizeof(Matmul) <= vk::kPushConstantBytes && sizeof(Attention) <= vk::kPushConstantBytes);
}  // namespace push

// The shaders' tile sizes, from the header they are compiled with.
constexpr uint32_t kMatmulTokens = HEARTH_MATMUL_TOKENS;
constexpr uint32_t kRowKernelTokens = HEARTH_ROW_KERNEL_TOKENS;
constexpr uint32_t kQ8UnitWords = HEARTH_Q8_UNIT_WORDS;

VkDeviceSize alignUp(VkDeviceSize v, VkDeviceSize a) { return (v + a - 1) / a * a; }
uint32_t ceilDiv(uint64_t a, uint64_t b) { return uint32_t((a + b - 1) / b); }

void require(bool ok, const char* op)
{
    if (!ok) throw Error(ErrorCode::InvalidArgument, std::string("vulkan backend: shape mismatch in ") + op);
}

// Bump allocation out of a few large buffers, reset when a forward pass's tensors are gone.
class Arena {
public:
    Arena(Context& context, MemoryKind kind) : m_context(context), m_kind(kind) { }
    struct Slice {
        Buffer* buffer;
        VkDeviceSize offset;
    };
    Slice allocate(VkDeviceSize bytes)
    {
        bytes = alignUp(std::max<VkDeviceSize>(bytes, 4), kAlignment);
        for (size_t i = 0; i < m_chunks.size(); ++i)
            if (m_used[i] + bytes <= m_chunks[i]->size()) {
                Slice s {m_chunks[i].get(), m_used[i]};
                m_used[i] += bytes;
                return s;
            }
        // Chunks of 32 MiB, less on a small device, more for one large tensor.
        const VkDeviceSize chunk = std::min(kArenaChunk, std::max<VkDeviceSize>(m_context.deviceHeapBytes() / 16, 1u << 16));
        const VkDeviceSize size = std::min(std::max(bytes, chunk), m_context.maxBindingBytes());
        m_chunks.push_back(std::make_unique<Buffer>(m_context, size, m_kind));
        m_used.push_back(bytes);
        return {m_chunks.back().get(), 0};
    }
    void reset() { std::fill(m_used.begin(), m_used.end(), 0); }

private:
    Context& m_context;
    MemoryKind m_kind;
    std::vector<std::unique_ptr<Buffer>> m_chunks;
    std::vector<VkDeviceSize> m_used;
};

// A region of a buffer as a shader binds it: an aligned binding plus the element (4-byte word)
// where the region starts inside it.
struct View {
    Binding binding;
    uint32_t element = 0;
};

}  // namespace

struct VulkanBackend::Impl {
    explicit Impl(const VulkanBackendOptions& options)
        : context({options.device, options.validation, options.bindingLimit, options.mapDeviceMemory, options.gpuMatmulKernels,
                   options.memoryLimit, options.integerDotKernels}),
          pipelines(context), deviceArena(context, MemoryKind::Device), hostArena(context, MemoryKind::Upload),
          stream(context, pipelines, options.earlySubmit)
    {
    }

    Context context;
    Pipelines pipelines;
    Arena deviceArena, hostArena;
    std::unique_ptr<Buffer> readback;
    std::unique_ptr<Buffer> roundedActivations;  // matmul inputs rounded as ggml rounds them (reused)
    std::unique_ptr<Buffer> quantizedActivations;  // matmul inputs as Q8_1 blocks for the integer-dot kernels (reused)
    std::unique_ptr<Buffer> topScratch, topReadback;  // bestOfRow's (shaders/kernel_tiles.h has the layout)
    std::unique_ptr<Buffer> iqGrids;  // the IQ types' lookup grids (shaders/iq_grids.glsl), made on first use
    const Buffer& grids()
    {
        if (!iqGrids) {
            const std::vector<uint32_t> words = iq::packedGridWords();
            iqGrids = std::make_unique<Buffer>(context, words.size() * 4, MemoryKind::Upload);
            std::memcpy(iqGrids->mapped(), words.data(), words.size() * 4);
        }
        return *iqGrids;
    }
    // Inside matmulSharedInput: the last matmul input prepared (rounded or quantized) into the
    // scratch buffers, which the next product of the same input and kind reads again.
    struct SharedInput {
        const Tensor* x = nullptr;
        int64_t firstToken = -1;
        int kind = -1;
        View view;
    };
    bool sharingInput = false;
    SharedInput sharedInput;
    const Tensor* readbackOf = nullptr;
    uint64_t readbackEpoch = 0;
    std::map<std::vector<float>, std::unique_ptr<Buffer>> frequencyTables;
    // HEARTH_VK_ATTENTION_SPLIT=N: attention's KV parts forced (1: never split), for tests and tuning.
    int64_t attentionSplit = [] {
        const char* v = std::getenv("HEARTH_VK_ATTENTION_SPLIT");
        return v ? std::atoll(v) : 0;
    }();
    std::function<void(uint64_t)> progress;
    uint64_t uploadedBytes = 0;
    int64_t liveActivations = 0;
    CommandStream stream;  // last: destroyed first, waiting for work that uses the buffers above

    View view(Buffer& buffer, VkDeviceSize begin, VkDeviceSize bytes, bool written) const
    {
        const VkDeviceSize aligned = begin / kAlignment * kAlignment;
        const VkDeviceSize range = std::max<VkDeviceSize>(begin + bytes - aligned, 4);
        if (range > context.maxBindingBytes())
            throw Error(ErrorCode::OutOfMemory,
                        "vulkan backend: a tensor of " + std::to_string(bytes) + " bytes is larger than the device's binding limit of " +
                            std::to_string(context.maxBindingBytes()));
        return {{buffer.handle(), aligned, range, written}, uint32_t((begin - aligned) / 4)};
    }

    void releaseActivations();
    // The rows of x rounded for a matmul with `weightType` into the reused scratch buffer, or x
    // itself for F32 weights (round_activations.comp says how).
    View roundedForMatmul(GgmlType weightType, const View& x, int64_t rows, int64_t cols);
    // The rows of x quantized to 8-bit blocks as ggml quantizes them for `weightType`
    // (quantize_q8_1.comp) for the integer-dot kernels, in the reused scratch buffer; each row
    // is cols / 32 * HEARTH_Q8_UNIT_WORDS words.
    View quantizedForDot(GgmlType weightType, const View& x, int64_t rows, int64_t cols);
    // out = f(a, b) element by element for add.comp / swiglu.comp (same bindings and push constants).
    void binary(const char* shader, const Tensor& a, const Tensor& b, Tensor& out);
    Buffer& frequencies(const RopeParams& p);
    void elementwise(const char* name, std::span<const Binding> bindings, const void* push, size_t pushBytes, uint64_t count)
    {
        const Pipeline& pipeline = pipelines.get(name);
        const uint32_t groups = ceilDiv(count, pipeline.workgroupSize);
        const uint32_t x = std::min(groups, kMaxGroups);
        stream.dispatch(pipeline, bindings, push, pushBytes, x, ceilDiv(groups, x));
    }
};

namespace {

struct WeightPiece {
    std::unique_ptr<Buffer> buffer;
    int64_t firstRow = 0, rows = 0;
};

class VkWeight : public Tensor {
public:
    VkWeight(std::shared_ptr<VulkanBackend::Impl> owner, int64_t rows, int64_t cols) : Tensor(rows, cols), impl(std::move(owner)) { }
    ~VkWeight() override
    {
        impl->stream.flushForTeardown("freeing a weight");  // no recorded command may outlive the memory it reads
    }
    std::shared_ptr<VulkanBackend::Impl> impl;
    GgmlType type = GgmlType::F32;
    DeviceWeightLayout layout;
    uint32_t rowWords = 0;
    bool isVector = false;  // a 1-row tensor (norm weight, bias) kept as F32 values
    std::vector<WeightPiece> pieces;
    // This weight type's kernels, resolved once at upload (not looked up by name per dispatch).
    const Pipeline* matvec = nullptr;
    const Pipeline* matmul = nullptr;
    const Pipeline* getRows = nullptr;
    // The integer-dot kernels (matmul_dot.comp), where the device uses them for this type; else null.
    const Pipeline* dotMatvec = nullptr;
    const Pipeline* dotMatmul = nullptr;
    bool readsGrids = false;  // an IQ type whose kernels read the grid buffer (binding 3)
};

class VkActivations : public Tensor {
public:
    VkActivations(std::shared_ptr<VulkanBackend::Impl> owner, int64_t rows, int64_t cols) : Tensor(rows, cols), impl(std::move(owner)) { }
    ~VkActivations() override
    {
        if (dedicated) impl->stream.flushForTeardown("freeing an activation buffer");
        dedicated.reset();
        impl->releaseActivations();
    }
    std::shared_ptr<VulkanBackend::Impl> impl;
    Buffer* buffer = nullptr;
    VkDeviceSize offset = 0;
    std::unique_ptr<Buffer> dedicated;  // tensors larger than an arena chunk

    VkDeviceSize rowBytes() const { return VkDeviceSize(cols()) * 4; }
    View rowsView(int64_t first, int64_t count, bool written) const
    {
        return impl->view(*buffer, offset + VkDeviceSize(first) * rowBytes(), VkDeviceSize(count) * rowBytes(), written);
    }
    View whole(bool written) const { return rowsView(0, rows(), written); }
};

class VkKvCache : public KvCache {
public:
    VkKvCache(std::shared_ptr<VulkanBackend::Impl> owner, int64_t layers, int64_t slots, int64_t kvDim, std::span<const int64_t> rings,
              bool keysOnly, std::span<const int64_t> layerKvDims)
        : KvCache(layers, slots, kvDim, rings, keysOnly, layerKvDims), impl(std::move(owner))
    {
    }
    // A layer's values: the keys' buffer when the values are the keys.
    const Buffer& valuesOf(int64_t layer) const { return keysOnly() ? *keys[size_t(layer)] : *values[size_t(layer)]; }
    ~VkKvCache() override { impl->stream.flushForTeardown("freeing the KV cache"); }
    std::shared_ptr<VulkanBackend::Impl> impl;
    std::vector<std::unique_ptr<Buffer>> keys, values;  // per layer: [slot][kvDim] F16
    VkDeviceSize layerBytes(int64_t layer) const { return VkDeviceSize(layerSlots(layer)) * VkDeviceSize(kvDim(layer)) * 2; }
};

// A recurrent layer's state in device memory: the convolution's carried inputs and the delta
// rule's matrices (at least a word each: Vulkan has no empty buffers).
class VkRecurrentState : public RecurrentState {
public:
    VkRecurrentState(std::shared_ptr<VulkanBackend::Impl> owner, int64_t convFloats, int64_t deltaFloats)
        : RecurrentState(convFloats, deltaFloats), impl(std::move(owner)),
          conv(std::make_unique<Buffer>(impl->context, VkDeviceSize(std::max<int64_t>(convFloats, 1)) * 4, MemoryKind::Device)),
          delta(std::make_unique<Buffer>(impl->context, VkDeviceSize(std::max<int64_t>(deltaFloats, 1)) * 4, MemoryKind::Device))
    {
    }
    ~VkRecurrentState() override { impl->stream.flushForTeardown("freeing a recurrent state"); }
    std::shared_ptr<VulkanBackend::Impl> impl;
    std::unique_ptr<Buffer> conv, delta;
};

const VkWeight& asWeight(const Tensor& t) { return static_cast<const VkWeight&>(t); }
const VkActivations& asActs(const Tensor& t) { return static_cast<const VkActivations&>(t); }

Binding wholeBuffer(const Buffer& buffer, bool written) { return {buffer.handle(), 0, buffer.size(), written}; }

}  // namespace

void VulkanBackend::Impl::binary(const char* shader, const Tensor& a, const Tensor& b, Tensor& out)
{
    const auto& x = asActs(a);
    const auto& y = asActs(b);
    const auto& o = asActs(out);
    const int64_t n = x.rows() * x.cols();
    require(y.rows() * y.cols() == n && o.rows() * o.cols() == n, shader);
    const View xv = x.whole(false), yv = y.whole(false), ov = o.whole(true);
    push::Elementwise push {uint32_t(n), xv.element, yv.element, ov.element, 0};
    const Binding bindings[] = {xv.binding, yv.binding, ov.binding};
    elementwise(shader, bindings, &push, sizeof push, push.count);
}

void VulkanBackend::Impl::releaseActivations()
{
    if (--liveActivations > 0) return;
    // Every tensor of the forward pass is gone: wait for work still using the arenas, then reuse them.
    stream.flushForTeardown("reusing the activation arenas");
    deviceArena.reset();
    hostArena.reset();
}

View VulkanBackend::Impl::roundedForMatmul(GgmlType weightType, const View& x, int64_t rows, int64_t cols)
{
    // ggml converts activations to its vec_dot_type before the dot product; the same rounding
    // here keeps the GPU's results with llama.cpp's (and the CPU reference's) instead of merely near them.
    uint32_t mode = 0, block = 1;
    switch (activationTypeFor(weightType)) {
    case GgmlType::F32: return x;
    case GgmlType::F16: mode = 0; break;
    case GgmlType::BF16: mode = 1; break;
    case GgmlType::Q8_0:
    case GgmlType::Q8_1: mode = 2, block = 32; break;
    default: mode = 3, block = 256; break;  // Q8_K
    }
    const VkDeviceSize bytes = VkDeviceSize(rows) * VkDeviceSize(cols) * 4;
    if (!roundedActivations || roundedActivations->size() < bytes) {
        if (roundedActivations) stream.flushForTeardown("growing the rounded-activation buffer");
        roundedActivations = std::make_unique<Buffer>(context, std::max<VkDeviceSize>(bytes, VkDeviceSize(1) << 20), MemoryKind::Device);
    }
    const View out = view(*roundedActivations, 0, bytes, true);
    push::RoundActivations push {uint32_t(uint64_t(rows) * uint64_t(cols) / block), mode, x.element, out.element};
    const Binding bindings[] = {x.binding, out.binding};
    elementwise("round_activations", bindings, &push, sizeof push, push.units);
    return view(*roundedActivations, 0, bytes, false);
}

View VulkanBackend::Impl::quantizedForDot(GgmlType weightType, const View& x, int64_t rows, int64_t cols)
{
    const uint64_t units = uint64_t(rows) * uint64_t(cols) / 32;
    const VkDeviceSize bytes = VkDeviceSize(units) * kQ8UnitWords * 4;
    const bool q8k = activationTypeFor(weightType) == GgmlType::Q8_K;  // quantize_q8_1.comp's mode 1: 256 values per invocation
    if (!quantizedActivations || quantizedActivations->size() < bytes) {
        if (quantizedActivations) stream.flushForTeardown("growing the quantized-activation buffer");
        quantizedActivations =
            std::make_unique<Buffer>(context, std::max<VkDeviceSize>(bytes, VkDeviceSize(256) << 10), MemoryKind::Device);
    }
    const View out = view(*quantizedActivations, 0, bytes, true);
    push::RoundActivations push {uint32_t(q8k ? units / 8 : units), q8k ? 1u : 0u, x.element, out.element};
    const Binding bindings[] = {x.binding, out.binding};
    elementwise("quantize_q8_1", bindings, &push, sizeof push, push.units);
    return view(*quantizedActivations, 0, bytes, false);
}

Buffer& VulkanBackend::Impl::frequencies(const RopeParams& p)
{
    // mix * thetaScale^i / factor[i] (mix: freqScale, or YaRN's blend of it with 1), the same
    // float recurrence as the CPU reference.
    const float thetaScale = std::pow(p.base, -2.0f / float(p.ropeDims));
    std::vector<float> table(size_t(p.ropeDims / 2));
    float theta = 1.0f;
    for (size_t i = 0; i < table.size(); ++i) {
        table[i] = ropeYarnMix(p, int64_t(i)) * (theta / (p.freqFactors ? p.freqFactors[i] : 1.0f));
        theta *= thetaScale;
    }
    auto& slot = frequencyTables[table];
    if (!slot) {
        slot = std::make_unique<Buffer>(context, table.size() * 4, MemoryKind::Upload);
        std::memcpy(slot->mapped(), table.data(), table.size() * 4);
    }
    return *slot;
}

VulkanBackend::VulkanBackend(const VulkanBackendOptions& options) : m(std::make_shared<Impl>(options))
{
    // A test-only switch: this kernel's results are made wrong on purpose (the self-test must catch it).
    if (const char* broken = std::getenv("HEARTH_VK_BREAK_KERNEL")) m_brokenKernel = broken;
}

void VulkanBackend::breakForTests(const char* kernel, Tensor& out)
{
    if (!m_brokenKernel.empty() && m_brokenKernel == kernel) scale(out, 1.25f);
}

VulkanBackend::~VulkanBackend() { m->stream.flushForTeardown("closing the backend"); }

std::string VulkanBackend::name() const { return "vulkan (" + m->context.info().name + ")"; }
const vk::DeviceInfo& VulkanBackend::device() const { return m->context.info(); }
uint64_t VulkanBackend::deviceBytesPeak() const { return m->context.deviceBytesPeak(); }
std::vector<std::string> VulkanBackend::validationErrors() const { return m->context.instance().validationErrors(); }
bool VulkanBackend::validationEnabled() const { return m->context.instance().validationEnabled(); }
bool VulkanBackend::integerDotKernels() const { return m->context.integerDotKernels(); }
uint64_t VulkanBackend::earlySubmissions() const { return m->stream.earlySubmissions(); }
void VulkanBackend::setUploadProgress(std::function<void(uint64_t)> progress) { m->progress = std::move(progress); }

void VulkanBackend::prepareForWeights(uint64_t weightBytes)
{
    m->uploadedBytes = 0;  // progress counts this model's upload
    const Context& c = m->context;
    const uint64_t heap = c.deviceHeapBytes(), used = c.deviceBytesInUse();
    if (weightBytes + used > heap)
        throw Error(ErrorCode::OutOfMemory,
                    "the model does not fit " + c.info().name + ": its weights need " + std::to_string(weightBytes >> 20) +
                        " MiB, the device has " + std::to_string(heap >> 20) + " MiB (" + std::to_string(used >> 20) +
                        " MiB in use). Put fewer of its layers on the GPU (GPU offload, --gpu-layers), choose a smaller (more quantized) "
                        "model or another device, or run on the CPU backend.");
}

std::unique_ptr<Tensor> VulkanBackend::weight(const GgufTensorInfo& info, std::span<const uint8_t> data)
{
    if (info.dimCount > 2)
        throw Error(ErrorCode::InvalidFile,
                    "tensor '" + std::string(info.name) + "' has " + std::to_string(info.dimCount) + " dimensions; weights have 1 or 2");
    const int64_t cols = int64_t(info.dims[0]), rows = int64_t(info.dims[1]);
    auto w = std::make_unique<VkWeight>(m, rows, cols);
    w->type = info.type;
    w->layout = deviceWeightLayout(info.type);  // throws for types without kernels
    Context& context = m->context;
    m->stream.flush();

    if (rows == 1) {  // norm weights and biases: F32 values, whatever the file stores
        std::vector<float> values(static_cast<size_t>(cols));
        dequantizeRow(info.type, data.data(), values.data(), cols);
        w->isVector = true;
        WeightPiece piece {std::make_unique<Buffer>(context, VkDeviceSize(cols) * 4, MemoryKind::Device), 0, 1};
        if (piece.buffer->mapped()) {
            std::memcpy(piece.buffer->mapped(), values.data(), values.size() * 4);
        } else {
            Buffer staging(context, VkDeviceSize(cols) * 4, MemoryKind::Upload);
            std::memcpy(staging.mapped(), values.data(), values.size() * 4);
            m->stream.copy(staging.handle(), 0, piece.buffer->handle(), 0, VkDeviceSize(cols) * 4);
            m->stream.flush();
        }
        w->pieces.push_back(std::move(piece));
        return w;
    }

    const bool plain = ggmlTypeTraits(info.type).blockElements == 1;  // plain rows are zero-padded to 16
    if (!plain && cols % w->layout.blockElements != 0)
        throw Error(ErrorCode::UnsupportedType,
                    "tensor '" + std::string(info.name) + "': the Vulkan kernels need rows of a multiple of " +
                        std::to_string(w->layout.blockElements) + " values, it has " + std::to_string(cols));
    m->pipelines.prepareWeightType(w->layout.kernelType);
    w->readsGrids = iqTypeUsesGrids(info.type);
    if (w->readsGrids) m->grids();
    const std::string family = m->pipelines.rowPerInvocation() ? "rows_" : "";
    w->matvec = &m->pipelines.get("matvec_" + family + w->layout.kernelType);
    w->matmul = &m->pipelines.get("matmul_" + family + w->layout.kernelType);
    w->getRows = &m->pipelines.get("get_rows_" + w->layout.kernelType);
    w->dotMatvec = m->pipelines.find("matvec_dot_" + w->layout.kernelType);
    w->dotMatmul = m->pipelines.find("matmul_dot_" + w->layout.kernelType);
    w->rowWords = uint32_t((cols + w->layout.blockElements - 1) / w->layout.blockElements) * w->layout.blockWords;
    const VkDeviceSize deviceRowBytes = VkDeviceSize(w->rowWords) * 4;
    const size_t fileRowBytes = rowBytes(info.type, cols);
    const int64_t rowsPerPiece = int64_t(context.maxBindingBytes() / deviceRowBytes);
    if (rowsPerPiece == 0)
        throw Error(ErrorCode::OutOfMemory, "tensor '" + std::string(info.name) + "': one row is larger than the device's binding limit");

    std::unique_ptr<Buffer> staging;
    for (int64_t first = 0; first < rows; first += rowsPerPiece) {
        WeightPiece piece {nullptr, first, std::min(rowsPerPiece, rows - first)};
        piece.buffer = std::make_unique<Buffer>(context, VkDeviceSize(piece.rows) * deviceRowBytes, MemoryKind::Device);
        if (uint8_t* target = piece.buffer->mapped()) {
            std::memset(target, 0, VkDeviceSize(piece.rows) * deviceRowBytes);  // the padding of plain rows
            for (int64_t r = 0; r < piece.rows; ++r)
                repackRow(info.type, data.data() + size_t(first + r) * fileRowBytes, cols,
                          reinterpret_cast<uint32_t*>(target + VkDeviceSize(r) * deviceRowBytes));
            m->uploadedBytes += VkDeviceSize(piece.rows) * deviceRowBytes;
            if (m->progress) m->progress(m->uploadedBytes);
        } else {
            // Stream through a staging buffer, a batch of whole rows at a time.
            const int64_t batchRows = std::max<int64_t>(1, int64_t(kStagingBytes / deviceRowBytes));
            if (!staging)
                staging =
                    std::make_unique<Buffer>(context, VkDeviceSize(std::min(batchRows, piece.rows)) * deviceRowBytes, MemoryKind::Upload);
            const int64_t stagingRows = int64_t(staging->size() / deviceRowBytes);
            for (int64_t r0 = 0; r0 < piece.rows; r0 += stagingRows) {
                const int64_t n = std::min(stagingRows, piece.rows - r0);
                std::memset(staging->mapped(), 0, VkDeviceSize(n) * deviceRowBytes);
                for (int64_t r = 0; r < n; ++r)
                    repackRow(info.type, data.data() + size_t(first + r0 + r) * fileRowBytes, cols,
                              reinterpret_cast<uint32_t*>(staging->mapped() + VkDeviceSize(r) * deviceRowBytes));
                m->stream.copy(staging->handle(), 0, piece.buffer->handle(), VkDeviceSize(r0) * deviceRowBytes,
                               VkDeviceSize(n) * deviceRowBytes);
                m->stream.flush();
                m->uploadedBytes += VkDeviceSize(n) * deviceRowBytes;
                if (m->progress) m->progress(m->uploadedBytes);
            }
        }
        w->pieces.push_back(std::move(piece));
    }
    return w;
}

std::unique_ptr<Tensor> VulkanBackend::activations(int64_t rows, int64_t cols)
{
    auto t = std::make_unique<VkActivations>(m, rows, cols);
    const VkDeviceSize bytes = VkDeviceSize(rows) * VkDeviceSize(cols) * 4;
    if (bytes > m->context.maxBindingBytes()) {
        t->dedicated = std::make_unique<Buffer>(m->context, bytes, MemoryKind::Device);
        t->buffer = t->dedicated.get();
    } else {
        auto slice = m->deviceArena.allocate(bytes);
        t->buffer = slice.buffer;
        t->offset = slice.offset;
    }
    ++m->liveActivations;
    return t;
}

std::unique_ptr<KvCache> VulkanBackend::kvCache(int64_t layers, int64_t slots, int64_t kvDim, bool f16, std::span<const int64_t> layerSlots,
                                                bool keysOnly, std::span<const int64_t> layerKvDims)
{
    if (!f16)
        throw Error(ErrorCode::InvalidArgument, "the Vulkan backend keeps the KV cache in F16; drop --f32-cache or use --backend cpu");
    auto cache = std::make_unique<VkKvCache>(m, layers, slots, kvDim, layerSlots, keysOnly, layerKvDims);
    VkDeviceSize largest = 0;
    for (int64_t l = 0; l < layers; ++l) largest = std::max(largest, cache->layerBytes(l));
    if (largest > m->context.maxBindingBytes())
        throw Error(ErrorCode::OutOfMemory,
                    "a context of " + std::to_string(slots) + " tokens needs " + std::to_string(largest >> 20) +
                        " MiB of keys per layer, more than " + m->context.info().name + " can bind at once (" +
                        std::to_string(m->context.maxBindingBytes() >> 20) + " MiB); use a smaller context");
    for (int64_t l = 0; l < layers; ++l) {
        // A layer without a cache (a recurrent one) still gets a word: Vulkan has no empty buffers.
        const VkDeviceSize bytes = std::max<VkDeviceSize>(cache->layerBytes(l), 4);
        cache->keys.push_back(std::make_unique<Buffer>(m->context, bytes, MemoryKind::Device));
        if (!keysOnly) cache->values.push_back(std::make_unique<Buffer>(m->context, bytes, MemoryKind::Device));
    }
    return cache;
}

void VulkanBackend::getRows(const Tensor& table, std::span<const TokenId> ids, Tensor& out)
{
    const auto& w = asWeight(table);
    const auto& o = asActs(out);
    require(!w.isVector && o.rows() == int64_t(ids.size()) && o.cols() == w.cols(), "getRows");
    for (TokenId id : ids)
        if (id < 0 || id >= w.rows())
            throw Error(ErrorCode::InvalidArgument, "token id " + std::to_string(id) + " is outside the embedding table");
    auto slice = m->hostArena.allocate(ids.size_bytes());
    std::memcpy(slice.buffer->mapped() + slice.offset, ids.data(), ids.size_bytes());
    const View idView = m->view(*slice.buffer, slice.offset, ids.size_bytes(), false);
    const View outView = o.whole(true);
    const Pipeline& pipeline = *w.getRows;
    for (const WeightPiece& piece : w.pieces) {
        push::GetRows push {uint32_t(w.cols()),       w.rowWords,          0, idView.element, outView.element,
                            uint32_t(piece.firstRow), uint32_t(piece.rows)};
        const Binding bindings[] = {wholeBuffer(*piece.buffer, false), idView.binding, outView.binding,
                                    w.readsGrids ? wholeBuffer(*m->iqGrids, false) : Binding {}};
        m->stream.dispatch(pipeline, std::span(bindings, w.readsGrids ? 4 : 3), &push, sizeof push, uint32_t(ids.size()));
    }
}

void VulkanBackend::rmsNorm(const Tensor& x, const Tensor& weight, float eps, Tensor& out)
{
    const auto& in = asActs(x);
    const auto& w = asWeight(weight);
    const auto& o = asActs(out);
    require(w.isVector && w.cols() > 0 && in.cols() % w.cols() == 0 && o.cols() == in.cols() && o.rows() == in.rows(), "rmsNorm");
    // Rows are contiguous, so a row of heads is as many rows of one head each for the kernel.
    const View a = in.whole(false), r = o.whole(true);
    push::RmsNorm push {uint32_t(w.cols()), a.element, 0, r.element, eps};
    const Binding bindings[] = {a.binding, wholeBuffer(*w.pieces[0].buffer, false), r.binding};
    m->stream.dispatch(m->pipelines.get("rms_norm"), bindings, &push, sizeof push, uint32_t(in.rows() * (in.cols() / w.cols())));
    breakForTests("rms_norm", out);
}

void VulkanBackend::matmulRows(const Tensor& weight, int64_t firstRow, const Tensor& x, Tensor& out)
{
    const auto& w = asWeight(weight);
    const auto& in = asActs(x);
    const auto& o = asActs(out);
    require(!w.isVector && in.cols() == w.cols() && o.rows() == in.rows() && firstRow >= 0 && firstRow + o.cols() <= w.rows(), "matmul");
    const int64_t tokens = in.rows(), rowEnd = firstRow + o.cols();
    const bool decode = tokens == 1;
    const bool integerDot = w.dotMatvec != nullptr;  // matmul_dot.comp: matmul.comp's tiles
    const bool rowPerInvocation = m->pipelines.rowPerInvocation() && !integerDot;
    const Pipeline& pipeline = integerDot ? *(decode ? w.dotMatvec : w.dotMatmul) : *(decode ? w.matvec : w.matmul);
    const uint32_t tokensPerGroup = decode ? 1 : rowPerInvocation ? kRowKernelTokens : kMatmulTokens;
    const uint32_t rowsPerGroup = rowPerInvocation ? pipeline.workgroupSize : pipeline.rows;
    const uint32_t xStride = integerDot ? uint32_t(in.cols() / 32 * kQ8UnitWords) : uint32_t(in.cols());
    // Very long activations (e.g. logits for every prompt position) are bound a slice of tokens at a time.
    const VkDeviceSize limit = m->context.maxBindingBytes() - kAlignment;
    const int64_t chunk =
        std::max<int64_t>(kMatmulTokens, int64_t(std::min(limit / in.rowBytes(), limit / o.rowBytes())) / kMatmulTokens * kMatmulTokens);
    for (int64_t t0 = 0; t0 < tokens; t0 += chunk) {
        const int64_t count = std::min(chunk, tokens - t0);
        // The kind of input this weight's kernel reads: the integer-dot kernels' Q8_1/Q8_K blocks,
        // or the activation type the float kernels round to.
        const GgmlType activations = activationTypeFor(w.type);
        const int kind = integerDot ? (activations == GgmlType::Q8_K ? 1 : 0) : 2 + int(activations);
        Impl::SharedInput& shared = m->sharedInput;
        const bool reuse = m->sharingInput && shared.x == &x && shared.firstToken == t0 && shared.kind == kind;
        const View xv = reuse ? shared.view
            : integerDot      ? m->quantizedForDot(w.type, in.rowsView(t0, count, false), count, in.cols())
                              : m->roundedForMatmul(w.type, in.rowsView(t0, count, false), count, in.cols());
        if (m->sharingInput) shared = {&x, t0, kind, xv};
        const View ov = o.rowsView(t0, count, true);
        for (const WeightPiece& piece : w.pieces) {
            // The part of the rows asked for that this piece holds.
            const int64_t begin = std::max(firstRow, piece.firstRow), end = std::min(rowEnd, piece.firstRow + piece.rows);
            if (begin >= end) continue;
            const uint32_t groups = ceilDiv(uint64_t(end - begin), rowsPerGroup);
            for (uint32_t g0 = 0; g0 < groups; g0 += kMaxGroups) {
                push::Matmul push {uint32_t(w.cols()),
                                   uint32_t(end - begin),
                                   uint32_t(count),
                                   w.rowWords,
                                   uint32_t(begin - piece.firstRow) * w.rowWords,
                                   xv.element,
                                   xStride,
                                   ov.element,
                                   uint32_t(o.cols()),
                                   uint32_t(begin - firstRow),
                                   g0};
                const Binding bindings[] = {wholeBuffer(*piece.buffer, false), xv.binding, ov.binding,
                                            w.readsGrids ? wholeBuffer(*m->iqGrids, false) : Binding {}};
                m->stream.dispatch(pipeline, std::span(bindings, w.readsGrids ? 4 : 3), &push, sizeof push,
                                   std::min(kMaxGroups, groups - g0), ceilDiv(uint64_t(count), tokensPerGroup));
            }
        }
    }
    breakForTests("matmul", out);
}

void VulkanBackend::matmulSharedInput(const Tensor& x, std::span<const MatmulTarget> targets)
{
    // x is rounded or quantized once for every product that reads it the same way (the scratch
    // buffer is rewritten only when the kind changes, after a barrier the stream puts in).
    m->sharingInput = true;
    m->sharedInput = {};
    try {
        for (const MatmulTarget& t : targets) matmul(*t.weight, x, *t.out);
    } catch (...) {
        m->sharingInput = false;
        throw;
    }
    m->sharingInput = false;
}

void VulkanBackend::addBiasRow(Tensor& x, const Tensor& biases, int64_t row)
{
    const auto& o = asActs(x);
    const auto& b = asWeight(biases);
    require(b.cols() == o.cols() && row >= 0 && row < b.rows(), "addBias");
    const View in = o.whole(false), out = o.whole(true);
    // A table of biases (one row per expert) is stored as a weight: F32 rows rowWords apart.
    const WeightPiece* piece = &b.pieces[0];
    uint32_t offset = 0;
    if (!b.isVector) {
        if (b.type != GgmlType::F32)
            throw Error(ErrorCode::UnsupportedType,
                        "vulkan backend: a table of biases must be F32, not " + std::string(ggmlTypeTraits(b.type).name));
        for (const WeightPiece& p : b.pieces)
            if (row >= p.firstRow && row < p.firstRow + p.rows) piece = &p;
        offset = uint32_t(row - piece->firstRow) * b.rowWords;
    }
    push::Elementwise push {uint32_t(o.rows() * o.cols()), in.element, offset, out.element, uint32_t(b.cols())};
    const Binding bindings[] = {in.binding, wholeBuffer(*piece->buffer, false), out.binding};
    m->elementwise("add", bindings, &push, sizeof push, push.count);
}

void VulkanBackend::gatherRows(const Tensor& x, std::span<const int32_t> rows, Tensor& out)
{
    const auto& a = asActs(x);
    const auto& o = asActs(out);
    require(a.cols() == o.cols() && o.rows() == int64_t(rows.size()), "gatherRows");
    for (size_t i = 0; i < rows.size(); ++i) {
        require(rows[i] >= 0 && rows[i] < a.rows(), "gatherRows");
        m->stream.copy(a.buffer->handle(), a.offset + VkDeviceSize(rows[i]) * a.rowBytes(), o.buffer->handle(),
                       o.offset + VkDeviceSize(i) * o.rowBytes(), a.rowBytes());
    }
}

void VulkanBackend::scatterRows(const Tensor& x, std::span<const int32_t> rows, Tensor& out)
{
    const auto& a = asActs(x);
    const auto& o = asActs(out);
    require(a.cols() == o.cols() && a.rows() == int64_t(rows.size()), "scatterRows");
    for (size_t i = 0; i < rows.size(); ++i) {
        require(rows[i] >= 0 && rows[i] < o.rows(), "scatterRows");
        m->stream.copy(a.buffer->handle(), a.offset + VkDeviceSize(i) * a.rowBytes(), o.buffer->handle(),
                       o.offset + VkDeviceSize(rows[i]) * o.rowBytes(), a.rowBytes());
    }
}

void VulkanBackend::weightedRowSum(const Tensor& x, std::span<const float> weights, int64_t k, Tensor& out)
{
    const auto& a = asActs(x);
    const auto& o = asActs(out);
    require(k > 0 && a.cols() == o.cols() && a.rows() == o.rows() * k && int64_t(weights.size()) == a.rows(), "weightedRowSum");
    auto slice = m->hostArena.allocate(weights.size_bytes());
    std::memcpy(slice.buffer->mapped() + slice.offset, weights.data(), weights.size_bytes());
    const View wv = m->view(*slice.buffer, slice.offset, weights.size_bytes(), false);
    const View xv = a.whole(false), ov = o.whole(true);
    push::WeightedRowSum push {uint32_t(o.rows() * o.cols()), uint32_t(o.cols()), uint32_t(k), xv.element, wv.element, ov.element};
    const Binding bindings[] = {xv.binding, wv.binding, ov.binding};
    m->elementwise("weighted_row_sum", bindings, &push, sizeof push, push.count);
}

void VulkanBackend::add(const Tensor& a, const Tensor& b, Tensor& out) { m->binary("add", a, b, out); }

void VulkanBackend::rope(Tensor& x, std::span<const int32_t> positions, const RopeParams& p)
{
    const auto& o = asActs(x);
    require(int64_t(positions.size()) == o.rows() && o.cols() % p.headDim == 0 && p.ropeDims <= p.headDim, "rope");
    auto slice = m->hostArena.allocate(positions.size_bytes());
    std::memcpy(slice.buffer->mapped() + slice.offset, positions.data(), positions.size_bytes());
    const View pv = m->view(*slice.buffer, slice.offset, positions.size_bytes(), false);
    const View xv = o.whole(true);
    Buffer& frequencies = m->frequencies(p);
    const uint32_t heads = uint32_t(o.cols() / p.headDim);
    push::Rope push {uint32_t(o.rows()), heads, uint32_t(p.headDim), uint32_t(p.ropeDims), p.neox ? 1u : 0u, xv.element,
                     pv.element,         0,     ropeMagnitude(p)};
    const Binding bindings[] = {xv.binding, pv.binding, wholeBuffer(frequencies, false)};
    m->elementwise("rope", bindings, &push, sizeof push, uint64_t(o.rows()) * heads * uint64_t(p.ropeDims / 2));
}

void VulkanBackend::storeKv(KvCache& cache, int64_t layer, const Tensor& k, const Tensor& v, int64_t firstSlot)
{
    auto& c = static_cast<VkKvCache&>(cache);
    const auto& ks = asActs(k);
    const auto& vs = asActs(v);
    require(layer >= 0 && layer < c.layers() && ks.cols() == c.kvDim(layer) && vs.cols() == c.kvDim(layer) && vs.rows() == ks.rows() &&
                c.kvDim(layer) % 2 == 0 && firstSlot >= 0 && firstSlot + ks.rows() <= c.slotCount(),
            "storeKv");
    // Without values, the keys go to both destinations of the one buffer (the same bytes to the same place).
    const View kv = ks.whole(false), vv = c.keysOnly() ? kv : vs.whole(false);
    push::StoreKv push {uint32_t(ks.rows()), uint32_t(c.kvDim(layer)),     kv.element / 2, vv.element / 2, 0, 0,
                        uint32_t(firstSlot), uint32_t(c.layerSlots(layer))};
    const Binding bindings[] = {kv.binding, vv.binding, wholeBuffer(*c.keys[size_t(layer)], true), wholeBuffer(c.valuesOf(layer), true)};
    m->elementwise("store_kv", bindings, &push, sizeof push, uint64_t(ks.rows()) * uint64_t(c.kvDim(layer) / 2));
}

void VulkanBackend::storeRotatedKv(KvCache& cache, int64_t layer, Tensor& k, const Tensor& v, int64_t firstSlot,
                                   std::span<const int32_t> positions, const RopeParams& p)
{
    auto& c = static_cast<VkKvCache&>(cache);
    // Values that are the keys must be the rotated keys: rotate first, then store them once.
    if (c.keysOnly()) return Backend::storeRotatedKv(cache, layer, k, v, firstSlot, positions, p);
    const auto& ks = asActs(k);
    const auto& vs = asActs(v);
    require(layer >= 0 && layer < c.layers() && ks.cols() == c.kvDim(layer) && vs.cols() == c.kvDim(layer) && vs.rows() == ks.rows() &&
                c.kvDim(layer) % 2 == 0 && firstSlot >= 0 && firstSlot + ks.rows() <= c.slotCount() &&
                int64_t(positions.size()) == ks.rows() && p.headDim > 0 && ks.cols() % p.headDim == 0 && p.ropeDims <= p.headDim &&
                p.ropeDims % 2 == 0,
            "storeRotatedKv");
    auto slice = m->hostArena.allocate(positions.size_bytes());
    std::memcpy(slice.buffer->mapped() + slice.offset, positions.data(), positions.size_bytes());
    const View pv = m->view(*slice.buffer, slice.offset, positions.size_bytes(), false);
    const View kv = ks.whole(false), vv = vs.whole(false);
    push::StoreKvRope push {
        uint32_t(ks.rows()),           uint32_t(c.kvDim(layer)), kv.element,           vv.element / 2,   0,          0, uint32_t(firstSlot),
        uint32_t(c.layerSlots(layer)), uint32_t(p.headDim),      uint32_t(p.ropeDims), p.neox ? 1u : 0u, pv.element, 0, ropeMagnitude(p)};
    const Binding bindings[] = {kv.binding,
                                vv.binding,
                                wholeBuffer(*c.keys[size_t(layer)], true),
                                wholeBuffer(c.valuesOf(layer), true),
                                pv.binding,
                                wholeBuffer(m->frequencies(p), false)};
    m->elementwise("store_kv_rope", bindings, &push, sizeof push, uint64_t(ks.rows()) * uint64_t(c.kvDim(layer) / 2));
}

void VulkanBackend::attention(const Tensor& q, const KvCache& cache, int64_t layer, int64_t firstSlot, const AttentionParams& p,
                              Tensor& out)
{
    const auto& c = static_cast<const VkKvCache&>(cache);
    const auto& qs = asActs(q);
    const auto& o = asActs(out);
    require(qs.cols() == p.heads * p.headDim && o.cols() == qs.cols() && o.rows() == qs.rows() && p.headDim % 2 == 0 && p.headDim <= 576 &&
                p.kvHeads > 0 && p.heads % p.kvHeads == 0 && p.kvHeads * p.headDim == c.kvDim(layer) &&
                firstSlot + qs.rows() <= c.slotCount(),
            "attention");
    const View qv = qs.whole(false), ov = o.whole(true);
    View sinks = qv;  // bound either way; read only when there are sinks
    if (p.sinks) {
        const size_t bytes = size_t(p.heads) * sizeof(float);
        auto slice = m->hostArena.allocate(bytes);
        std::memcpy(slice.buffer->mapped() + slice.offset, p.sinks, bytes);
        sinks = m->view(*slice.buffer, slice.offset, bytes, false);
    }
    // Flash-decoding: few (query, head) pairs over a long context would leave most of a GPU idle,
    // so the slots are split into parts, each its own workgroup, and the parts combined after.
    const int64_t visible = firstSlot + qs.rows(), seen = p.window > 0 ? std::min<int64_t>(visible, p.window) : visible;
    int64_t split = 1;
    if (qs.rows() * p.heads < 256 && seen > 512) split = std::min<int64_t>(64, (seen + 255) / 256);
    if (m->attentionSplit > 0) split = std::min<int64_t>(m->attentionSplit, std::max<int64_t>(1, (seen + 63) / 64));
    View partial = ov;
    if (split > 1) {
        const VkDeviceSize bytes = VkDeviceSize(qs.rows() * p.heads * split * (p.headDim + 2)) * 4;
        auto slice = m->deviceArena.allocate(bytes);
        partial = m->view(*slice.buffer, slice.offset, bytes, true);
    }
    push::Attention push {uint32_t(p.heads),
                          uint32_t(p.kvHeads),
                          uint32_t(p.headDim),
                          uint32_t(firstSlot),
                          qv.element,
                          0,
                          0,
                          ov.element,
                          p.scale,
                          p.softCap,
                          uint32_t(p.window),
                          uint32_t(c.layerSlots(layer)),
                          sinks.element,
                          p.sinks ? 1u : 0u,
                          uint32_t(split),
                          partial.element};
    const Binding bindings[] = {
        qv.binding,     wholeBuffer(*c.keys[size_t(layer)], false), wholeBuffer(c.valuesOf(layer), false), ov.binding, sinks.binding,
        partial.binding};
    m->stream.dispatch(m->pipelines.get("attention"), bindings, &push, sizeof push, uint32_t(p.heads), uint32_t(qs.rows()),
                       uint32_t(split));
    if (split > 1) {
        const View parts = {{partial.binding.buffer, partial.binding.offset, partial.binding.range, false}, partial.element};
        push::AttentionReduce reduce {uint32_t(p.heads), uint32_t(p.headDim), uint32_t(split),  parts.element,
                                      ov.element,        sinks.element,       p.sinks ? 1u : 0u};
        const Binding reduceBindings[] = {parts.binding, ov.binding, sinks.binding};
        m->stream.dispatch(m->pipelines.get("attention_reduce"), reduceBindings, &reduce, sizeof reduce, uint32_t(p.heads),
                           uint32_t(qs.rows()));
    }
    breakForTests("attention", out);
}

void VulkanBackend::swiglu(const Tensor& gate, const Tensor& up, Tensor& out) { m->binary("swiglu", gate, up, out); }

void VulkanBackend::geglu(const Tensor& gate, const Tensor& up, Tensor& out) { m->binary("geglu", gate, up, out); }

void VulkanBackend::swigluOai(const Tensor& gate, const Tensor& up, float alpha, float limit, Tensor& out)
{
    const auto& g = asActs(gate);
    const auto& u = asActs(up);
    const auto& o = asActs(out);
    const int64_t n = g.rows() * g.cols();
    require(u.rows() * u.cols() == n && o.rows() * o.cols() == n, "swigluOai");
    const View gv = g.whole(false), uv = u.whole(false), ov = o.whole(true);
    push::SwigluOai push {uint32_t(n), gv.element, uv.element, ov.element, alpha, limit};
    const Binding bindings[] = {gv.binding, uv.binding, ov.binding};
    m->elementwise("swiglu_oai", bindings, &push, sizeof push, push.count);
}

void VulkanBackend::scale(Tensor& x, float factor)
{
    const auto& o = asActs(x);
    const View v = o.whole(true);
    push::Scale push {uint32_t(o.rows() * o.cols()), v.element, factor};
    const Binding bindings[] = {v.binding};
    m->elementwise("scale", bindings, &push, sizeof push, push.count);
}

void VulkanBackend::copyRows(const Tensor& x, int64_t first, Tensor& out)
{
    const auto& a = asActs(x);
    const auto& o = asActs(out);
    require(a.cols() == o.cols() && first >= 0 && first + o.rows() <= a.rows(), "copyRows");
    m->stream.copy(a.buffer->handle(), a.offset + VkDeviceSize(first) * a.rowBytes(), o.buffer->handle(), o.offset,
                   VkDeviceSize(o.rows()) * o.rowBytes());
}

void VulkanBackend::copyColumns(const Tensor& x, Tensor& out, const ColumnCopy& c)
{
    const auto& a = asActs(x);
    const auto& o = asActs(out);
    require(a.rows() == o.rows() && c.count >= 0 && c.groups >= 1 && c.first >= 0 && c.outFirst >= 0 &&
                c.first + (c.groups - 1) * c.stride + c.count <= a.cols() &&
                c.outFirst + (c.groups - 1) * c.outStride + c.count <= o.cols(),
            "copyColumns");
    const View xv = a.whole(false), ov = o.whole(true);
    push::CopyColumns push {uint32_t(a.rows()), uint32_t(c.count),    uint32_t(c.groups),   xv.element,
                            uint32_t(a.cols()), uint32_t(c.first),    uint32_t(c.stride),   ov.element,
                            uint32_t(o.cols()), uint32_t(c.outFirst), uint32_t(c.outStride)};
    const Binding bindings[] = {xv.binding, ov.binding};
    m->elementwise("copy_columns", bindings, &push, sizeof push, uint64_t(a.rows()) * uint64_t(c.groups) * uint64_t(c.count));
}

void VulkanBackend::readRow(const Tensor& x, int64_t row, std::span<float> dst)
{
    const auto& a = asActs(x);
    require(row >= 0 && row < a.rows() && int64_t(dst.size()) == a.cols(), "readRow");
    if (const uint8_t* mapped = a.buffer->mapped()) {
        m->stream.flush();
        std::memcpy(dst.data(), mapped + a.offset + VkDeviceSize(row) * a.rowBytes(), dst.size_bytes());
        return;
    }
    // Device memory the host cannot see: copy the whole tensor back once, serve every row from it.
    const VkDeviceSize bytes = VkDeviceSize(a.rows()) * a.rowBytes();
    if (m->readbackOf != &x || m->readbackEpoch != m->stream.epoch()) {
        if (!m->readback || m->readback->size() < bytes) {
            m->stream.flush();
            m->readback.reset();
            m->readback = std::make_unique<Buffer>(m->context, bytes, MemoryKind::Readback);
        }
        m->stream.copy(a.buffer->handle(), a.offset, m->readback->handle(), 0, bytes);
        m->stream.flush();
        m->readbackOf = &x;
        m->readbackEpoch = m->stream.epoch();
    }
    std::memcpy(dst.data(), m->readback->mapped() + VkDeviceSize(row) * a.rowBytes(), dst.size_bytes());
}

std::vector<LogitCandidate> VulkanBackend::bestOfRow(const Tensor& x, int64_t row, int64_t count)
{
    const auto& a = asActs(x);
    require(row >= 0 && row < a.rows(), "bestOfRow");
    if (count <= 0) return {};
    constexpr VkDeviceSize kBins = HEARTH_TOP_LOGITS_BINS, kCapacity = HEARTH_TOP_LOGITS_CAPACITY;
    if (count > int64_t(kCapacity) || a.cols() > int64_t(UINT32_MAX)) return Backend::bestOfRow(x, row, count);
    const VkDeviceSize tailBytes = (2 + 2 * kCapacity) * 4;  // threshold, count, pairs
    if (!m->topScratch) {
        m->topScratch = std::make_unique<Buffer>(m->context, kBins * 4 + tailBytes, MemoryKind::Device);
        m->topReadback = std::make_unique<Buffer>(m->context, tailBytes, MemoryKind::Readback);
    }
    const View xv = a.rowsView(row, 1, false);
    const Binding bindings[] = {xv.binding, wholeBuffer(*m->topScratch, true)};
    push::TopLogits push {uint32_t(a.cols()), xv.element, uint32_t(std::min<int64_t>(count, a.cols())), uint32_t(kCapacity)};
    m->stream.fill(m->topScratch->handle(), 0, kBins * 4, 0);
    m->elementwise("top_logits_histogram", bindings, &push, sizeof push, push.count);
    m->stream.dispatch(m->pipelines.get("top_logits_threshold"), bindings, &push, sizeof push, 1);
    m->elementwise("top_logits_collect", bindings, &push, sizeof push, push.count);
    m->stream.copy(m->topScratch->handle(), kBins * 4, m->topReadback->handle(), 0, tailBytes);
    m->stream.flush();
    std::vector<uint32_t> words(size_t(tailBytes / 4));
    std::memcpy(words.data(), m->topReadback->mapped(), tailBytes);
    const uint32_t collected = words[1];
    // More ties in the threshold bin than the scratch holds (a row of equal values): read it all.
    if (collected > kCapacity) return Backend::bestOfRow(x, row, count);
    std::vector<LogitCandidate> best(collected);
    for (uint32_t i = 0; i < collected; ++i) {
        std::memcpy(&best[i].logit, &words[2 + 2 * i], 4);
        best[i].id = TokenId(words[3 + 2 * i]);
    }
    const size_t keep = std::min<size_t>(best.size(), size_t(count));
    std::partial_sort(best.begin(), best.begin() + std::ptrdiff_t(keep), best.end(), betterCandidate);
    best.resize(keep);
    return best;
}

void VulkanBackend::writeRows(Tensor& x, std::span<const float> values)
{
    const auto& o = asActs(x);
    require(int64_t(values.size()) == o.rows() * o.cols(), "writeRows");
    auto slice = m->hostArena.allocate(values.size_bytes());
    std::memcpy(slice.buffer->mapped() + slice.offset, values.data(), values.size_bytes());
    m->stream.copy(slice.buffer->handle(), slice.offset, o.buffer->handle(), o.offset, values.size_bytes());
}

uint64_t VulkanBackend::deviceBytesFree() const
{
    const uint64_t heap = m->context.deviceHeapBytes(), used = m->context.deviceBytesInUse();
    return heap > used ? heap - used : 0;
}

void VulkanBackend::shiftKv(KvCache& cache, int64_t keep, int64_t discard, int64_t used, std::span<const RopeParams> layerRope)
{
    auto& c = static_cast<VkKvCache&>(cache);
    require(keep >= 0 && discard > 0 && keep + discard <= used && used <= c.slotCount() && int64_t(layerRope.size()) == c.layers() &&
                !c.hasRings(),  // a ring's positions cannot be moved: the session recomputes instead
            "shiftKv");
    int64_t widest = 0;
    for (int64_t layer = 0; layer < c.layers(); ++layer) {
        require(c.kvDim(layer) % layerRope[size_t(layer)].headDim == 0, "shiftKv");
        widest = std::max(widest, c.kvDim(layer));
    }
    const int64_t moved = used - keep - discard;
    if (moved > 0) {
        // Overlapping copies within one buffer are not allowed: go through a scratch buffer.
        Buffer scratch(m->context, VkDeviceSize(moved) * VkDeviceSize(widest) * 2, MemoryKind::Device);
        for (int64_t layer = 0; layer < c.layers(); ++layer)
            for (Buffer* b : {c.keys[size_t(layer)].get(), c.keysOnly() ? nullptr : c.values[size_t(layer)].get()}) {
                const VkDeviceSize slotBytes = VkDeviceSize(c.kvDim(layer)) * 2;
                if (!b || slotBytes == 0) continue;
                m->stream.copy(b->handle(), VkDeviceSize(keep + discard) * slotBytes, scratch.handle(), 0, VkDeviceSize(moved) * slotBytes);
                m->stream.copy(scratch.handle(), 0, b->handle(), VkDeviceSize(keep) * slotBytes, VkDeviceSize(moved) * slotBytes);
            }
        // Keys carry their position in their rotation: turn them back by `discard`.
        for (int64_t layer = 0; layer < c.layers(); ++layer) {
            const RopeParams& rope = layerRope[size_t(layer)];
            if (rope.ropeDims == 0 || c.kvDim(layer) == 0) continue;  // a layer without RoPE keeps its keys as they are
            const VkDeviceSize slotBytes = VkDeviceSize(c.kvDim(layer)) * 2;
            Buffer& frequencies = m->frequencies(rope);
            const View keys = m->view(*c.keys[size_t(layer)], VkDeviceSize(keep) * slotBytes, VkDeviceSize(moved) * slotBytes, true);
            push::RopeCachedKeys push {uint32_t(moved),
                                       uint32_t(c.kvDim(layer) / rope.headDim),
                                       uint32_t(rope.headDim),
                                       uint32_t(rope.ropeDims),
                                       rope.neox ? 1u : 0u,
                                       keys.element,
                                       0,
                                       float(-discard)};
            const Binding bindings[] = {keys.binding, wholeBuffer(frequencies, false)};
            m->elementwise("rope_cached_keys", bindings, &push, sizeof push, uint64_t(moved) * push.heads * uint64_t(rope.ropeDims / 2));
        }
        m->stream.flush();  // the scratch buffer dies here
    }
}

std::unique_ptr<RecurrentState> VulkanBackend::recurrentState(int64_t convFloats, int64_t deltaFloats)
{
    auto state = std::make_unique<VkRecurrentState>(m, convFloats, deltaFloats);
    const std::vector<float> conv(size_t(convFloats), 0.0f), delta(size_t(deltaFloats), 0.0f);
    writeState(*state, conv, delta);
    return state;
}

void VulkanBackend::readState(const RecurrentState& state, std::span<float> conv, std::span<float> delta)
{
    const auto& s = static_cast<const VkRecurrentState&>(state);
    require(int64_t(conv.size()) == s.convFloats() && int64_t(delta.size()) == s.deltaFloats(), "readState");
    for (auto [from, to] : {std::pair {s.conv.get(), conv}, std::pair {s.delta.get(), delta}}) {
        if (to.empty()) continue;
        Buffer readback(m->context, to.size_bytes(), MemoryKind::Readback);
        m->stream.copy(from->handle(), 0, readback.handle(), 0, to.size_bytes());
        m->stream.flush();
        std::memcpy(to.data(), readback.mapped(), to.size_bytes());
    }
}

void VulkanBackend::writeState(RecurrentState& state, std::span<const float> conv, std::span<const float> delta)
{
    auto& s = static_cast<VkRecurrentState&>(state);
    require(int64_t(conv.size()) == s.convFloats() && int64_t(delta.size()) == s.deltaFloats(), "writeState");
    for (auto [from, to] : {std::pair {conv, s.conv.get()}, std::pair {delta, s.delta.get()}}) {
        if (from.empty()) continue;
        Buffer staging(m->context, from.size_bytes(), MemoryKind::Upload);
        std::memcpy(staging.mapped(), from.data(), from.size_bytes());
        m->stream.copy(staging.handle(), 0, to->handle(), 0, from.size_bytes());
        m->stream.flush();  // the staging buffer dies here
    }
}

void VulkanBackend::causalConv(const Tensor& x, const Tensor& kernel, RecurrentState& state, Tensor& out)
{
    const auto& in = asActs(x);
    const auto& w = asWeight(kernel);
    const auto& o = asActs(out);
    auto& s = static_cast<VkRecurrentState&>(state);
    const int64_t channels = in.cols(), taps = channels > 0 ? w.cols() / channels : 0;
    require(w.isVector && taps >= 2 && w.cols() == channels * taps && o.rows() == in.rows() && o.cols() == channels &&
                s.convFloats() == (taps - 1) * channels,
            "causalConv");
    const View xv = in.whole(false), ov = o.whole(true);
    push::CausalConv push {uint32_t(in.rows()), uint32_t(channels), uint32_t(taps), xv.element, 0, ov.element};
    const Binding bindings[] = {xv.binding, wholeBuffer(*w.pieces[0].buffer, false), wholeBuffer(*s.conv, true), ov.binding};
    m->elementwise("causal_conv", bindings, &push, sizeof push, uint64_t(channels));
}

void VulkanBackend::gatedDeltaRule(const Tensor& qkv, const Tensor& alpha, const Tensor& betaRaw, const Tensor& dtBias, const Tensor& decay,
                                   RecurrentState& state, const DeltaRuleParams& p, Tensor& out)
{
    const auto& in = asActs(qkv);
    const auto& a = asActs(alpha);
    const auto& b = asActs(betaRaw);
    const auto& bias = asWeight(dtBias);
    const auto& d = asWeight(decay);
    const auto& o = asActs(out);
    auto& s = static_cast<VkRecurrentState&>(state);
    const int64_t n = p.headDim, tokens = in.rows();
    require(p.keyHeads > 0 && p.valueHeads % p.keyHeads == 0 && n > 0 && n <= 256 && in.cols() == 2 * p.keyHeads * n + p.valueHeads * n &&
                a.rows() == tokens && a.cols() == p.valueHeads && b.rows() == tokens && b.cols() == p.valueHeads && o.rows() == tokens &&
                o.cols() == p.valueHeads * n && s.deltaFloats() == p.valueHeads * n * n && bias.isVector && d.isVector &&
                bias.cols() == p.valueHeads && d.cols() == p.valueHeads,
            "gatedDeltaRule");
    const View xv = in.whole(false), av = a.whole(false), bv = b.whole(false), ov = o.whole(true);
    push::DeltaRule push {
        uint32_t(tokens), uint32_t(p.keyHeads), uint32_t(p.valueHeads), uint32_t(n), xv.element, av.element, bv.element, ov.element, 0, 0,
        p.normEpsilon};
    const Binding bindings[] = {xv.binding,
                                av.binding,
                                bv.binding,
                                wholeBuffer(*bias.pieces[0].buffer, false),
                                wholeBuffer(*d.pieces[0].buffer, false),
                                wholeBuffer(*s.delta, true),
                                ov.binding};
    m->stream.dispatch(m->pipelines.get("gated_delta_rule"), bindings, &push, sizeof push, uint32_t(p.valueHeads), 1);
    breakForTests("gated_delta_rule", out);
}

void VulkanBackend::sigmoidGate(const Tensor& gate, const Tensor& x, Tensor& out) { m->binary("sigmoid_gate", gate, x, out); }

}  // namespace hearth
