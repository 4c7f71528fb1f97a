// One place that turns a failed VkResult into a hearth::Error naming the call and where it was made.
#pragma once

#include <volk.h>

namespace hearth::vk {

const char* resultName(VkResult result);

// Throws hearth::Error(Device) when result is not VK_SUCCESS, naming the call and its place.
// (File and line come from the macro: clang 14 with libstdc++ 12 lacks std::source_location.)
void check(VkResult result, const char* call, const char* file, int line);

}  // namespace hearth::vk

#define HEARTH_VK_CHECK(call) ::hearth::vk::check((call), #call, __FILE__, __LINE__)
