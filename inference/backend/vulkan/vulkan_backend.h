// The Vulkan backend: the same ops as the CPU reference, run by Hearth's own compute shaders.
// Ops are recorded into one command buffer; the work is submitted once per forward pass, when
// the logits are read back. Weights are uploaded once into device memory (split into pieces that
// respect the device's binding and allocation limits); activations come from an arena that is
// reused from one forward pass to the next, so generating creates no Vulkan objects.
#pragma once

#include "backend/backend.h"
#include "backend/vulkan/vk_context.h"

#include <functional>
#include <memory>

namespace hearth {

struct VulkanBackendOptions {
    std::string device;  // index or part of the name; empty: automatic / HEARTH_VULKAN_DEVICE
    bool validation = false;  // run under VK_LAYER_KHRONOS_validation (tests)
    uint64_t bindingLimit = 0;  // test hook: see vk::ContextOptions
    bool mapDeviceMemory = true;  // test hook: see vk::ContextOptions
    bool gpuMatmulKernels = false;  // test hook: see vk::ContextOptions
    uint64_t memoryLimit = 0;  // test hook: see vk::ContextOptions
    int integerDotKernels = -1;  // see vk::ContextOptions
    // Submit a long pass in parts while it is recorded (vk::CommandStream); HEARTH_VK_EARLY_SUBMIT=0 turns it off.
    bool earlySubmit = true;
};

class VulkanBackend : public Backend {
public:
    // Throws hearth::Error(Device) when no usable Vulkan device exists, saying why.
    explicit VulkanBackend(const VulkanBackendOptions& options = {});
    ~VulkanBackend() override;

    std::string name() const override;
    const vk::DeviceInfo& device() const;
    uint64_t deviceBytesPeak() const;
    // Errors reported by the validation layer so far (empty without validation).
    std::vector<std::string> validationErrors() const;
    bool validationEnabled() const;
    // Whether quantized matmuls run on 8-bit integer dot products on this device (see vk::ContextOptions).
    bool integerDotKernels() const;
    // Command buffers submitted before their pass was recorded whole, so far (see vk::CommandStream).
    uint64_t earlySubmissions() const;
    // Called while weights upload, with the bytes of this model uploaded so far. It may throw
    // to cancel the load (the exception leaves Model::load; nothing half-made stays behind).
    void setUploadProgress(std::function<void(uint64_t)> progress);

    void prepareForWeights(uint64_t weightBytes) override;
    std::unique_ptr<Tensor> weight(const GgufTensorInfo& info, std::span<const uint8_t> data) override;
    std::unique_ptr<Tensor> activations(int64_t rows, int64_t cols) override;
    std::unique_ptr<KvCache> kvCache(int64_t layers, int64_t slots, int64_t kvDim, bool f16, std::span<const int64_t> layerSlots = {},
                                     bool keysOnly = false, std::span<const int64_t> layerKvDims = {}) override;

    void getRows(const Tensor& table, std::span<const TokenId> ids, Tensor& out) override;
    void rmsNorm(const Tensor& x, const Tensor& weight, float eps, Tensor& out) override;
    void matmulRows(const Tensor& weight, int64_t firstRow, const Tensor& x, Tensor& out) override;
    // x's rounding or 8-bit quantization is made once for all the products that read it alike.
    void matmulSharedInput(const Tensor& x, std::span<const MatmulTarget> targets) override;
    void addBiasRow(Tensor& x, const Tensor& biases, int64_t row) override;
    void gatherRows(const Tensor& x, std::span<const int32_t> rows, Tensor& out) override;
    void scatterRows(const Tensor& x, std::span<const int32_t> rows, Tensor& out) override;
    void weightedRowSum(const Tensor& x, std::span<const float> weights, int64_t k, Tensor& out) override;
    void add(const Tensor& a, const Tensor& b, Tensor& out) override;
    void rope(Tensor& x, std::span<const int32_t> positions, const RopeParams& params) override;
    void storeKv(KvCache& cache, int64_t layer, const Tensor& k, const Tensor& v, int64_t firstSlot) override;
    // One pass (shaders/store_kv_rope.comp): the keys are rotated on their way into the cache; k is left as it was.
    void storeRotatedKv(KvCache& cache, int64_t layer, Tensor& k, const Tensor& v, int64_t firstSlot, std::span<const int32_t> positions,
                        const RopeParams& params) override;
    void attention(const Tensor& q, const KvCache& cache, int64_t layer, int64_t firstSlot, const AttentionParams& params,
                   Tensor& out) override;
    void swiglu(const Tensor& gate, const Tensor& up, Tensor& out) override;
    void geglu(const Tensor& gate, const Tensor& up, Tensor& out) override;
    void swigluOai(const Tensor& gate, const Tensor& up, float alpha, float limit, Tensor& out) override;
    void scale(Tensor& x, float factor) override;
    void copyRows(const Tensor& x, int64_t first, Tensor& out) override;
    void copyColumns(const Tensor& x, Tensor& out, const ColumnCopy& columns) override;
    void readRow(const Tensor& x, int64_t row, std::span<float> dst) override;
    // Found on the device (shaders/top_logits_*.comp): only a few hundred values come back.
    std::vector<LogitCandidate> bestOfRow(const Tensor& x, int64_t row, int64_t count) override;
    void writeRows(Tensor& x, std::span<const float> values) override;
    // Device memory not yet in use (the heap, or the test hook's limit, less what is allocated).
    uint64_t deviceBytesFree() const;
    void shiftKv(KvCache& cache, int64_t keep, int64_t discard, int64_t used, std::span<const RopeParams> layerRope) override;
    std::unique_ptr<RecurrentState> recurrentState(int64_t convFloats, int64_t deltaFloats) override;
    void readState(const RecurrentState& state, std::span<float> conv, std::span<float> delta) override;
    void writeState(RecurrentState& state, std::span<const float> conv, std::span<const float> delta) override;
    void causalConv(const Tensor& x, const Tensor& kernel, RecurrentState& state, Tensor& out) override;
    void gatedDeltaRule(const Tensor& qkv, const Tensor& alpha, const Tensor& betaRaw, const Tensor& dtBias, const Tensor& decay,
                        RecurrentState& state, const DeltaRuleParams& params, Tensor& out) override;
    void sigmoidGate(const Tensor& gate, const Tensor& x, Tensor& out) override;

    struct Impl;

private:
    void breakForTests(const char* kernel, Tensor& out);  // HEARTH_VK_BREAK_KERNEL
    std::shared_ptr<Impl> m;  // shared with every tensor, so the device outlives them
    std::string m_brokenKernel;
};

}  // namespace hearth
