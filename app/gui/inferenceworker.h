// The only owner of the engine: lives on its own QThread and talks to the GUI through queued
// signals, so the GUI thread never waits for model loading or generation. Tokens are sent in
// batches (at most ~60 per second) so the view repaints smoothly.
#pragma once

#include "generaterequest.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <memory>

namespace hearth {
class Backend;
class Model;
class Session;
class ChatFormatter;
}  // namespace hearth

namespace hearth::app {

class InferenceWorker : public QObject {
    Q_OBJECT

public:
    explicit InferenceWorker(QObject* parent = nullptr);
    ~InferenceWorker() override;

    // Safe from any thread: the running generation stops within one token.
    void requestStop() { m_stop = true; }
    // Called from the GUI thread: the model being loaded stops uploading and is dropped.
    void requestCancelLoad() { m_cancelLoad = true; }
    // Called from the GUI thread before each load request (so a cancel right after it counts).
    void clearCancelLoad() { m_cancelLoad = false; }

public slots:
    // device: "" automatic (Vulkan, else the CPU), "cpu", or a Vulkan device index.
    void loadModel(const QString& path, int contextLength, const QString& device);
    void unloadModel();
    void generate(const hearth::app::GenerateRequest& request);
    // Renders request.messages (plus `draft` as a user message when not empty) exactly as a
    // generation would, and counts the tokens of the prompt and of the draft alone.
    void inspect(const hearth::app::GenerateRequest& request, const QString& draft);

signals:
    void modelLoaded(const QString& path, const QString& templateDescription, int contextLength);
    void modelLoadFailed(const QString& path, const QString& error);
    void modelLoadCancelled(const QString& path);
    void loadProgress(double fraction);  // 0..1, at most ~30 times a second
    void inspected(const QString& prompt, int promptTokens, int draftTokens);
    void tokens(quint64 requestId, const QString& answer, const QString& reasoning);
    void finished(quint64 requestId, const hearth::app::GenerateStats& stats);
    void failed(quint64 requestId, const QString& error);

private:
    std::shared_ptr<Backend> backend(const QString& device);
    // The chat template's text for the messages and its tokens (BOS added unless the template wrote it).
    // `continuation` (the start of the reply) follows the generation prompt as plain text.
    std::pair<std::string, std::vector<int32_t>> renderPrompt(const std::vector<ChatMessage>& messages,
                                                              const std::string& continuation = {}) const;

    std::shared_ptr<Backend> m_backend;  // made on first load: Vulkan, or the CPU without a usable device
    QString m_backendDevice;             // the device setting m_backend was made for
    std::unique_ptr<Model> m_model;
    std::unique_ptr<Session> m_session;
    std::unique_ptr<ChatFormatter> m_formatter;
    std::atomic<bool> m_stop = false;
    std::atomic<bool> m_cancelLoad = false;
    double m_loadTotalBytes = 1;
};

}  // namespace hearth::app
