// libFuzzer entry for the GGUF reader: any bytes must parse or give a hearth::Error, and a
// file that parses must be safe to summarise and to read every tensor of. The same bytes as a
// remote file's header prefix (a claimed size larger than the bytes, as the download preview
// sees them) must parse, ask for more (Truncated) or give an error, and nothing else.
#include "core/error.h"
#include "gguf/gguf_file.h"
#include "model/model_summary.h"

#include <cstddef>
#include <cstdint>

namespace {

void parseAsRemoteHeader(const uint8_t* data, size_t size)
{
    // The last 8 bytes say how large the "remote" file is; the rest is its prefix.
    if (size < 8) return;
    uint64_t claimed = 0;
    for (int i = 0; i < 8; ++i) claimed |= uint64_t(data[size - 8 + i]) << (8 * i);
    const size_t prefix = size - 8;
    try {
        hearth::ModelSummary summary = hearth::summarizeModel(hearth::GgufFile::parseHeader({data, prefix}, claimed, "remote.gguf"));
        (void)summary.memoryBytes(4096);
    } catch (const hearth::Error&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    parseAsRemoteHeader(data, size);
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
