// The build embeds every shader as SPIR-V, and an embedded kernel really runs on the Vulkan
// device (lavapipe in CI) with the same result as the plain CPU loop.
#include "backend/vulkan/vk_check.h"
#include "backend/vulkan/vk_device_info.h"
#include "backend/vulkan/vk_instance.h"
#include "backend/vulkan/vk_loader.h"
#include "embedded_shaders.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

using namespace hearth;

TEST(EmbeddedShaders, EveryShaderIsValidSpirv)
{
    auto names = shaders::names();
    ASSERT_FALSE(names.empty());
    for (auto name : names) {
        auto words = shaders::spirv(name);
        ASSERT_GE(words.size(), 5u) << name;
        EXPECT_EQ(words[0], 0x07230203u) << name << ": SPIR-V magic";
    }
    EXPECT_TRUE(shaders::spirv("no_such_shader").empty());
}

namespace {

uint32_t findMemoryType(VkPhysicalDevice device, uint32_t allowed, VkMemoryPropertyFlags wanted)
{
    VkPhysicalDeviceMemoryProperties props;
    vkGetPhysicalDeviceMemoryProperties(device, &props);
    for (uint32_t i = 0; i < props.memoryTypeCount; ++i)
        if ((allowed & (1u << i)) && (props.memoryTypes[i].propertyFlags & wanted) == wanted) return i;
    throw std::runtime_error("no host-visible coherent memory type");
}

}  // namespace

