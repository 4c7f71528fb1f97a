#include "inferenceworker.h"

#include "backend/cpu/cpu_backend.h"
#include "backend/vulkan/vulkan_backend.h"
#include "chat/chat_formatter.h"
#include "chat/chat_prompt.h"
#include "chat/reasoning_splitter.h"
#include "core/error.h"
#include "engine/session.h"
#include "model/model.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcInference, "hearth.inference")

namespace hearth::app {

namespace {
struct LoadCancelled {};  // thrown from the upload progress callback
}  // namespace

InferenceWorker::InferenceWorker(QObject* parent) : QObject(parent) {}
InferenceWorker::~InferenceWorker() = default;

std::shared_ptr<Backend> InferenceWorker::backend(const QString& device)
{
    if (m_backend && device == m_backendDevice) return m_backend;
    m_backend.reset();  // the model using it was unloaded by the caller
    m_backendDevice = device;
    if (device == "cpu") {
        m_backend = std::make_shared<CpuBackend>();
    } else if (!device.isEmpty()) {
        VulkanBackendOptions options;
        options.device = device.toStdString();
        m_backend = std::make_shared<VulkanBackend>(options);  // a failure says which device and why
    } else {
        // Vulkan is the product path (HEARTH_VULKAN_DEVICE picks a device); a machine without a
        // usable Vulkan device still chats, on the CPU reference backend.
        try {
            m_backend = std::make_shared<VulkanBackend>();
        } catch (const Error& e) {
            qCWarning(lcInference) << "Vulkan is not available, using the CPU:" << e.what();
            m_backend = std::make_shared<CpuBackend>();
        }
    }
    if (auto* vulkan = dynamic_cast<VulkanBackend*>(m_backend.get())) {
        auto sinceReport = std::make_shared<QElapsedTimer>();
        sinceReport->start();
        vulkan->setUploadProgress([this, sinceReport](uint64_t bytes) {
            if (m_cancelLoad) throw LoadCancelled();
            if (sinceReport->elapsed() < 33) return;
            sinceReport->restart();
            emit loadProgress(std::min(1.0, double(bytes) / m_loadTotalBytes));
        });
    }
    qCInfo(lcInference) << "backend" << QString::fromStdString(m_backend->name());
    return m_backend;
}

void InferenceWorker::loadModel(const QString& path, int contextLength, const QString& device)
{
    unloadModel();
    m_loadTotalBytes = std::max<double>(1, double(QFileInfo(path).size()));
    emit loadProgress(0);
    try {
        m_model = Model::load(path.toStdString(), backend(device));
        SessionOptions options;
        options.contextLength = std::min<int64_t>(contextLength, m_model->config().trainedContext);
        m_session = std::make_unique<Session>(*m_model, options);
        m_formatter = std::make_unique<ChatFormatter>(ChatFormatter::fromModelFile(m_model->file(), m_model->tokenizer().vocabulary()));
        qCInfo(lcInference) << "loaded" << path << "context" << options.contextLength;
        emit modelLoaded(path, QString::fromStdString(m_formatter->description() + "; running on " + m_backend->name()),
                         int(options.contextLength));
        emit loadProgress(1);
    } catch (const LoadCancelled&) {
        m_session.reset();
        m_model.reset();
        emit modelLoadCancelled(path);
    } catch (const std::exception& e) {
        m_session.reset();
        m_model.reset();
        emit modelLoadFailed(path, QString::fromUtf8(e.what()));
    }
}

void InferenceWorker::unloadModel()
{
    m_session.reset();
    m_formatter.reset();
    m_model.reset();
}

std::pair<std::string, std::vector<int32_t>> InferenceWorker::renderPrompt(const std::vector<ChatMessage>& messages,
                                                                         const std::string& continuation) const
{
    // Only the template's markup becomes control tokens; message text never does.
    ChatPrompt prompt = renderChatPrompt(*m_formatter, m_model->tokenizer(), messages, true, continuation);
    return {std::move(prompt.text), std::move(prompt.tokens)};
}

void InferenceWorker::inspect(const GenerateRequest& request, const QString& draft)
{
    if (!m_model) return;
    try {
        std::vector<ChatMessage> messages = request.messages;
        if (!draft.isEmpty()) messages.push_back({"user", draft.toStdString(), std::nullopt});
        auto [prompt, tokens] = renderPrompt(messages);
        const int draftTokens = draft.isEmpty() ? 0 : int(m_model->tokenizer().encode(draft.toStdString(), false, false).size());
        emit inspected(QString::fromStdString(prompt), int(tokens.size()), draftTokens);
    } catch (const std::exception& e) {
        emit inspected(tr("The prompt cannot be rendered: %1").arg(QString::fromUtf8(e.what())), 0, 0);
    }
}

void InferenceWorker::generate(const GenerateRequest& request)
{
    m_stop = false;
    if (!m_model) {
        emit failed(request.id, tr("No model is loaded."));
        return;
    }
    try {
        auto [prompt, promptTokens] = renderPrompt(request.messages, request.continuation);

        ReasoningSplitter splitter(ReasoningSplitter::promptOpensReasoning(prompt));
        QString answer, reasoning;
        QElapsedTimer sinceFlush;
        sinceFlush.start();
        auto flush = [&] {
            if (answer.isEmpty() && reasoning.isEmpty()) return;
            emit tokens(request.id, answer, reasoning);
            answer.clear();
            reasoning.clear();
            sinceFlush.restart();
        };
        GenerateOptions options;
        options.maxTokens = request.maxTokens;
        options.sampler = request.sampler;
        GenerateCallbacks callbacks;
        callbacks.cancel = &m_stop;
        callbacks.onText = [&](const std::string& text) {
            auto delta = splitter.push(text);
            answer += QString::fromStdString(delta.answer);
            reasoning += QString::fromStdString(delta.reasoning);
            if (sinceFlush.elapsed() >= 16) flush();  // ~60 updates a second at most
        };
        GenerateResult result = m_session->generate(promptTokens, options, callbacks);
        auto rest = splitter.flush();
        answer += QString::fromStdString(rest.answer);
        reasoning += QString::fromStdString(rest.reasoning);
        flush();
        GenerateStats stats;
        stats.finishReason = QString::fromLatin1(finishReasonName(result.reason));
        stats.promptTokens = qint64(promptTokens.size());
        stats.completionTokens = qint64(result.tokens.size());
        stats.tokensPerSecond = result.generateSeconds > 0 ? double(result.tokens.size()) / result.generateSeconds : 0;
        stats.contextShifts = result.contextShifts;
        stats.contextUsed = qint64(m_session->tokens().size());
        emit finished(request.id, stats);
    } catch (const std::exception& e) {
        emit failed(request.id, QString::fromUtf8(e.what()));
    }
}

}  // namespace hearth::app
