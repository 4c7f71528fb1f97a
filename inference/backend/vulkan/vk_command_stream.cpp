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

CommandStream::CommandStream(Context& context, const Pipelines& pipelines, bool earlySubmit) : m_context(context), m_pipelines(pipelines)
{
    VkCommandBufferAllocateInfo info {VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    info.commandPool = context.commandPool();
    info.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    info.commandBufferCount = 1;
    for (Slot& slot : m_slots) {
        HEARTH_VK_CHECK(vkAllocateCommandBuffers(context.device(), &info, &slot.commands));
        slot.fence = DeviceOwned<VkFence>(context.device(), context.makeFence(), vkDestroyFence);
    }
    m_profile = !environmentVariable("HEARTH_VULKAN_PROFILE").empty();
    // HEARTH_VK_EARLY_SUBMIT=0: one submission per pass, recorded whole first (for comparison).
    m_earlySubmit = earlySubmit && environmentVariable("HEARTH_VK_EARLY_SUBMIT") != "0";
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
    for (Slot& slot : m_slots) vkFreeCommandBuffers(m_context.device(), m_context.commandPool(), 1, &slot.commands);
}

void CommandStream::begin()
{
    if (m_recording) return;
    VkCommandBufferBeginInfo info {VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    info.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    HEARTH_VK_CHECK(vkBeginCommandBuffer(m_slots[m_current].commands, &info));
    m_recording = true;
    m_dispatchesInBuffer = 0;
    if (m_continues) {
        // What the early-submitted buffer wrote, this one may read: a barrier's first scope is
        // every command submitted before it on the queue, the other buffer's included.
        memoryBarrier(m_slots[m_current].commands, kStages,
                      VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT);
        m_continues = false;
    }
    m_readSinceBarrier.clear();
    m_writtenSinceBarrier.clear();
}

void CommandStream::submitEarly()
{
    Slot& other = m_slots[1 - m_current];
    if (other.inFlight) {
        if (!m_context.finished(other.fence.get())) return;  // the device is still busy: keep recording here
        other.inFlight = false;
    }
    Slot& slot = m_slots[m_current];
    m_recording = false;
    HEARTH_VK_CHECK(vkEndCommandBuffer(slot.commands));
    m_context.submit(slot.commands, slot.fence.get());
    slot.inFlight = true;
    m_current = 1 - m_current;
    m_continues = true;
    ++m_earlySubmissions;
}

void CommandStream::waitForSubmitted()
{
    // The older submission first; a lost device leaves nothing in flight to wait for again.
    for (int i : {1 - m_current, m_current}) {
        Slot& slot = m_slots[i];
        if (!slot.inFlight) continue;
        slot.inFlight = false;
        m_context.wait(slot.fence.get());
    }
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
        memoryBarrier(m_slots[m_current].commands, kStages,
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
    VkCommandBuffer commands = m_slots[m_current].commands;
    vkCmdBindPipeline(commands, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.handle);
    vkCmdPushDescriptorSetKHR(commands, VK_PIPELINE_BIND_POINT_COMPUTE, m_pipelines.layout(), 0, uint32_t(bindings.size()), sets);
    vkCmdPushConstants(commands, m_pipelines.layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0, uint32_t(pushBytes), pushConstants);
    vkCmdDispatch(commands, groupsX, groupsY, groupsZ);
    if (m_earlySubmit && !m_profile && ++m_dispatchesInBuffer >= kEarlySubmitDispatches) submitEarly();
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
    vkCmdCopyBuffer(m_slots[m_current].commands, source, target, 1, &region);
}

void CommandStream::fill(VkBuffer target, VkDeviceSize offset, VkDeviceSize bytes, uint32_t value)
{
    if (bytes == 0) return;
    begin();
    const Range write {target, offset, offset + bytes};
    order({}, {&write, 1});
    vkCmdFillBuffer(m_slots[m_current].commands, target, offset, bytes, value);
}

void CommandStream::flush()
{
    if (!m_recording) {
        if (m_slots[0].inFlight || m_slots[1].inFlight) {
            // The last early submission holds the end of the work: its results must reach the host too.
            begin();
        } else {
            return;
        }
    }
    m_recording = false;
    m_continues = false;
    Slot& slot = m_slots[m_current];
    // Make every result visible to the host, which reads mapped memory after the fence.
    memoryBarrier(slot.commands, VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
    HEARTH_VK_CHECK(vkEndCommandBuffer(slot.commands));
    try {
        // A buffer still running from an early submission would be the other slot; this one is free.
        m_context.submit(slot.commands, slot.fence.get());
        slot.inFlight = true;
        waitForSubmitted();
    } catch (...) {
        m_slots[0].inFlight = m_slots[1].inFlight = false;
        throw;
    }
    ++m_epoch;
}

}  // namespace hearth::vk
