// Engine: the door's loaded model. Opening picks the backend (the one fallback rule), loads the
// weights with progress and cancel, and makes the conversation's session and chat turn.
#include "engine/engine.h"

#include "backend/cpu/cpu_backend.h"
#include "backend/cpu/fast_cpu_backend.h"
#include "backend/vulkan/vulkan_backend.h"
#include "engine/chat_turn.h"
#include "engine/device_description.h"
#include "engine/perplexity.h"
#include "engine/session.h"
#include "model/model.h"
#include "platform/process_memory.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>

namespace hearth {

struct Engine::Impl {
    std::shared_ptr<Backend> backend;
    VulkanBackend* vulkan = nullptr;  // the same backend when it is Vulkan
    std::unique_ptr<Model> model;
    std::unique_ptr<Session> session;
    std::unique_ptr<ChatTurn> turn;
    ModelSummary summary;
    ComputeDevice device;
    std::string fallbackNote;
    std::string placementNote;
    int64_t contextLength = 0;
    bool f16Cache = true;
};

namespace {

// The one place the backend is chosen: automatic means the best Vulkan GPU, Hearth's CPU backend
// when there is none (no loader, no device, or only a CPU renderer such as lavapipe); a model that
// does not fit is an error, not a reason to fall back silently.
std::shared_ptr<Backend> makeBackend(const EngineOptions& options, std::string& choiceNote)
{
    const std::string& device = options.device;
    if (device == "cpu") return std::make_shared<FastCpuBackend>(options.threads);
    if (device == "cpu-reference") return std::make_shared<CpuBackend>(options.threads);
    VulkanBackendOptions vulkan;
    if (device != "auto" && device != "vulkan") vulkan.device = device;
    // Test hook: a device that pretends to hold only this many bytes (GPU offload tests on lavapipe).
    if (const char* limit = std::getenv("HEARTH_VULKAN_MEMORY_LIMIT")) vulkan.memoryLimit = std::strtoull(limit, nullptr, 10);
    if (!device.empty() && device != "auto") return std::make_shared<VulkanBackend>(vulkan);
    try {
        const vk::LoaderStatus& loader = vk::loadVulkanLoader();
        if (!loader.available) throw Error(ErrorCode::Device, loader.message);
        AutomaticChoice choice;
        {
            vk::Instance instance;
            choice = chooseAutomatically(describeVulkanDevices(instance), "");
        }
        if (choice.vulkanIndex) {
            vulkan.device = std::to_string(*choice.vulkanIndex);
            return std::make_shared<VulkanBackend>(vulkan);
        }
        choiceNote = choice.reason;
    } catch (const Error& e) {
        if (e.code() != ErrorCode::Device) throw;
        choiceNote = std::string("Hearth's CPU backend: Vulkan is not available (") + e.what() + ")";
    }
    return std::make_shared<FastCpuBackend>(options.threads);
}

std::string gib(uint64_t bytes)
{
    char text[32];
    if (bytes < (1ull << 30)) std::snprintf(text, sizeof text, "%.0f MiB", double(bytes) / double(1ull << 20));
    else std::snprintf(text, sizeof text, "%.1f GiB", double(bytes) / double(1ull << 30));
    return text;
}

// What a model needs on the device for a placement: its weights there and their layers' KV cache.
uint64_t deviceBytesNeeded(const GgufFile& file, const ModelConfig& c, const ModelPlacement& p, int64_t context, bool f16Cache)
{
    // The session's formula, for the layers on the device (the first hostLayers run on the CPU).
    return Model::deviceWeightBytes(file, c, p) +
        kvCacheBytes(c, context, f16Cache, SessionOptions {}.batchSize, p.host ? p.hostLayers : 0);
}

// The split between the GPU and the CPU: the layers asked for, or as many as fit the device's free
// memory beside their KV cache and a margin for the working buffers. A model that fits is not split.
ModelPlacement planPlacement(const std::string& path, VulkanBackend& device, const EngineOptions& options, unsigned threads,
                             std::string& note)
{
    const GgufFile file = GgufFile::open(path);
    const ModelConfig c = ModelConfig::fromGguf(file);
    const int64_t trained = c.trainedContext;
    const int64_t context = std::min(options.contextLength > 0 ? options.contextLength : std::min<int64_t>(trained, 4096), trained);
    const uint64_t free = device.deviceBytesFree();
    // The working buffers: activations of a 512-token batch, a few rows of logits.
    const uint64_t margin = std::min<uint64_t>(free / 8, 512ull << 20) + (8ull << 20);
    ModelPlacement p;
    p.host = std::make_shared<FastCpuBackend>(threads);
    p.hostExpertLayers = c.isMixtureOfExperts() ? std::clamp<int64_t>(options.cpuMoeLayers, 0, c.layers) : 0;
    auto fits = [&](int64_t gpuLayers) {
        p.hostLayers = c.validHostLayers(c.layers - gpuLayers);
        return deviceBytesNeeded(file, c, p, context, options.f16Cache) + margin <= free;
    };
    int64_t gpuLayers = std::clamp<int64_t>(options.gpuLayers, 0, c.layers);
    if (options.gpuLayers < 0) {
        gpuLayers = c.layers;
        while (gpuLayers > 0 && !fits(gpuLayers)) --gpuLayers;
    }
    p.hostLayers = c.validHostLayers(c.layers - gpuLayers);
    gpuLayers = c.layers - p.hostLayers;
    if (p.hostLayers == 0 && p.hostExpertLayers == 0) return {};
    uint64_t total = 0;
    for (const GgufTensorInfo& t : file.tensors()) total += t.byteSize;
    const uint64_t onDevice = Model::deviceWeightBytes(file, c, p);
    const uint64_t onHost = total > onDevice ? total - onDevice : 0;
    const uint64_t physical = totalPhysicalMemory();
    if (physical && onHost > physical)
        throw Error(ErrorCode::OutOfMemory,
                    path + ": the model fits neither " + device.device().name + " (" + gib(free) + " free) nor " +
                        "this machine's memory (" + gib(physical) + ") with " + gib(onHost) +
                        " of its weights on the CPU; choose a smaller (more quantized) model");
    note = std::to_string(gpuLayers) + " of " + std::to_string(c.layers) + " layers on the GPU (" + gib(onDevice) + "), " +
        std::to_string(c.layers - gpuLayers) + " on the CPU";
    if (p.hostExpertLayers > p.hostLayers)
        note += ", and the experts of the first " + std::to_string(p.hostExpertLayers) + " layers on the CPU";
    note += " (" + gib(onHost) + ")";
    return p;
}

}  // namespace

Engine::Engine(std::unique_ptr<Impl> impl) : m(std::move(impl)) { }
Engine::~Engine() = default;

std::unique_ptr<Engine> Engine::open(const std::string& path, const EngineOptions& options)
{
    auto impl = std::make_unique<Impl>();
    auto cancelled = [&] { return options.cancelLoad && options.cancelLoad->load(); };
    if (cancelled()) throw Error(ErrorCode::Cancelled, path + ": loading was cancelled");
    impl->backend = makeBackend(options, impl->fallbackNote);
    impl->vulkan = dynamic_cast<VulkanBackend*>(impl->backend.get());
    std::error_code sizeError;  // only for the progress fraction: the load itself reports a bad path
    const uint64_t size = std::filesystem::file_size(path, sizeError);
    const uint64_t total = sizeError ? 1 : std::max<uint64_t>(1, size);
    if (impl->vulkan) {
        impl->device = describeVulkanDevice(impl->vulkan->device());
        impl->vulkan->setUploadProgress([&](uint64_t bytes) {
            if (cancelled()) throw Error(ErrorCode::Cancelled, path + ": loading was cancelled");
            if (options.onLoadProgress) options.onLoadProgress(std::min(bytes, total), total);
        });
    } else {
        impl->device = describeCpuDevice();
        if (dynamic_cast<FastCpuBackend*>(impl->backend.get()) == nullptr) impl->device.name = "CPU (reference kernels)";
    }
    ModelPlacement placement;
    if (impl->vulkan) placement = planPlacement(path, *impl->vulkan, options, options.threads, impl->placementNote);
    impl->model = Model::load(path, impl->backend, placement);
    impl->summary = summarizeModel(impl->model->file());  // from the file the model already parsed
    if (impl->vulkan) impl->vulkan->setUploadProgress({});
    if (cancelled()) throw Error(ErrorCode::Cancelled, path + ": loading was cancelled");
    const int64_t trained = impl->model->config().trainedContext;
    const int64_t wanted = options.contextLength > 0 ? options.contextLength : std::min<int64_t>(trained, 4096);
    impl->contextLength = std::min(wanted, trained);
    impl->f16Cache = options.f16Cache;
    SessionOptions sessionOptions;
    sessionOptions.contextLength = impl->contextLength;
    sessionOptions.f16Cache = options.f16Cache;
    impl->session = std::make_unique<Session>(*impl->model, sessionOptions);
    impl->turn = std::make_unique<ChatTurn>(*impl->model, *impl->session);
    if (options.onLoadProgress) options.onLoadProgress(total, total);
    return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

const ModelSummary& Engine::summary() const { return m->summary; }
std::string Engine::backendName() const { return m->backend->name(); }
const std::string& Engine::fallbackNote() const { return m->fallbackNote; }
const std::string& Engine::placementNote() const { return m->placementNote; }
const ComputeDevice& Engine::device() const { return m->device; }
uint64_t Engine::deviceBytesPeak() const { return m->vulkan ? m->vulkan->deviceBytesPeak() : 0; }
int64_t Engine::contextLength() const { return m->contextLength; }
int64_t Engine::trainedContext() const { return m->model->config().trainedContext; }
int64_t Engine::vocabularySize() const { return m->model->config().vocabulary; }
int64_t Engine::contextUsed() const { return int64_t(m->session->tokens().size()); }

std::vector<int32_t> Engine::tokenize(std::string_view text, bool addBos, bool parseSpecial) const
{
    return m->model->tokenizer().encode(text, addBos, parseSpecial);
}

std::string Engine::tokenText(int32_t id) const { return m->model->tokenizer().tokenBytes(id, /*renderSpecial=*/true); }

const std::string& Engine::chatFormat() const { return m->turn->formatDescription(); }

RenderedChat Engine::renderChat(const std::vector<ChatMessage>& messages, const std::string& replyPrefix, std::optional<bool> thinking)
{
    return m->turn->render(messages, replyPrefix, thinking);
}

bool Engine::hasThinkingSwitch() const { return m->turn->hasThinkingSwitch(); }
bool Engine::hasReasoningEffort() const { return m->turn->hasReasoningEffort(); }

bool Engine::supportsTools() const { return m->turn->supportsTools(); }
std::string Engine::toolCallFormat() const { return m->turn->toolCallFormat(); }

ChatTurnResult Engine::chat(const ChatTurnRequest& request, const ChatTurnCallbacks& callbacks) { return m->turn->run(request, callbacks); }

GenerateResult Engine::complete(std::span<const int32_t> prompt, const GenerateOptions& options, const GenerateCallbacks& callbacks)
{
    return m->session->generate(prompt, options, callbacks);
}

PerplexityReport Engine::perplexity(const PerplexityRequest& request, const std::function<void(int, const PerplexityReport&)>& onChunk)
{
    return measurePerplexity(*m->model, request, m->f16Cache, onChunk);
}

SpeedSample Engine::measureSpeed(int64_t promptTokens, int64_t generatedTokens, uint64_t seed, int64_t depth)
{
    using Clock = std::chrono::steady_clock;
    // Random non-special tokens, like llama-bench, so no prompt is easier than another.
    std::mt19937 rng {static_cast<uint32_t>(seed)};
    std::uniform_int_distribution<TokenId> pick(3, TokenId(m->model->config().vocabulary - 1));
    auto randomTokens = [&](int64_t count) {
        std::vector<TokenId> tokens(static_cast<size_t>(count));
        for (auto& t : tokens) t = pick(rng);
        return tokens;
    };
    // Each test in its own context, as llama-bench clears the cache between them: decoding after
    // the prompt would time attention over its tokens too, which llama-bench's tg does not.
    auto freshSession = [&](int64_t tokens) {
        SessionOptions options;
        options.contextLength = depth + tokens + 8;
        options.f16Cache = m->f16Cache;
        auto session = std::make_unique<Session>(*m->model, options);
        if (depth > 0) session->evaluate(randomTokens(depth));
        return session;
    };
    SpeedSample sample;
    {
        const std::vector<TokenId> prompt = randomTokens(promptTokens);
        auto session = freshSession(promptTokens);
        const auto t0 = Clock::now();
        session->evaluate(prompt);
        sample.promptSeconds = std::chrono::duration<double>(Clock::now() - t0).count();
    }
    auto session = freshSession(generatedTokens);
    const TokenId next = pick(rng);
    const auto t0 = Clock::now();
    for (int64_t i = 0; i < generatedTokens; ++i) session->decode(next);
    sample.generateSeconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return sample;
}

}  // namespace hearth
