// Hearth's engine as the app, the CLI and (soon) the local server see it: the one door. Nothing
// outside inference/ includes another engine header; everything a caller needs is here.
//
// What a caller may rely on:
// - Errors: every failure is a hearth::Error (core/error.h) with a code and a message that names
//   the file, tensor, key or device at fault. Nothing here exits, and nothing returns a half-made
//   object: a failed or cancelled Engine::open leaves nothing loaded.
// - Threads: an Engine is used by one thread at a time (the app's inference thread); the free
//   functions (devices, summaries, fit checks, templates, tokenizing a file's vocabulary) may be
//   called from any thread. A cancel flag may be set from any thread.
// - Devices: the automatic choice is Vulkan's best device, else the CPU, decided in exactly one
//   place (Engine::open); fallbackNote() says when and why the CPU was used instead.
// - Privacy of text: message text never becomes control tokens (see chat/chat_prompt.h); only a
//   chat template's own markup does. tokenize() parses control strings only when asked.
// - Memory: the KV-cache size the fit check predicts is the one the session allocates.
#pragma once

#include "chat/chat_template.h"  // ChatMessage
#include "core/error.h"  // hearth::Error, ErrorCode
#include "engine/generation.h"  // GenerateOptions, GenerateResult, FinishReason, SamplerSettings
#include "engine/perplexity_report.h"  // PerplexityRequest, PerplexityReport, KlDivergenceReport
#include "model/model_summary.h"  // ModelSummary

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hearth {

// ---------------------------------------------------------------------------------------------
// Compute devices

struct ComputeDevice {
    std::string id;  // what EngineOptions::device takes: a Vulkan index, or "cpu"
    std::string name;  // "NVIDIA GeForce RTX 4070", "llvmpipe (LLVM 15.0.6, 256 bits)", "CPU"
    std::string kind;  // "discrete", "integrated", "virtual", "cpu", "other"; "cpu" for Hearth's CPU backend
    bool vulkan = false;
    uint64_t memoryBytes = 0;  // the largest device-local heap (system memory for the CPU backend)
    bool automaticChoice = false;
    // Vulkan details (hearth-cli devices): driver and what the device offers.
    std::string driverName, driverInfo, apiVersion;
    uint32_t subgroupSize = 0;
    bool subgroupArithmetic = false, float16 = false, int8 = false, storage16 = false, storage8 = false;
    // 8-bit integer dot products: "accelerated" (Hearth's integer-dot kernels run by default),
    // "emulated" (the driver has them but does not say they are instructions: the float kernels
    // run, except on CPU drivers such as lavapipe, where the integer-dot kernels measured faster;
    // HEARTH_VK_INTEGER_DOT=0/1 forces the choice), or "none".
    std::string integerDot = "none";
    bool integerDotKernels = false;  // whether Hearth's integer-dot kernels run on it (see vk::usesIntegerDotKernels)
    uint64_t maxStorageBufferRange = 0, maxAllocationBytes = 0;
    std::vector<std::pair<uint64_t, bool>> heaps;  // bytes, device-local
    std::vector<uint64_t> heapsFree;  // per heap: free for this process now (VK_EXT_memory_budget); 0: the driver does not say
};

struct DeviceInventory {
    std::vector<ComputeDevice> devices;  // the Vulkan devices, then the CPU backend (always last)
    std::string vulkanLoaderVersion;  // empty without a Vulkan loader
    std::string vulkanProblem;  // why there are no Vulkan devices ("" when there are)
    std::string automaticReason;  // why automatic mode picks the device it picks
};

// Never throws: what cannot be listed is explained in vulkanProblem. `request` (an index or part
// of a name, as EngineOptions::device) only moves automaticChoice; an unknown one is an error.
DeviceInventory listComputeDevices(const std::string& request = {});
uint64_t systemMemoryBytes();
unsigned maxCpuThreads();  // the most CPU threads EngineOptions::threads may ask for
uint64_t peakResidentBytes();  // this process's peak resident memory (benchmarks); 0 when unknown

// The device self-test (hearth-cli selftest): every Vulkan kernel on small random inputs against
// the CPU reference, with the tests' tolerances. weightTypes: the matmul and embedding kernels of
// these types only (GGUF type names, "Q4_K"); empty: every type. Throws Error(Device) when there
// is no such Vulkan device; a kernel that fails or throws is a failed check, not an exception.
struct KernelCheck {
    std::string kernel, detail;  // "matmul Q4_K", "7 tokens"
    double error = 0, tolerance = 0;  // normalised mean squared error against the CPU reference
    bool passed = false;
    std::string problem;  // the error it threw, if it did
};
struct SelfTestReport {
    std::string device, driver;
    bool passed = false;
    std::vector<KernelCheck> checks;
    double seconds = 0;
};
SelfTestReport runDeviceSelfTest(const std::string& device, const std::vector<std::string>& weightTypes = {});

// ---------------------------------------------------------------------------------------------
// Model files, read from metadata only (fast, any thread)

ModelSummary readModelSummary(const std::string& path);
// The same from the first bytes of a file of fileSize bytes (a remote file read with an HTTP
// range request). Throws Error(Truncated) when the header needs more than `prefix`.
ModelSummary readModelSummaryFromHeader(std::span<const uint8_t> prefix, uint64_t fileSize, const std::string& name);
const std::vector<std::string>& supportedArchitectures();
// Why Hearth cannot run this file ("" when it can): an architecture or a weight type it lacks.
std::string unsupportedReason(const ModelSummary& summary);

struct FitCheck {
    bool fits = false;
    int64_t context = 0;  // the context checked (capped at the trained context)
    uint64_t neededBytes = 0;  // weights + KV cache at that context
    uint64_t availableBytes = 0;
    bool weightsAloneTooBig = false;
    int64_t contextThatFits = 0;  // the longest context (a multiple of 256) that fits, 0 if none
};
FitCheck checkFit(const ModelSummary& summary, int64_t context, uint64_t availableBytes, bool f16Cache = true);

// Structured output: throws Error(InvalidArgument) naming what Hearth cannot enforce in a JSON
// schema (GenerateOptions::jsonSchema), before any model is asked to follow it.
void validateJsonSchema(const std::string& schemaJson);

// ---------------------------------------------------------------------------------------------
// Chat templates and tokenizers without loading weights (hearth-cli template / tokenize)

std::string renderChatTemplate(const std::string& templateSource, const std::vector<ChatMessage>& messages, bool addGenerationPrompt,
                               const std::string& bosToken, const std::string& eosToken, std::optional<bool> thinking = {},
                               const std::string& toolsJson = {});

class ModelVocabulary {
public:
    static std::unique_ptr<ModelVocabulary> open(const std::string& modelPath);
    ~ModelVocabulary();
    std::vector<int32_t> tokenize(std::string_view text, bool addBos, bool parseSpecial) const;
    std::string tokenText(int32_t id) const;  // the piece as the vocabulary writes it ("▁Once")
    // The conversation in the model's chat format; `description` says which format was used.
    // bosToken/eosToken replace the vocabulary's texts when given.
    std::string renderChat(const std::vector<ChatMessage>& messages, bool addGenerationPrompt, std::string& description,
                           const std::optional<std::string>& bosToken = {}, const std::optional<std::string>& eosToken = {},
                           std::optional<bool> thinking = {}) const;

    struct Impl;

private:
    explicit ModelVocabulary(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m;
};

// ---------------------------------------------------------------------------------------------
// A loaded model with its conversation state

struct EngineOptions {
    // "" or "auto": Vulkan's best GPU, else the CPU backend (also when Vulkan's only device is a
    // CPU renderer such as lavapipe). "vulkan": Vulkan's best device, no fallback. "cpu": the fast
    // CPU backend (SIMD kernels chosen at run time). "cpu-reference": the scalar reference
    // backend (tests' oracle). Otherwise a Vulkan device index or part of its name.
    std::string device;
    unsigned threads = 0;  // CPU threads; 0: the physical cores (fast CPU backend), all hardware threads (reference)
    int64_t contextLength = 0;  // 0: the trained context, at most 4096; always capped at the trained one
    bool f16Cache = true;
    // A model bigger than the GPU: how many of its layers (the last ones) run on the GPU, the rest
    // on the CPU backend; -1: as many as fit. Only for the Vulkan backend.
    int64_t gpuLayers = -1;
    // A mixture of experts: the experts of its first cpuMoeLayers layers on the CPU (their
    // attention stays on the GPU).
    int64_t cpuMoeLayers = 0;
    // Called while the weights go to the device (bytes done, bytes in all); may be called often.
    std::function<void(uint64_t, uint64_t)> onLoadProgress;
    const std::atomic<bool>* cancelLoad = nullptr;  // set: open() stops and throws Error(Cancelled)
};

// One chat turn: the conversation so far in, the reply out, streamed as answer and reasoning.
struct ChatTurnRequest {
    std::vector<ChatMessage> messages;
    GenerateOptions generate;
    std::string replyPrefix;  // the start of the reply, already written (continuing an interrupted one)
    std::optional<bool> thinking;  // the chat's Think switch; unset: the template's default
    // OpenAI's `tools` as JSON text ("" for none). Needs a model template that renders tools
    // (Error(InvalidArgument) otherwise); tool calls come back as text in the model's own
    // format (the API server parses them).
    std::string toolsJson;
};
struct ChatTurnCallbacks {
    std::function<void(const std::string& answer, const std::string& reasoning)> onDelta;
    std::function<void(int64_t discarded)> onContextShift;
    const std::atomic<bool>* cancel = nullptr;  // checked before every token
};
struct ChatTurnResult {
    FinishReason reason = FinishReason::Stop;
    int64_t promptTokens = 0;
    int64_t completionTokens = 0;
    double tokensPerSecond = 0;
    int contextShifts = 0;
    int64_t contextUsed = 0;
};
struct RenderedChat {
    std::string text;  // exactly what the model reads
    std::vector<int32_t> tokens;  // BOS added only when the template did not write it
};

struct SpeedSample {
    double promptSeconds = 0;  // evaluating the prompt tokens
    double generateSeconds = 0;  // decoding the generated tokens one at a time
};

class Engine {
public:
    static std::unique_ptr<Engine> open(const std::string& path, const EngineOptions& options = {});
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    const ModelSummary& summary() const;
    std::string backendName() const;  // "vulkan (NVIDIA …)", "cpu (8 threads)"
    const std::string& fallbackNote() const;  // why automatic mode runs on the CPU backend; "" otherwise
    // Where a model split between the GPU and the CPU runs ("18 of 48 layers on the GPU (6.1 GiB),
    // 30 on the CPU (10.2 GiB)"); "" when it runs on one side.
    const std::string& placementNote() const;
    const ComputeDevice& device() const;  // what runs it
    uint64_t deviceBytesPeak() const;  // device memory used at most (0 on the CPU)
    int64_t contextLength() const;
    int64_t trainedContext() const;
    int64_t vocabularySize() const;

    std::vector<int32_t> tokenize(std::string_view text, bool addBos, bool parseSpecial) const;
    std::string tokenText(int32_t id) const;

    // The chat turn: the model's template (or its family's built-in format), the BOS rule,
    // control-token safety, generation, stop strings and the <think> split, in one place.
    const std::string& chatFormat() const;  // which format renders the chats, and why
    RenderedChat renderChat(const std::vector<ChatMessage>& messages, const std::string& replyPrefix = {},
                            std::optional<bool> thinking = {});
    // Whether the model's template has a thinking switch (Qwen3, SmolLM3, DeepSeek V3.1, Granite 3.3):
    // the app shows its Think toggle, the CLI takes --think.
    bool hasThinkingSwitch() const;
    // gpt-oss: the Think switch sets its reasoning effort (on: high, off: low, unset: medium).
    bool hasReasoningEffort() const;
    bool supportsTools() const;  // the model's own template renders `tools`
    // How the model writes a tool call: "hermes" (<tool_call>{"name", "arguments"}</tool_call>),
    // "llama3" (a {"name", "parameters"} object), or "" (unknown: a call cannot be forced).
    std::string toolCallFormat() const;
    ChatTurnResult chat(const ChatTurnRequest& request, const ChatTurnCallbacks& callbacks);

    // Raw completion of tokens (hearth-cli run, /v1/completions): the same session and cache.
    GenerateResult complete(std::span<const int32_t> prompt, const GenerateOptions& options, const GenerateCallbacks& callbacks);
    int64_t contextUsed() const;

    // llama.cpp's perplexity method (a fresh context per chunk; the chat session is untouched),
    // optionally writing or comparing with llama.cpp's saved-logits file (KL divergence).
    PerplexityReport perplexity(const PerplexityRequest& request, const std::function<void(int, const PerplexityReport&)>& onChunk = {});
    // llama-bench's two tests: `promptTokens` random tokens evaluated, and `generatedTokens`
    // decoded one at a time, each in a fresh context holding `depth` untimed tokens first (its -d).
    SpeedSample measureSpeed(int64_t promptTokens, int64_t generatedTokens, uint64_t seed, int64_t depth = 0);

    struct Impl;

private:
    explicit Engine(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m;
};

}  // namespace hearth
