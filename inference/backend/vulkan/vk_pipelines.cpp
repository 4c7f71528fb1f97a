#include "backend/vulkan/vk_pipelines.h"

#include "backend/vulkan/vk_check.h"
#include "core/error.h"
#include "embedded_shaders.h"

#include "platform/paths.h"

#include <algorithm>
#include <cstdlib>

namespace hearth::vk {

Pipelines::Pipelines(Context& context) : m_context(context)
{
    VkDevice device = context.device();
    VkDescriptorSetLayoutBinding bindings[kMaxBindings];
    for (uint32_t i = 0; i < kMaxBindings; ++i)
        bindings[i] = {i, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1, VK_SHADER_STAGE_COMPUTE_BIT, nullptr};
    VkDescriptorSetLayoutCreateInfo setInfo {VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
    setInfo.flags = VK_DESCRIPTOR_SET_LAYOUT_CREATE_PUSH_DESCRIPTOR_BIT_KHR;
    setInfo.bindingCount = kMaxBindings;
    setInfo.pBindings = bindings;
    VkDescriptorSetLayout setLayout = VK_NULL_HANDLE;
    HEARTH_VK_CHECK(vkCreateDescriptorSetLayout(device, &setInfo, nullptr, &setLayout));
    m_setLayout = DeviceOwned<VkDescriptorSetLayout>(device, setLayout, vkDestroyDescriptorSetLayout);
    VkPushConstantRange range {VK_SHADER_STAGE_COMPUTE_BIT, 0, kPushConstantBytes};
    VkPipelineLayoutCreateInfo layoutInfo {VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
    layoutInfo.setLayoutCount = 1;
    layoutInfo.pSetLayouts = &setLayout;
    layoutInfo.pushConstantRangeCount = 1;
    layoutInfo.pPushConstantRanges = &range;
    VkPipelineLayout layout = VK_NULL_HANDLE;
    HEARTH_VK_CHECK(vkCreatePipelineLayout(device, &layoutInfo, nullptr, &layout));
    m_layout = DeviceOwned<VkPipelineLayout>(device, layout, vkDestroyPipelineLayout);

    // Workgroups of a few subgroups: wide enough to hide latency on GPUs, and a whole number
    // of SIMD lanes on lavapipe (8-wide subgroups).
    const uint32_t subgroup = std::max(context.info().subgroupSize, 8u);
    m_wide = std::min(std::max(64u, subgroup), context.info().maxComputeWorkGroupInvocations);
    // The matmul kernels are one subgroup per workgroup (their sums meet in a subgroupAdd).
    m_matmulWidth = std::max(context.info().subgroupSize, 1u);
    // Decode's rows per workgroup: about 128 lanes per workgroup-row tile whatever the subgroup
    // (4 rows on 32-lane subgroups, 2 on 64, 8 on 8 or 16), so that each lane's share of a row
    // stays the same. Not tuned on every GPU yet: HEARTH_VK_MATVEC_ROWS=N (1-16) overrides it.
    m_matvecRows = std::clamp(128u / m_matmulWidth, 1u, 8u);
    if (const std::string forced = environmentVariable("HEARTH_VK_MATVEC_ROWS"); !forced.empty())
        m_matvecRows = uint32_t(std::clamp(std::atoi(forced.c_str()), 1, 16));
    // The per-weight-type kernels are made by prepareWeightType, for the types a model uses.
    for (auto name : shaders::names()) {
        const std::string n(name);
        if (isPerType(n)) continue;
        create(n, fixedWorkgroupSize(n) ? fixedWorkgroupSize(n) : m_wide);
    }
    context.savePipelineCache();
}

uint32_t Pipelines::fixedWorkgroupSize(const std::string& name)
{
    // Kernels whose workgroup size is written in the shader (shared-memory arrays sized by it).
    if (name == "attention") return 64;
    if (name == "top_logits_threshold") return 128;
    return 0;
}

bool Pipelines::isPerType(const std::string& name)
{
    return name.rfind("matvec_", 0) == 0 || name.rfind("matmul_", 0) == 0 || name.rfind("get_rows_", 0) == 0;
}

void Pipelines::prepareWeightType(const std::string& type)
{
    if (m_pipelines.count("get_rows_" + type)) return;
    if (shaders::spirv("matvec_" + type).empty())
        throw Error(ErrorCode::UnsupportedType, "the Vulkan backend has no kernels for weight type " + type);
    if (rowPerInvocation()) {
        create("matvec_rows_" + type, m_matmulWidth);
        create("matmul_rows_" + type, m_matmulWidth);
    } else {
        create("matvec_" + type, m_matmulWidth, true, m_matvecRows);
        create("matmul_" + type, m_matmulWidth, true, HEARTH_MATMUL_ROWS);
    }
    if (m_context.integerDotKernels() && !shaders::spirv("matvec_dot_" + type).empty()) {
        create("matvec_dot_" + type, m_matmulWidth, true, m_matvecRows);
        create("matmul_dot_" + type, m_matmulWidth, true, HEARTH_MATMUL_ROWS);
    }
    create("get_rows_" + type, m_wide);
    m_context.savePipelineCache();
}

void Pipelines::create(const std::string& name, uint32_t workgroupSize, bool fullSubgroup, uint32_t rows)
{
    VkDevice device = m_context.device();
    auto code = shaders::spirv(name);
    VkShaderModuleCreateInfo moduleInfo {VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    moduleInfo.codeSize = code.size_bytes();
    moduleInfo.pCode = code.data();
    VkShaderModule rawModule = VK_NULL_HANDLE;
    HEARTH_VK_CHECK(vkCreateShaderModule(device, &moduleInfo, nullptr, &rawModule));
    const DeviceOwned<VkShaderModule> module(device, rawModule, vkDestroyShaderModule);

    const VkSpecializationMapEntry entries[] = {{0, 0, sizeof(uint32_t)}, {1, sizeof(uint32_t), sizeof(uint32_t)}};
    const uint32_t constants[] = {workgroupSize, rows};
    VkSpecializationInfo specialization {rows > 0 ? 2u : 1u, entries, sizeof constants, constants};
    VkComputePipelineCreateInfo info {VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
    info.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
    info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    info.stage.module = module.get();
    info.stage.pName = "main";
    info.stage.pSpecializationInfo = fixedWorkgroupSize(name) ? nullptr : &specialization;
    info.layout = m_layout.get();
    // A kernel that reduces with subgroupAdd alone needs its workgroup to be one whole subgroup.
    VkPipelineShaderStageRequiredSubgroupSizeCreateInfoEXT requiredSize {
        VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_REQUIRED_SUBGROUP_SIZE_CREATE_INFO_EXT};
    if (fullSubgroup && m_context.info().subgroupSizeControl) {
        requiredSize.requiredSubgroupSize = workgroupSize;
        info.stage.pNext = &requiredSize;
        info.stage.flags = VK_PIPELINE_SHADER_STAGE_CREATE_REQUIRE_FULL_SUBGROUPS_BIT_EXT;
    }
    VkPipeline pipeline = VK_NULL_HANDLE;
    const VkResult result = vkCreateComputePipelines(device, m_context.pipelineCache(), 1, &info, nullptr, &pipeline);
    if (result != VK_SUCCESS) check(result, ("vkCreateComputePipelines(" + name + ")").c_str(), __FILE__, __LINE__);
    m_pipelines[name] = {pipeline, workgroupSize, rows, name, DeviceOwned<VkPipeline>(device, pipeline, vkDestroyPipeline)};
}

const Pipeline* Pipelines::find(const std::string& name) const
{
    auto it = m_pipelines.find(name);
    return it == m_pipelines.end() ? nullptr : &it->second;
}

const Pipeline& Pipelines::get(const std::string& name) const
{
    auto it = m_pipelines.find(name);
    if (it == m_pipelines.end()) throw Error(ErrorCode::UnsupportedType, "the Vulkan backend has no kernel '" + name + "'");
    return it->second;
}

}  // namespace hearth::vk
