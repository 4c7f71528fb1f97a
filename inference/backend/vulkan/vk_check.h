// One place that turns a failed VkResult into a hearth::Error naming the call and where it was made.
#pragma once

#include <volk.h>

#include <source_location>

namespace hearth::vk {

const char* resultName(VkResult result);

// Throws hearth::Error(Device) when result is not VK_SUCCESS.
void check(VkResult result, const char* call, std::source_location where = std::source_location::current());

}  // namespace hearth::vk

#define HEARTH_VK_CHECK(call) ::hearth::vk::check((call), #call)
