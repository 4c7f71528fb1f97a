// libFuzzer entry for the chat-template interpreter: any template text must parse and render
// or give a hearth::Error, within the interpreter's step, output and depth limits.
#include "chat/chat_template.h"
#include "core/error.h"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size > 16384) return 0;
    const std::string source(reinterpret_cast<const char*>(data), size);
    static const hearth::ChatTemplateInputs inputs = {{{"system", "Be brief.", std::nullopt},
                                                       {"user", "Hi", std::nullopt},
                                                       {"assistant", "Hello.", std::string("greet")},
                                                       {"user", "2+2?", std::nullopt}},
                                                      true,
                                                      "<s>",
                                                      "</s>"};
    try {
        hearth::ChatTemplate t(source);
        (void)t.render(inputs);
    } catch (const hearth::Error&) {
    }
    return 0;
}
