#include "backend/vulkan/vk_command_stream.h"

#include "backend/vulkan/vk_check.h"
#include "platform/paths.h"

#include <chrono>
#include <cstdio>

namespace hearth::vk {

namespace {

constexpr VkPipelineStageFlags kStages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;

void memoryBarrier(VkCommandBuffer commands, VkPipelineStageFlags dstStages, VkAccessFlags dstAccess)
{
    VkMemoryBarrier barrier {VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    barrier.dstAccessMask = dstAccess;
    vkCmdPipelineBarrier(commands, kStages, dstStages, 0, 1, &barrier, 0, nullptr, 0, nullptr);
}

}  // namespace

CommandStream::CommandStream(Context& context, const Pipelines& pipelines) : m_context(context), m_pipelines(pipelines)
{
    VkCommandBufferAllocateInfo info {VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    info.commandPool = context.commandPool();
    info.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    info.commandBufferCount = 1;
    HEARTH_VK_CHECK(vkAllocateCommandBuffers(context.device(), &info, &m_commands));
    m_profile = !environmentVariable("HEARTH_VULKAN_PROFILE").empty();
}

void CommandStream::printProfile() const
{
    double total = 0;
    for (const auto& [name, entry] : m_profileTotals) total += entry.first;
    for (const auto& [name, entry] : m_profileTotals)
        std::fprintf(stderr, "profile %-20s %8.1f ms %6.1f%% %8llu dispatches %8.1f us each\n", name.c_str(), entry.first * 1e3,
                     100 * entry.first / total, static_cast<unsigned long long>(entry.second), entry.first * 1e6 / double(entry.second));
}

void CommandStream::flushForTeardown(const char* where) noexcept
{
    try {
        flush();
    } catch (const std::exception& e) {
        m_teardownError = std::string(where) + ": " + e.what();
        std::fprintf(stderr, "hearth vulkan: %s (the work in flight is dropped)\n", m_teardownError.c_str());
    }
}

CommandStream::~CommandStream()
{
    flushForTeardown("finishing the command stream");
    if (m_profile) printProfile();
    vkFreeCommandBuffers(m_context.device(), m_context.commandPool(), 1, &m_commands);
}

void CommandStream::begin()
{
    if (m_recording) return;
    VkCommandBufferBeginInfo info {VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    info.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    HEARTH_VK_CHECK(vkBeginCommandBuffer(m_commands, &info));
    m_recording = true;
    m_readSinceBarrier.clear();
    m_writtenSinceBarrier.clear();
}

bool CommandStream::overlaps(const std::vector<Range>& set, const Range& r)
{
    for (const Range& s : set)
        if (s.buffer == r.buffer && s.begin < r.end && r.begin < s.end) return true;
    return false;
}

void CommandStream::order(std::span<const Range> reads, std::span<const Range> writes)
{
    bool hazard = false;
    for (const Range& r : reads) hazard = hazard || overlaps(m_writtenSinceBarrier, r);
    for (const Range& w : writes) hazard = hazard || overlaps(m_writtenSinceBarrier, w) || overlaps(m_readSinceBarrier, w);
    if (hazard) {
        memoryBarrier(m_commands, kStages,
                      VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT);
        m_readSinceBarrier.clear();
        m_writtenSinceBarrier.clear();
    }
    m_readSinceBarrier.insert(m_readSinceBarrier.end(), reads.begin(), reads.end());
    m_writtenSinceBarrier.insert(m_writtenSinceBarrier.end(), writes.begin(), writes.end());
    ++m_epoch;
}

void CommandStream::dispatch(const Pipeline& pipeline, std::span<const Binding> bindings, const void* pushConstants, size_t pushBytes,
                             uint32_t groupsX, uint32_t groupsY, uint32_t groupsZ)
{
    if (groupsX == 0 || groupsY == 0 || groupsZ == 0) return;
    begin();
    Range reads[kMaxBindings], writes[kMaxBindings];
    size_t readCount = 0, writeCount = 0;
    VkDescriptorBufferInfo infos[kMaxBindings];
    VkWriteDescriptorSet sets[kMaxBindings];
    for (size_t i = 0; i < bindings.size(); ++i) {
        const Binding& b = bindings[i];
        const Range r {b.buffer, b.offset, b.offset + b.range};
        (b.written ? writes[writeCount++] : reads[readCount++]) = r;
        infos[i] = {b.buffer, b.offset, b.range};
        sets[i] = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
        sets[i].dstBinding = uint32_t(i);
        sets[i].descriptorCount = 1;
        sets[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        sets[i].pBufferInfo = &infos[i];
    }
    order({reads, readCount}, {writes, writeCount});
    vkCmdBindPipeline(m_commands, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.handle);
    vkCmdPushDescriptorSetKHR(m_commands, VK_PIPELINE_BIND_POINT_COMPUTE, m_pipelines.layout(), 0, uint32_t(bindings.size()), sets);
    vkCmdPushConstants(m_commands, m_pipelines.layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0, uint32_t(pushBytes), pushConstants);
    vkCmdDispatch(m_commands, groupsX, groupsY, groupsZ);
    if (m_profile) {
        const auto start = std::chrono::steady_clock::now();
        flush();
        auto& entry = m_profileTotals[pipeline.name];
        entry.first += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        ++entry.second;
    }
}

void CommandStream::copy(VkBuffer source, VkDeviceSize sourceOffset, VkBuffer target, VkDeviceSize targetOffset, VkDeviceSize bytes)
{
    if (bytes == 0) return;
    begin();
    const Range read {source, sourceOffset, sourceOffset + bytes}, write {target, targetOffset, targetOffset + bytes};
    order({&read, 1}, {&write, 1});
    VkBufferCopy region {sourceOffset, targetOffset, bytes};
    vkCmdCopyBuffer(m_commands, source, target, 1, &region);
}

void CommandStream::flush()
{
    if (!m_recording) return;
    m_recording = false;
    // Make every result visible to the host, which reads mapped memory after the fence.
    memoryBarrier(m_commands, VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
    HEARTH_VK_CHECK(vkEndCommandBuffer(m_commands));
    m_context.submitAndWait(m_commands);
    ++m_epoch;
}

}  // namespace hearth::vk
