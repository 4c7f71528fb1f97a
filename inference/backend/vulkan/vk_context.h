// One Vulkan device ready for compute: instance, logical device with one compute queue, a
// command pool, memory allocation and buffers. Everything the backend's ops need lives on top.
#pragma once

#include "backend/vulkan/vk_device_info.h"
#include "backend/vulkan/vk_handle.h"
#include "backend/vulkan/vk_instance.h"
#include "core/error.h"

#include <volk.h>

#include <cstdint>
#include <memory>
#include <string>

namespace hearth::vk {

struct ContextOptions {
    std::string device;  // index or part of a name; empty: automatic (see chooseDevice)
    bool validation = false;  // enable VK_LAYER_KHRONOS_validation and collect its errors
    // Test hooks: a binding limit below the device's (so small tensors take the paths that
    // large ones take on real devices), and device memory treated as not host-visible (the
    // staging and read-back paths of discrete GPUs).
    uint64_t bindingLimit = 0;
    bool mapDeviceMemory = true;
    bool gpuMatmulKernels = false;  // test hook: the GPU matmul kernels even on a CPU driver
    uint64_t memoryLimit = 0;  // test hook: pretend the device heap holds only this much
    // The integer-dot matrix kernels (matmul_dot.comp): -1 automatic (where the driver says its
    // 8-bit dot products are accelerated, and on CPU drivers; HEARTH_VK_INTEGER_DOT=0/1
    // overrides), 0 never, 1 wherever the device has the feature at all (tests, tuning on a new GPU).
    int integerDotKernels = -1;
};

enum class MemoryKind {
    Device,  // device-local (mapped too when the device-local memory is host-visible, e.g. lavapipe)
    Upload,  // host-visible, coherent: staging for uploads
    Readback,  // host-visible, cached where possible: results read by the host
};

class Context;

// A buffer with its own memory. Mapped when its memory is host-visible.
class Buffer {
public:
    Buffer(Context& context, VkDeviceSize size, MemoryKind kind);
    ~Buffer();
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;

    VkBuffer handle() const { return m_buffer; }
    VkDeviceSize size() const { return m_size; }
    uint8_t* mapped() const { return m_mapped; }

private:
    Context& m_context;
    VkBuffer m_buffer = VK_NULL_HANDLE;
    VkDeviceMemory m_memory = VK_NULL_HANDLE;
    VkDeviceSize m_size = 0;
    uint32_t m_heap = 0;
    uint8_t* m_mapped = nullptr;
};

class Context {
public:
    explicit Context(const ContextOptions& options);
    ~Context();
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    VkDevice device() const { return m_device.get(); }
    VkQueue queue() const { return m_queue; }
    VkCommandPool commandPool() const { return m_commandPool.get(); }
    const DeviceInfo& info() const { return m_info; }
    const Instance& instance() const { return *m_instance; }
    const VkPhysicalDeviceLimits& limits() const { return m_limits; }
    bool gpuMatmulKernelsForced() const { return m_gpuMatmulKernels; }
    // Whether quantized matmuls use 8-bit integer dot products (see ContextOptions).
    bool integerDotKernels() const { return m_integerDotKernels; }

    // The largest range one storage-buffer binding may cover, and the largest single buffer.
    VkDeviceSize maxBindingBytes() const;
    VkDeviceSize deviceBytesInUse() const { return m_deviceBytesInUse; }
    VkDeviceSize deviceBytesPeak() const { return m_deviceBytesPeak; }
    // Size of the heap device buffers come from.
    VkDeviceSize deviceHeapBytes() const;

    // Submits `commands`, to signal `fence` when done (in submission order with earlier ones).
    // Throws Error(DeviceLost) when the device is lost (VK_ERROR_DEVICE_LOST), and on every call
    // after that. HEARTH_VK_LOSE_DEVICE_AT=N (a test hook) loses it at the process's N-th submission.
    void submit(VkCommandBuffer commands, VkFence fence);
    // Whether a submission's fence has signalled (without waiting); wait() waits for it. Both
    // reset a signalled fence for its next use, and throw Error(DeviceLost) as submit() does.
    bool finished(VkFence fence);
    void wait(VkFence fence);
    VkFence makeFence() const;  // owned by the caller (vkDestroyFence), unsignalled
    bool lost() const { return m_lost; }

    // The pipeline cache, loaded from and saved to the user's cache folder (keyed by device and driver).
    VkPipelineCache pipelineCache() const { return m_pipelineCache.get(); }
    void savePipelineCache() const;

private:
    friend class Buffer;
    uint32_t memoryType(uint32_t allowed, MemoryKind kind) const;
    std::string pipelineCachePath() const;
    Error lose(const std::string& how);

    std::unique_ptr<Instance> m_instance;
    DeviceInfo m_info;
    VkPhysicalDeviceLimits m_limits {};
    VkPhysicalDeviceMemoryProperties m_memory {};
    // Owners, destroyed in reverse order: the cache and pool before the device.
    OwnedDevice m_device;
    VkQueue m_queue = VK_NULL_HANDLE;
    uint32_t m_queueFamily = 0;
    DeviceOwned<VkCommandPool> m_commandPool;
    bool m_lost = false;
    DeviceOwned<VkPipelineCache> m_pipelineCache;
    VkDeviceSize m_deviceBytesInUse = 0, m_deviceBytesPeak = 0;
    uint64_t m_bindingLimit = 0;
    bool m_mapDeviceMemory = true;
    bool m_gpuMatmulKernels = false;
    bool m_integerDotKernels = false;
    uint64_t m_memoryLimit = 0;
};

}  // namespace hearth::vk
