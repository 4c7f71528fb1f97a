// The only owner of the engine: lives on its own QThread and talks to the GUI through queued
// signals, so the GUI thread never waits for model loading or generation. Tokens are sent in
// batches (at most ~60 per second) so the view repaints smoothly.
#pragma once

#include "generaterequest.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>

namespace hearth {
class Engine;
}

namespace hearth::app {

class InferenceWorker : public QObject {
    Q_OBJECT

public:
    explicit InferenceWorker(QObject* parent = nullptr);
    ~InferenceWorker() override;

    // Safe from any thread: the request stops within one token, or does not start at all when it
    // is still queued behind another (a Stop pressed early is never lost).
    void requestStop(quint64 requestId);
    // Called from the GUI thread: the model being loaded stops uploading and is dropped.
    void requestCancelLoad() { m_cancelLoad = true; }
    // Called from the GUI thread before each load request (so a cancel right after it counts).
    void clearCancelLoad() { m_cancelLoad = false; }
    // From another thread (the API server's): runs fn with the loaded engine on this worker's
    // thread, after whatever is queued before it, and waits for it. Returns false (fn not run)
    // when no model is loaded or the worker has stopped. fn's exceptions reach the caller.
    bool runWithEngine(const std::function<void(Engine&)>& fn);

public slots:
    // device: "" automatic (Vulkan, else the CPU), "cpu", or a Vulkan device index.
    // gpuLayers: GPU offload (EngineOptions::gpuLayers; -1 all that fit).
    void loadModel(const QString& path, int contextLength, const QString& device, int gpuLayers = -1);
    void unloadModel();
    void generate(const hearth::app::GenerateRequest& request);
    // Renders request.messages (plus `draft` as a user message when not empty) exactly as a
    // generation would, and counts the tokens of the prompt and of the draft alone.
    void inspect(const hearth::app::GenerateRequest& request, const QString& draft);
    // Counts the tokens of a text in the loaded model's tokenizer (an attachment's); -1 without a model.
    void countTokens(quint64 key, const QString& text);

signals:
    void counted(quint64 key, int tokens);
    // A model whose GPU was lost (driver reset, removed, timed out) is dropped; the reply in
    // progress fails with a message that says so, and the next request loads it again.
    // thinkingSwitch: the model's template has a Think on/off (Qwen3, SmolLM3, DeepSeek V3.1, ...).
    // placement: how a model bigger than the GPU is split between it and the CPU ("" when it is not).
    void modelLoaded(const QString& path, const QString& templateDescription, int contextLength, bool thinkingSwitch, bool reasoningEffort,
                     const QString& placement);
    void modelLoadFailed(const QString& path, const QString& error);
    void modelLoadCancelled(const QString& path);
    void loadProgress(double fraction);  // 0..1, at most ~30 times a second
    void inspected(const QString& prompt, int promptTokens, int draftTokens);
    void tokens(quint64 requestId, const QString& answer, const QString& reasoning);
    void finished(quint64 requestId, const hearth::app::GenerateStats& stats);
    void failed(quint64 requestId, const QString& error);
    // The device self-test of the GPU a model was loaded on (run once per device, driver and set
    // of weight types, the result kept in the cache folder): a summary, and the kernels that failed ("" when none).
    void selfTested(const QString& summary, bool passed, const QString& failures);

private:
    std::unique_ptr<Engine> m_engine;
    std::atomic<quint64> m_running {0};  // the request generating now (0: none)
    std::atomic<quint64> m_stopRequested {0};  // the newest request asked to stop
    std::atomic<bool> m_cancel {false};  // the running request's cancel flag
    std::atomic<bool> m_cancelLoad {false};
    // What loadModel was last asked for: a model lost with its GPU is loaded again from it.
    struct LoadRequest {
        QString path, device;
        int contextLength = 0, gpuLayers = -1;
    };
    LoadRequest m_loaded;
    bool m_reloadAfterDeviceLoss = false;
    // Loads the model again after its GPU was lost: the same device if it came back, else the
    // automatic choice. False (and `failed` emitted) when neither loads.
    bool reloadAfterDeviceLoss(quint64 requestId);
    // The self-test of the Vulkan device `device` (as loadModel got it) for the kernels of the
    // model's weight types, from the cache or run now.
    void selfTestDevice(const QString& device, const QString& modelPath);
};

}  // namespace hearth::app
