// Every compute pipeline of the backend, created once when the backend starts (through the
// on-disk pipeline cache) and specialised for the device's workgroup sizes. All pipelines share
// one layout: up to four storage buffers set with push descriptors, and 128 bytes of push constants.
#pragma once

#include "backend/vulkan/vk_context.h"
#include "backend/vulkan/vk_handle.h"

#include "kernel_tiles.h"

#include <map>
#include <string>

namespace hearth::vk {

constexpr uint32_t kMaxBindings = 8;
constexpr uint32_t kPushConstantBytes = 128;

struct Pipeline {
    VkPipeline handle = VK_NULL_HANDLE;  // owned by `owner`
    uint32_t workgroupSize = 0;
    uint32_t rows = 0;  // rows per workgroup of the split-row matrix kernels (matmul.comp, matmul_dot.comp); 0 for others
    std::string name;
    DeviceOwned<VkPipeline> owner;
};

class Pipelines {
public:
    explicit Pipelines(Context& context);
    Pipelines(const Pipelines&) = delete;
    Pipelines& operator=(const Pipelines&) = delete;

    // Creates the matvec_/matmul_/get_rows_ kernels of a weight type ("q4_0") if not made yet,
    // and its matvec_dot_/matmul_dot_ kernels where the context uses integer dot products and
    // the type has them. Called while weights load, so no pipeline is created while generating.
    void prepareWeightType(const std::string& type);
    // Throws hearth::Error(UnsupportedType) for a kernel that was not prepared or not built.
    const Pipeline& get(const std::string& name) const;
    // The kernel, or null when it was not prepared (e.g. a type without integer-dot kernels).
    const Pipeline* find(const std::string& name) const;
    VkPipelineLayout layout() const { return m_layout.get(); }
    // CPU drivers (lavapipe) get the one-row-per-lane matmul kernels (matmul_rows.comp).
    bool rowPerInvocation() const
    {
        return m_context.info().type == VK_PHYSICAL_DEVICE_TYPE_CPU && m_context.info().subgroupSize == 8 &&
            !m_context.gpuMatmulKernelsForced();
    }

private:
    void create(const std::string& name, uint32_t workgroupSize, bool fullSubgroup = false, uint32_t rows = 0);
    static bool isPerType(const std::string& name);
    static uint32_t fixedWorkgroupSize(const std::string& name);  // 0: sized for the device

    Context& m_context;
    DeviceOwned<VkDescriptorSetLayout> m_setLayout;
    DeviceOwned<VkPipelineLayout> m_layout;
    std::map<std::string, Pipeline> m_pipelines;
    uint32_t m_wide = 64, m_matmulWidth = 32;
    uint32_t m_matvecRows = HEARTH_MATVEC_ROWS;
};

}  // namespace hearth::vk
