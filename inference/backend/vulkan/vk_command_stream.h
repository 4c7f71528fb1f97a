// Records the backend's ops into one command buffer and submits it only when the host needs a
// result (logits) or memory must be reused. A barrier goes in only when an op touches memory
// that an earlier op since the last barrier wrote (or read, for a write): independent ops such
// as the Q, K and V projections run without one between them.
#pragma once

#include "backend/vulkan/vk_pipelines.h"

#include <map>
#include <span>
#include <vector>

namespace hearth::vk {

struct Binding {
    VkBuffer buffer = VK_NULL_HANDLE;
    VkDeviceSize offset = 0;  // a multiple of 256
    VkDeviceSize range = 0;
    bool written = false;
};

class CommandStream {
public:
    CommandStream(Context& context, const Pipelines& pipelines);
    ~CommandStream();
    CommandStream(const CommandStream&) = delete;
    CommandStream& operator=(const CommandStream&) = delete;

    void dispatch(const Pipeline& pipeline, std::span<const Binding> bindings, const void* pushConstants, size_t pushBytes,
                  uint32_t groupsX, uint32_t groupsY = 1, uint32_t groupsZ = 1);
    void copy(VkBuffer source, VkDeviceSize sourceOffset, VkBuffer target, VkDeviceSize targetOffset, VkDeviceSize bytes);
    // Submits what was recorded and waits for it; a no-op when nothing is pending.
    void flush();
    // flush() for destructors, which must not throw: a failure (a lost device: nothing left to
    // wait for) is reported on stderr with `where`, and remembered for lastTeardownError().
    void flushForTeardown(const char* where) noexcept;
    const std::string& lastTeardownError() const { return m_teardownError; }
    bool pending() const { return m_recording; }
    // Counts recorded commands; a result read back is current while this is unchanged.
    uint64_t epoch() const { return m_epoch; }
    // With HEARTH_VULKAN_PROFILE set, every dispatch is submitted alone and timed; the totals
    // per kernel are printed to stderr when the stream ends (a developer tool, slow by design).
    void printProfile() const;

private:
    std::string m_teardownError;
    struct Range {
        VkBuffer buffer;
        VkDeviceSize begin, end;
    };
    void begin();
    void order(std::span<const Range> reads, std::span<const Range> writes);
    static bool overlaps(const std::vector<Range>& set, const Range& r);

    Context& m_context;
    const Pipelines& m_pipelines;
    VkCommandBuffer m_commands = VK_NULL_HANDLE;
    bool m_recording = false;
    uint64_t m_epoch = 0;
    std::vector<Range> m_readSinceBarrier, m_writtenSinceBarrier;
    bool m_profile = false;
    std::map<std::string, std::pair<double, uint64_t>> m_profileTotals;  // seconds, dispatches
};

}  // namespace hearth::vk
