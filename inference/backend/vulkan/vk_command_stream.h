// Records the backend's ops into command buffers and waits for them only when the host needs a
// result (logits) or memory must be reused. A barrier goes in only when an op touches memory
// that an earlier op since the last barrier wrote (or read, for a write): independent ops such
// as the Q, K and V projections run without one between them.
//
// A long pass does not wait to be recorded whole: every kEarlySubmitDispatches dispatches, the
// buffer recorded so far is submitted (without waiting) when the one before it has finished, and
// recording goes on in a second buffer while the device runs the first. The device starts on the
// first layers while the host records the last ones.
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
    // earlySubmit: see the top of this file (HEARTH_VK_EARLY_SUBMIT=0 turns it off as well).
    CommandStream(Context& context, const Pipelines& pipelines, bool earlySubmit = true);
    ~CommandStream();
    CommandStream(const CommandStream&) = delete;
    CommandStream& operator=(const CommandStream&) = delete;

    void dispatch(const Pipeline& pipeline, std::span<const Binding> bindings, const void* pushConstants, size_t pushBytes,
                  uint32_t groupsX, uint32_t groupsY = 1, uint32_t groupsZ = 1);
    // Sets `bytes` bytes from `offset` to copies of the word `value` (vkCmdFillBuffer).
    void fill(VkBuffer target, VkDeviceSize offset, VkDeviceSize bytes, uint32_t value);
    void copy(VkBuffer source, VkDeviceSize sourceOffset, VkBuffer target, VkDeviceSize targetOffset, VkDeviceSize bytes);
    // Submits what was recorded and waits for it; a no-op when nothing is pending.
    void flush();
    // flush() for destructors, which must not throw: a failure (a lost device: nothing left to
    // wait for) is reported on stderr with `where`, and remembered for lastTeardownError().
    void flushForTeardown(const char* where) noexcept;
    const std::string& lastTeardownError() const { return m_teardownError; }
    bool pending() const { return m_recording || m_slots[0].inFlight || m_slots[1].inFlight; }
    // Submissions made before the pass was recorded whole (a statistic for tests and tuning).
    uint64_t earlySubmissions() const { return m_earlySubmissions; }
    static constexpr uint32_t kEarlySubmitDispatches = 128;
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
    // Submits the buffer being recorded if the other one is done, to go on in the other.
    void submitEarly();
    void waitForSubmitted();
    void order(std::span<const Range> reads, std::span<const Range> writes);
    static bool overlaps(const std::vector<Range>& set, const Range& r);

    Context& m_context;
    const Pipelines& m_pipelines;
    struct Slot {
        VkCommandBuffer commands = VK_NULL_HANDLE;
        DeviceOwned<VkFence> fence;
        bool inFlight = false;
    };
    Slot m_slots[2];
    int m_current = 0;  // the slot being recorded
    bool m_recording = false;
    bool m_continues = false;  // the next buffer continues an early-submitted one (begins with a barrier)
    uint32_t m_dispatchesInBuffer = 0;
    uint64_t m_earlySubmissions = 0;
    bool m_earlySubmit = true;
    uint64_t m_epoch = 0;
    std::vector<Range> m_readSinceBarrier, m_writtenSinceBarrier;
    bool m_profile = false;
    std::map<std::string, std::pair<double, uint64_t>> m_profileTotals;  // seconds, dispatches
};

}  // namespace hearth::vk