TEST(EmbeddedShaders, AddRunsOnTheDeviceAndMatchesTheCpu)
{
    if (!vk::loadVulkanLoader().available) GTEST_SKIP() << vk::loadVulkanLoader().message;
    vk::Instance instance(/*enableValidation=*/true);
    std::vector<vk::DeviceInfo> devices;
    auto handles = instance.physicalDevices();
    for (uint32_t i = 0; i < handles.size(); ++i) devices.push_back(vk::describeDevice(handles[i], i));
    const vk::DeviceInfo& chosen = vk::chooseDevice(devices);
    VkPhysicalDevice physical = chosen.handle;

    uint32_t queueCount = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(physical, &queueCount, nullptr);
    std::vector<VkQueueFamilyProperties> families(queueCount);
    vkGetPhysicalDeviceQueueFamilyProperties(physical, &queueCount, families.data());
    uint32_t family = UINT32_MAX;
    for (uint32_t i = 0; i < queueCount; ++i)
        if (families[i].queueFlags & VK_QUEUE_COMPUTE_BIT) { family = i; break; }
    ASSERT_NE(family, UINT32_MAX);

    float priority = 1.0f;
    VkDeviceQueueCreateInfo queueInfo{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
    queueInfo.queueFamilyIndex = family;
    queueInfo.queueCount = 1;
    queueInfo.pQueuePriorities = &priority;
    VkDeviceCreateInfo deviceInfo{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
    deviceInfo.queueCreateInfoCount = 1;
    deviceInfo.pQueueCreateInfos = &queueInfo;
    VkDevice device;
    HEARTH_VK_CHECK(vkCreateDevice(physical, &deviceInfo, nullptr, &device));
    volkLoadDevice(device);
    VkQueue queue;
    vkGetDeviceQueue(device, family, 0, &queue);

    // Odd size: not a multiple of the workgroup, so the bounds check in the shader matters.
    const uint32_t n = 1000;
    const VkDeviceSize bytes = n * sizeof(float);
    VkBuffer buffers[3];
    VkDeviceMemory memories[3];
    for (int b = 0; b < 3; ++b) {
        VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
        info.size = bytes;
        info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
        HEARTH_VK_CHECK(vkCreateBuffer(device, &info, nullptr, &buffers[b]));
        VkMemoryRequirements req;
        vkGetBufferMemoryRequirements(device, buffers[b], &req);
        VkMemoryAllocateInfo alloc{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
        alloc.allocationSize = req.size;
        alloc.memoryTypeIndex = findMemoryType(physical, req.memoryTypeBits,
                                               VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
        HEARTH_VK_CHECK(vkAllocateMemory(device, &alloc, nullptr, &memories[b]));
        HEARTH_VK_CHECK(vkBindBufferMemory(device, buffers[b], memories[b], 0));
    }
    std::vector<float> a(n), b(n), expected(n);
    for (uint32_t i = 0; i < n; ++i) {
        a[i] = float(i) * 0.5f - 7.0f;
        b[i] = 1.0f / float(i + 1);
        expected[i] = a[i] + b[i];
    }
    for (int k = 0; k < 2; ++k) {
        void* p;
        HEARTH_VK_CHECK(vkMapMemory(device, memories[k], 0, bytes, 0, &p));
        std::memcpy(p, (k == 0 ? a : b).data(), bytes);
        vkUnmapMemory(device, memories[k]);
    }

    VkDescriptorSetLayoutBinding bindings[3];
    for (uint32_t i = 0; i < 3; ++i)
        bindings[i] = {i, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1, VK_SHADER_STAGE_COMPUTE_BIT, nullptr};
    VkDescriptorSetLayoutCreateInfo layoutInfo{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
    layoutInfo.bindingCount = 3;
    layoutInfo.pBindings = bindings;
    VkDescriptorSetLayout setLayout;
    HEARTH_VK_CHECK(vkCreateDescriptorSetLayout(device, &layoutInfo, nullptr, &setLayout));
    VkPushConstantRange push{VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof(uint32_t)};
    VkPipelineLayoutCreateInfo pipelineLayoutInfo{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
    pipelineLayoutInfo.setLayoutCount = 1;
    pipelineLayoutInfo.pSetLayouts = &setLayout;
    pipelineLayoutInfo.pushConstantRangeCount = 1;
    pipelineLayoutInfo.pPushConstantRanges = &push;
    VkPipelineLayout pipelineLayout;
    HEARTH_VK_CHECK(vkCreatePipelineLayout(device, &pipelineLayoutInfo, nullptr, &pipelineLayout));

    auto code = shaders::spirv("add_f32");
    ASSERT_FALSE(code.empty());
    VkShaderModuleCreateInfo moduleInfo{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    moduleInfo.codeSize = code.size_bytes();
    moduleInfo.pCode = code.data();
    VkShaderModule module;
    HEARTH_VK_CHECK(vkCreateShaderModule(device, &moduleInfo, nullptr, &module));
    const uint32_t workgroup = 64;
    VkSpecializationMapEntry entry{0, 0, sizeof(uint32_t)};
    VkSpecializationInfo specialization{1, &entry, sizeof(uint32_t), &workgroup};
    VkComputePipelineCreateInfo pipelineInfo{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
    pipelineInfo.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
    pipelineInfo.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    pipelineInfo.stage.module = module;
    pipelineInfo.stage.pName = "main";
    pipelineInfo.stage.pSpecializationInfo = &specialization;
    pipelineInfo.layout = pipelineLayout;
    VkPipeline pipeline;
    HEARTH_VK_CHECK(vkCreateComputePipelines(device, VK_NULL_HANDLE, 1, &pipelineInfo, nullptr, &pipeline));

    VkDescriptorPoolSize poolSize{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 3};
    VkDescriptorPoolCreateInfo poolInfo{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
    poolInfo.maxSets = 1;
    poolInfo.poolSizeCount = 1;
    poolInfo.pPoolSizes = &poolSize;
    VkDescriptorPool pool;
    HEARTH_VK_CHECK(vkCreateDescriptorPool(device, &poolInfo, nullptr, &pool));
    VkDescriptorSetAllocateInfo setInfo{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
    setInfo.descriptorPool = pool;
    setInfo.descriptorSetCount = 1;
    setInfo.pSetLayouts = &setLayout;
    VkDescriptorSet set;
    HEARTH_VK_CHECK(vkAllocateDescriptorSets(device, &setInfo, &set));
    VkDescriptorBufferInfo bufferInfos[3];
    VkWriteDescriptorSet writes[3];
    for (uint32_t i = 0; i < 3; ++i) {
        bufferInfos[i] = {buffers[i], 0, VK_WHOLE_SIZE};
        writes[i] = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
        writes[i].dstSet = set;
        writes[i].dstBinding = i;
        writes[i].descriptorCount = 1;
        writes[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        writes[i].pBufferInfo = &bufferInfos[i];
    }
    vkUpdateDescriptorSets(device, 3, writes, 0, nullptr);

    VkCommandPoolCreateInfo commandPoolInfo{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    commandPoolInfo.queueFamilyIndex = family;
    VkCommandPool commandPool;
    HEARTH_VK_CHECK(vkCreateCommandPool(device, &commandPoolInfo, nullptr, &commandPool));
    VkCommandBufferAllocateInfo commandInfo{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    commandInfo.commandPool = commandPool;
    commandInfo.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    commandInfo.commandBufferCount = 1;
    VkCommandBuffer commands;
    HEARTH_VK_CHECK(vkAllocateCommandBuffers(device, &commandInfo, &commands));
    VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    HEARTH_VK_CHECK(vkBeginCommandBuffer(commands, &begin));
    vkCmdBindPipeline(commands, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline);
    vkCmdBindDescriptorSets(commands, VK_PIPELINE_BIND_POINT_COMPUTE, pipelineLayout, 0, 1, &set, 0, nullptr);
    vkCmdPushConstants(commands, pipelineLayout, VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof(uint32_t), &n);
    vkCmdDispatch(commands, (n + workgroup - 1) / workgroup, 1, 1);
    VkMemoryBarrier barrier{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
    barrier.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    vkCmdPipelineBarrier(commands, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &barrier, 0,
                         nullptr, 0, nullptr);
    HEARTH_VK_CHECK(vkEndCommandBuffer(commands));
    VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO};
    submit.commandBufferCount = 1;
    submit.pCommandBuffers = &commands;
    HEARTH_VK_CHECK(vkQueueSubmit(queue, 1, &submit, VK_NULL_HANDLE));
    HEARTH_VK_CHECK(vkQueueWaitIdle(queue));

    void* p;
    HEARTH_VK_CHECK(vkMapMemory(device, memories[2], 0, bytes, 0, &p));
    std::vector<float> result(n);
    std::memcpy(result.data(), p, bytes);
    vkUnmapMemory(device, memories[2]);
    for (uint32_t i = 0; i < n; ++i) ASSERT_EQ(result[i], expected[i]) << "element " << i;

    vkDestroyCommandPool(device, commandPool, nullptr);
    vkDestroyDescriptorPool(device, pool, nullptr);
    vkDestroyPipeline(device, pipeline, nullptr);
    vkDestroyShaderModule(device, module, nullptr);
    vkDestroyPipelineLayout(device, pipelineLayout, nullptr);
    vkDestroyDescriptorSetLayout(device, setLayout, nullptr);
    for (int k = 0; k < 3; ++k) {
        vkDestroyBuffer(device, buffers[k], nullptr);
        vkFreeMemory(device, memories[k], nullptr);
    }
    vkDestroyDevice(device, nullptr);
    if (instance.validationEnabled()) {
        EXPECT_TRUE(instance.validationErrors().empty()) << instance.validationErrors().front();
    } else {
        std::printf("note: VK_LAYER_KHRONOS_validation not installed; ran without validation\n");
    }
}
