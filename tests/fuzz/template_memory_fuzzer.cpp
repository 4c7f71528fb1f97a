// libFuzzer entry for the interpreter's memory budget: the input picks a sequence of growth
// steps (doubling strings and lists, repetition, join, indent, tojson, range, loops), the
// target assembles them into a template and renders it. Every render must end in output or a
// hearth::Error, and never allocate past the budget: ctest runs this with -malloc_limit_mb and
// -rss_limit_mb, so one oversized allocation or a runaway total fails the run.
#include "chat/chat_template.h"
#include "core/error.h"

#include <cstdint>
#include <string>

namespace {

const char* const kSteps[] = {
    "{% set ns.s = ns.s ~ ns.s %}",
    "{% set ns.s = ns.s + ns.s + ns.s %}",
    "{% set ns.l = ns.l + ns.l %}",
    "{% set ns.l = ns.l + [ns.s, ns.s] %}",
    "{% set ns.s = ns.l | join(ns.s) %}",
    "{% set ns.s = ns.s * 1000 %}",
    "{% set ns.s = 'x' * 100000000000 %}",
    "{% set ns.s = ns.s | indent(100000) %}",
    "{% set ns.s = ns.s ~ '\\n' ~ ns.s %}",
    "{% set ns.s = ns.l | tojson(indent=8) %}",
    "{% set ns.l = range(1000000) | list %}",
    "{% set ns.s = ns.s | replace('x', ns.s) %}",
    "{% set ns.d = {'a': ns.s, 'b': ns.l} %}",
    "{% set ns.l = ns.l + ns.l[1:] %}",
    "{{ ns.s }}",
    "{% for i in range(64) %}",
    "{% endfor %}",
    "{% set ns.s = ns.s | upper ~ ns.s | lower %}",
    "{% set ns.l = [ns.l, ns.l, ns.l] %}",
    "{% set ns.s = ns.s | center(1000000000) %}",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size > 64) return 0;
    std::string source = "{% set ns = namespace(s='xy', l=['a'], d={}) %}";
    int openLoops = 0;
    for (size_t i = 0; i < size; ++i) {
        const size_t pick = data[i] % (sizeof(kSteps) / sizeof(kSteps[0]));
        const std::string step = kSteps[pick];
        if (step == "{% endfor %}") {
            if (openLoops == 0) continue;
            --openLoops;
        }
        if (step.rfind("{% for", 0) == 0) ++openLoops;
        source += step;
    }
    for (; openLoops > 0; --openLoops) source += "{% endfor %}";
    source += "{{ ns.s | length }}";
    static const hearth::ChatTemplateInputs inputs = {{{"user", "Hi", std::nullopt}}, true, "<s>", "</s>"};
    try {
        hearth::ChatTemplate t(source);
        (void)t.render(inputs);
    } catch (const hearth::Error&) {
    }
    return 0;
}
