// libFuzzer entry for the GGUF reader: any bytes must parse or give a hearth::Error, and a
// file that parses must be safe to summarise and to read every tensor of.
#include "core/error.h"
#include "gguf/gguf_file.h"
#include "model/model_summary.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    try {
        hearth::GgufFile file = hearth::GgufFile::parse({data, size}, "fuzz.gguf");
        hearth::ModelSummary summary = hearth::summarizeModel(file);
        (void)summary.memoryBytes(4096);
        for (const auto& entry : file.metadata()) (void)entry.value.describe();
        uint64_t checksum = 0;
        for (const auto& tensor : file.tensors()) {
            auto bytes = file.tensorData(tensor);
            if (!bytes.empty()) checksum += bytes.front() + bytes.back();
        }
        return checksum == 0xdeadbeef ? -1 : 0;  // keeps the reads from being optimised away
    } catch (const hearth::Error&) {
        return 0;
    }
}
