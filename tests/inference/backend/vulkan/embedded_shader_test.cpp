// The build embeds every shader as SPIR-V (that each one runs and matches the CPU is
// vulkan_ops_test's job, through the backend).
#include "embedded_shaders.h"

#include <gtest/gtest.h>

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
