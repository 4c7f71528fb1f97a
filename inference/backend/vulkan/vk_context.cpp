#include "backend/vulkan/vk_context.h"

#include "backend/vulkan/vk_check.h"
#include "backend/vulkan/vk_loader.h"
#include "core/error.h"
#include "platform/paths.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

namespace hearth::vk {

namespace {

std::string mib(VkDeviceSize bytes) { return std::to_string((bytes + (1u << 20) - 1) >> 20) + " MiB"; }

bool hasDeviceExtension(VkPhysicalDevice device, const char* name)
{
    uint32_t count = 0;
    vkEnumerateDeviceExtensionProperties(device, nullptr, &count, nullptr);
    std::vector<VkExtensionProperties> extensions(count);
    vkEnumerateDeviceExtensionProperties(device, nullptr, &count, extensions.data());
    return std::any_of(extensions.begin(), extensions.end(),
                       [&](const VkExtensionProperties& e) { return std::string(e.extensionName) == name; });
}

}  // namespace

Context::Context(const ContextOptions& options)
    : m_bindingLimit(options.bindingLimit), m_mapDeviceMemory(options.mapDeviceMemory), m_gpuMatmulKernels(options.gpuMatmulKernels),
      m_memoryLimit(options.memoryLimit)
{
    m_instance = std::make_unique<Instance>(options.validation);
    std::vector<DeviceInfo> devices;
    auto handles = m_instance->physicalDevices();
    for (uint32_t i = 0; i < handles.size(); ++i) devices.push_back(describeDevice(handles[i], i));
    m_info = chooseDevice(devices, options.device);
    VkPhysicalDevice physical = m_info.handle;

    VkPhysicalDeviceProperties props;
    vkGetPhysicalDeviceProperties(physical, &props);
    m_limits = props.limits;
    vkGetPhysicalDeviceMemoryProperties(physical, &m_memory);
    if (m_info.apiVersion < VK_API_VERSION_1_2)
        throw Error(ErrorCode::Device,
                    m_info.name + " supports Vulkan " + apiVersionString(m_info.apiVersion) + "; Hearth needs 1.2 or newer");
    if (!hasDeviceExtension(physical, VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME))
        throw Error(ErrorCode::Device,
                    m_info.name +
                        " lacks " VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME ", which Hearth's Vulkan backend needs; use --backend cpu");

    uint32_t familyCount = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(physical, &familyCount, nullptr);
    std::vector<VkQueueFamilyProperties> families(familyCount);
    vkGetPhysicalDeviceQueueFamilyProperties(physical, &familyCount, families.data());
    m_queueFamily = UINT32_MAX;
    for (uint32_t i = 0; i < familyCount; ++i)
        if (families[i].queueFlags & VK_QUEUE_COMPUTE_BIT) {
            m_queueFamily = i;
            break;
        }
    if (m_queueFamily == UINT32_MAX) throw Error(ErrorCode::Device, m_info.name + " has no compute queue");

    float priority = 1.0f;
    VkDeviceQueueCreateInfo queueInfo {VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
    queueInfo.queueFamilyIndex = m_queueFamily;
    queueInfo.queueCount = 1;
    queueInfo.pQueuePriorities = &priority;
    if (!m_info.subgroupArithmetic)
        throw Error(ErrorCode::Device,
                    m_info.name +
                        " has no subgroup arithmetic in compute shaders, which Hearth's "
                        "Vulkan kernels use; use --backend cpu");
    std::vector<const char*> extensions = {VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME};
    // A portability driver (MoltenVK) requires its subset extension to be enabled when it has it.
    if (hasDeviceExtension(physical, "VK_KHR_portability_subset")) extensions.push_back("VK_KHR_portability_subset");
    // Subgroup size control pins the matmul kernels' workgroup to exactly one full subgroup.
    VkPhysicalDeviceSubgroupSizeControlFeaturesEXT sizeControl {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES_EXT};
    VkDeviceCreateInfo deviceInfo {VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
    if (m_info.subgroupSizeControl) {
        extensions.push_back(VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME);
        sizeControl.subgroupSizeControl = VK_TRUE;
        sizeControl.computeFullSubgroups = VK_TRUE;
        deviceInfo.pNext = &sizeControl;
    }
    // 8-bit integer dot products: enabled where the device has them, through the KHR extension
    // (the instance asks for Vulkan 1.2, so 1.3's core feature alone does not count); the kernels
    // that use them are chosen by integerDotKernels.
    VkPhysicalDeviceShaderIntegerDotProductFeatures integerDot {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_FEATURES};
    if (m_info.integerDot) {
        extensions.push_back(VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME);
        integerDot.shaderIntegerDotProduct = VK_TRUE;
        integerDot.pNext = const_cast<void*>(deviceInfo.pNext);
        deviceInfo.pNext = &integerDot;
        m_integerDotKernels = usesIntegerDotKernels(m_info, options.integerDotKernels);
    }
    deviceInfo.queueCreateInfoCount = 1;
    deviceInfo.pQueueCreateInfos = &queueInfo;
    deviceInfo.enabledExtensionCount = uint32_t(extensions.size());
    deviceInfo.ppEnabledExtensionNames = extensions.data();
    VkDevice device = VK_NULL_HANDLE;
    HEARTH_VK_CHECK(vkCreateDevice(physical, &deviceInfo, nullptr, &device));
    m_device.adopt(device);  // from here on, a throw destroys it
    volkLoadDevice(device);
    vkGetDeviceQueue(device, m_queueFamily, 0, &m_queue);

    VkCommandPoolCreateInfo poolInfo {VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    poolInfo.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
    poolInfo.queueFamilyIndex = m_queueFamily;
    VkCommandPool pool = VK_NULL_HANDLE;
    HEARTH_VK_CHECK(vkCreateCommandPool(device, &poolInfo, nullptr, &pool));
    m_commandPool = DeviceOwned<VkCommandPool>(device, pool, vkDestroyCommandPool);

    // A stale or foreign cache file is harmless: the driver ignores data whose header does not match.
    std::vector<char> cached;
    if (std::ifstream in {pipelineCachePath(), std::ios::binary}) cached.assign(std::istreambuf_iterator<char>(in), {});
    VkPipelineCacheCreateInfo cacheInfo {VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
    cacheInfo.initialDataSize = cached.size();
    cacheInfo.pInitialData = cached.empty() ? nullptr : cached.data();
    VkPipelineCache cache = VK_NULL_HANDLE;
    if (vkCreatePipelineCache(device, &cacheInfo, nullptr, &cache) != VK_SUCCESS) {
        cacheInfo.initialDataSize = 0;
        cacheInfo.pInitialData = nullptr;
        HEARTH_VK_CHECK(vkCreatePipelineCache(device, &cacheInfo, nullptr, &cache));
    }
    m_pipelineCache = DeviceOwned<VkPipelineCache>(device, cache, vkDestroyPipelineCache);
}

Context::~Context()
{
    // Nothing may still run when the members below go: the cache, fence and pool are destroyed
    // (in reverse order of declaration) before the device, which waits for itself too.
    if (m_device.get()) vkDeviceWaitIdle(m_device.get());
}

std::string Context::pipelineCachePath() const
{
    const std::string dir = userCacheDir();
    if (dir.empty()) return {};
    VkPhysicalDeviceProperties props;
    vkGetPhysicalDeviceProperties(m_info.handle, &props);
    char key[96];
    std::snprintf(key, sizeof key, "vulkan-pipelines-%04x-%04x-%08x-", props.vendorID, props.deviceID, props.driverVersion);
    std::string name = key;
    for (uint8_t byte : props.pipelineCacheUUID) {
        char hex[3];
        std::snprintf(hex, sizeof hex, "%02x", byte);
        name += hex;
    }
    return dir + "/" + name + ".bin";
}

void Context::savePipelineCache() const
{
    const std::string path = pipelineCachePath();
    if (path.empty()) return;
    size_t size = 0;
    if (vkGetPipelineCacheData(m_device.get(), m_pipelineCache.get(), &size, nullptr) != VK_SUCCESS || size == 0) return;
    std::vector<char> data(size);
    if (vkGetPipelineCacheData(m_device.get(), m_pipelineCache.get(), &size, data.data()) != VK_SUCCESS) return;
    // A cache is an optimisation: a read-only or full disk only costs the next start some time.
    std::error_code ignored;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ignored);
    const std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out.write(data.data(), std::streamsize(size))) return;
    }
    std::filesystem::rename(temporary, path, ignored);
}

VkDeviceSize Context::maxBindingBytes() const
{
    // Bindings are rounded down to a multiple of 256 so that offsets stay aligned.
    VkDeviceSize range =
        std::min<VkDeviceSize>(m_limits.maxStorageBufferRange, m_info.maxMemoryAllocationSize ? m_info.maxMemoryAllocationSize : ~0ull);
    if (m_bindingLimit) range = std::min<VkDeviceSize>(range, std::max<uint64_t>(m_bindingLimit, 4096));
    return range & ~VkDeviceSize(255);
}

VkDeviceSize Context::deviceHeapBytes() const
{
    // The largest device-local heap, as much of it as the driver's budget (VK_EXT_memory_budget,
    // read when the device was opened) says this process may use: what is free, not the size.
    VkDeviceSize best = 0;
    for (uint32_t i = 0; i < m_memory.memoryHeapCount; ++i)
        if (m_memory.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
            best = std::max<VkDeviceSize>(best, i < m_info.heaps.size() ? m_info.heaps[i].available() : m_memory.memoryHeaps[i].size);
    return m_memoryLimit ? std::min<VkDeviceSize>(best, m_memoryLimit) : best;
}

uint32_t Context::memoryType(uint32_t allowed, MemoryKind kind) const
{
    auto find = [&](VkMemoryPropertyFlags required, VkMemoryPropertyFlags preferred, bool largestHeap) -> uint32_t {
        uint32_t found = UINT32_MAX;
        for (uint32_t i = 0; i < m_memory.memoryTypeCount; ++i) {
            const VkMemoryPropertyFlags flags = m_memory.memoryTypes[i].propertyFlags;
            if (!(allowed & (1u << i)) || (flags & required) != required) continue;
            if (largestHeap && m_memory.memoryHeaps[m_memory.memoryTypes[i].heapIndex].size < deviceHeapBytes()) continue;
            if ((flags & preferred) == preferred) return i;
            if (found == UINT32_MAX) found = i;
        }
        return found;
    };
    uint32_t type = UINT32_MAX;
    switch (kind) {
    case MemoryKind::Device: type = find(VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0, true); break;
    case MemoryKind::Upload: type = find(VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT, 0, false); break;
    case MemoryKind::Readback:
        type = find(VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT, VK_MEMORY_PROPERTY_HOST_CACHED_BIT, false);
        break;
    }
    if (type == UINT32_MAX && kind == MemoryKind::Device) type = find(0, 0, false);
    if (type == UINT32_MAX) throw Error(ErrorCode::Device, m_info.name + " offers no suitable memory type");
    return type;
}

Error Context::lose(const std::string& how)
{
    m_lost = true;
    return Error(ErrorCode::DeviceLost,
                 "the GPU (" + m_info.name + ") was lost: " + how +
                     ". The driver reset it, it was removed or it stopped responding; what was on it is gone");
}

VkFence Context::makeFence() const
{
    VkFenceCreateInfo info {VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    VkFence fence = VK_NULL_HANDLE;
    HEARTH_VK_CHECK(vkCreateFence(m_device.get(), &info, nullptr, &fence));
    return fence;
}

void Context::submit(VkCommandBuffer commands, VkFence fence)
{
    if (m_lost) throw lose("earlier");
    // The test hook: one loss per process, at its N-th submission (a reloaded model then works).
    static std::atomic<int64_t> submissions {0};
    static const int64_t loseAt = [] {
        const char* at = std::getenv("HEARTH_VK_LOSE_DEVICE_AT");
        return at ? std::atoll(at) : 0;
    }();
    if (++submissions == loseAt) throw lose("VK_ERROR_DEVICE_LOST (simulated by HEARTH_VK_LOSE_DEVICE_AT)");
    VkSubmitInfo submit {VK_STRUCTURE_TYPE_SUBMIT_INFO};
    submit.commandBufferCount = 1;
    submit.pCommandBuffers = &commands;
    const VkResult submitted = vkQueueSubmit(m_queue, 1, &submit, fence);
    if (submitted == VK_ERROR_DEVICE_LOST) throw lose("vkQueueSubmit returned VK_ERROR_DEVICE_LOST");
    HEARTH_VK_CHECK(submitted);
}

bool Context::finished(VkFence fence)
{
    if (m_lost) throw lose("earlier");
    const VkResult status = vkGetFenceStatus(m_device.get(), fence);
    if (status == VK_ERROR_DEVICE_LOST) throw lose("vkGetFenceStatus returned VK_ERROR_DEVICE_LOST");
    if (status == VK_NOT_READY) return false;
    HEARTH_VK_CHECK(status);
    HEARTH_VK_CHECK(vkResetFences(m_device.get(), 1, &fence));
    return true;
}

void Context::wait(VkFence fence)
{
    if (m_lost) throw lose("earlier");
    const VkResult waited = vkWaitForFences(m_device.get(), 1, &fence, VK_TRUE, UINT64_MAX);
    if (waited == VK_ERROR_DEVICE_LOST) throw lose("vkWaitForFences returned VK_ERROR_DEVICE_LOST");
    HEARTH_VK_CHECK(waited);
    HEARTH_VK_CHECK(vkResetFences(m_device.get(), 1, &fence));
}

Buffer::Buffer(Context& context, VkDeviceSize size, MemoryKind kind) : m_context(context), m_size(size)
{
    VkBufferCreateInfo info {VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
    info.size = std::max<VkDeviceSize>(size, 16);
    info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    VkDevice device = context.device();
    HEARTH_VK_CHECK(vkCreateBuffer(device, &info, nullptr, &m_buffer));
    VkMemoryRequirements needs;
    vkGetBufferMemoryRequirements(device, m_buffer, &needs);
    const uint32_t type = context.memoryType(needs.memoryTypeBits, kind);
    m_heap = context.m_memory.memoryTypes[type].heapIndex;
    const VkDeviceSize heapBytes = std::min(context.m_memory.memoryHeaps[m_heap].size, context.deviceHeapBytes());
    const bool deviceHeap = context.m_memory.memoryHeaps[m_heap].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT;
    auto outOfMemory = [&](const char* what) {
        vkDestroyBuffer(device, m_buffer, nullptr);
        return Error(ErrorCode::OutOfMemory,
                     std::string(what) + ": " + context.m_info.name + " needs another " + mib(needs.size) + " with " +
                         mib(context.m_deviceBytesInUse) + " already in use of a " + mib(heapBytes) +
                         " heap. Try a smaller context length, a smaller model, or the CPU backend.");
    };
    if (deviceHeap && context.m_deviceBytesInUse + needs.size > heapBytes) throw outOfMemory("the model does not fit");

    VkMemoryAllocateInfo allocate {VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
    allocate.allocationSize = needs.size;
    allocate.memoryTypeIndex = type;
    const VkResult result = vkAllocateMemory(device, &allocate, nullptr, &m_memory);
    if (result == VK_ERROR_OUT_OF_DEVICE_MEMORY || result == VK_ERROR_OUT_OF_HOST_MEMORY) throw outOfMemory("out of device memory");
    if (result != VK_SUCCESS) vkDestroyBuffer(device, m_buffer, nullptr);
    HEARTH_VK_CHECK(result);
    HEARTH_VK_CHECK(vkBindBufferMemory(device, m_buffer, m_memory, 0));
    const bool hostVisible = context.m_memory.memoryTypes[type].propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT;
    if (hostVisible && (kind != MemoryKind::Device || context.m_mapDeviceMemory)) {
        void* pointer = nullptr;
        HEARTH_VK_CHECK(vkMapMemory(device, m_memory, 0, VK_WHOLE_SIZE, 0, &pointer));
        m_mapped = static_cast<uint8_t*>(pointer);
    }
    if (deviceHeap) {
        context.m_deviceBytesInUse += needs.size;
        context.m_deviceBytesPeak = std::max(context.m_deviceBytesPeak, context.m_deviceBytesInUse);
    }
    m_size = needs.size >= size ? size : needs.size;
}

Buffer::~Buffer()
{
    VkDevice device = m_context.device();
    if (m_context.m_memory.memoryHeaps[m_heap].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) {
        VkMemoryRequirements needs;
        vkGetBufferMemoryRequirements(device, m_buffer, &needs);
        m_context.m_deviceBytesInUse -= std::min(needs.size, m_context.m_deviceBytesInUse);
    }
    if (m_mapped) vkUnmapMemory(device, m_memory);
    vkDestroyBuffer(device, m_buffer, nullptr);
    vkFreeMemory(device, m_memory, nullptr);
}

}  // namespace hearth::vk
