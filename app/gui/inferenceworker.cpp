#include "inferenceworker.h"

#include "engine/engine.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QSaveFile>
#include <QStandardPaths>

Q_LOGGING_CATEGORY(lcInference, "hearth.inference")

namespace hearth::app {

InferenceWorker::InferenceWorker(QObject* parent) : QObject(parent) { }
InferenceWorker::~InferenceWorker() = default;

void InferenceWorker::requestStop(quint64 requestId)
{
    // Dekker's pattern with generate(): it publishes m_running, then reads m_stopRequested; we
    // publish m_stopRequested, then read m_running. One of the two sees the other.
    quint64 newest = m_stopRequested.load();
    while (newest < requestId && !m_stopRequested.compare_exchange_weak(newest, requestId)) {
    }
    if (m_running.load() == requestId) m_cancel = true;
}

void InferenceWorker::loadModel(const QString& path, int contextLength, const QString& device, int gpuLayers)
{
    unloadModel();
    m_loaded = {path, device, contextLength, gpuLayers};
    m_reloadAfterDeviceLoss = false;
    emit loadProgress(0);
    EngineOptions options;
    options.device = device.toStdString();
    options.contextLength = contextLength;
    options.gpuLayers = gpuLayers;
    options.cancelLoad = &m_cancelLoad;
    QElapsedTimer sinceReport;
    sinceReport.start();
    options.onLoadProgress = [&](uint64_t done, uint64_t total) {
        if (sinceReport.elapsed() < 33 && done < total) return;
        sinceReport.restart();
        emit loadProgress(std::min(1.0, double(done) / double(std::max<uint64_t>(1, total))));
    };
    try {
        m_engine = Engine::open(path.toStdString(), options);
        if (!m_engine->fallbackNote().empty()) qCWarning(lcInference) << QString::fromStdString(m_engine->fallbackNote());
        qCInfo(lcInference) << "loaded" << path << "on" << QString::fromStdString(m_engine->backendName()) << "context"
                            << m_engine->contextLength();
        // Where it runs, and how a model bigger than the GPU is split between the GPU and the CPU.
        std::string runsOn = m_engine->chatFormat() + "; running on " + m_engine->backendName();
        if (!m_engine->placementNote().empty()) runsOn += ": " + m_engine->placementNote();
        emit modelLoaded(path, QString::fromStdString(runsOn), int(m_engine->contextLength()), m_engine->hasThinkingSwitch(),
                         m_engine->hasReasoningEffort(), QString::fromStdString(m_engine->placementNote()));
        emit loadProgress(1);
        if (m_engine->backendName().rfind("vulkan", 0) == 0) selfTestDevice(device, path);
    } catch (const Error& e) {
        m_engine.reset();
        if (e.code() == ErrorCode::Cancelled) emit modelLoadCancelled(path);
        else emit modelLoadFailed(path, QString::fromUtf8(e.what()));
    } catch (const std::exception& e) {
        m_engine.reset();
        emit modelLoadFailed(path, QString::fromUtf8(e.what()));
    }
}

void InferenceWorker::selfTestDevice(const QString& device, const QString& modelPath)
{
    // The kernels this model needs: its weight types' (the rest are the same for every model).
    std::vector<std::string> types;
    try {
        for (const auto& [type, usage] : readModelSummary(modelPath.toStdString()).weightTypes) types.push_back(type);
    } catch (const std::exception&) {
        return;  // it just loaded; a file that vanished since is no reason to test the device
    }
    QString typeList;
    for (const auto& t : types) typeList += (typeList.isEmpty() ? "" : ",") + QString::fromStdString(t);
    // The device the engine chose: the one listComputeDevices marks for this request (a real GPU
    // when automatic mode picked Vulkan).
    const DeviceInventory inventory = listComputeDevices(device.toStdString());
    const ComputeDevice* chosen = nullptr;
    for (const auto& d : inventory.devices)
        if (!chosen && d.vulkan && (d.automaticChoice || d.id == device.toStdString())) chosen = &d;
    if (!chosen) return;
    const QString key = QString::fromStdString(chosen->name + " | " + chosen->driverName + " " + chosen->driverInfo) + " | hearth " +
        QCoreApplication::applicationVersion() + " | " + typeList;
    const QString folder = QStandardPaths::writableLocation(QStandardPaths::CacheLocation);
    const QString cachePath = folder + "/device-self-test.json";
    QJsonObject cache;
    if (QFile file(cachePath); file.open(QIODevice::ReadOnly)) cache = QJsonDocument::fromJson(file.readAll()).object();
    QJsonObject result = cache.value(key).toObject();
    if (result.isEmpty()) {
        try {
            const SelfTestReport report = runDeviceSelfTest(chosen->id, types);
            QStringList failures;
            for (const auto& c : report.checks)
                if (!c.passed) failures << QString::fromStdString(c.kernel + " (" + c.detail + ")");
            const QString where = QString::fromStdString(report.device + ", " + report.driver);
            result = {
                {"passed", report.passed},
                {"failures", failures.join(", ")},
                {"summary",
                 report.passed
                     ? tr("passed: %1 kernel checks on %2 in %3 s").arg(report.checks.size()).arg(where).arg(report.seconds, 0, 'f', 1)
                     : tr("FAILED on %1: %2").arg(where, failures.join(", "))}};
        } catch (const std::exception& e) {
            result = {{"passed", false}, {"failures", QString()}, {"summary", tr("could not run: %1").arg(QString::fromUtf8(e.what()))}};
        }
        cache.insert(key, result);
        QDir().mkpath(folder);
        QSaveFile file(cachePath);
        if (file.open(QIODevice::WriteOnly)) {
            file.write(QJsonDocument(cache).toJson());
            file.commit();
        }
    }
    qCInfo(lcInference) << "device self-test:" << result.value("summary").toString();
    emit selfTested(result.value("summary").toString(), result.value("passed").toBool(), result.value("failures").toString());
}

void InferenceWorker::unloadModel()
{
    m_engine.reset();
    m_reloadAfterDeviceLoss = false;
}

bool InferenceWorker::reloadAfterDeviceLoss(quint64 requestId)
{
    qCWarning(lcInference) << "loading" << m_loaded.path << "again after its GPU was lost";
    const LoadRequest last = m_loaded;
    loadModel(last.path, last.contextLength, last.device, last.gpuLayers);
    if (!m_engine && !last.device.isEmpty()) {  // that device is gone: the automatic choice
        loadModel(last.path, last.contextLength, QString(), last.gpuLayers);
        m_loaded.device = last.device;  // the user's choice stays theirs
    }
    if (m_engine) return true;
    m_reloadAfterDeviceLoss = true;  // try again on the next request
    emit failed(requestId, tr("The model could not be loaded again after the GPU was lost."));
    return false;
}

bool InferenceWorker::runWithEngine(const std::function<void(Engine&)>& fn)
{
    bool ran = false;
    std::exception_ptr failure;
    // Queued behind the chat's own requests: API and chat take turns on the one engine.
    const bool delivered = QMetaObject::invokeMethod(
        this,
        [&] {
            if (!m_engine) return;
            ran = true;
            try {
                fn(*m_engine);
            } catch (...) {
                failure = std::current_exception();
            }
        },
        Qt::BlockingQueuedConnection);
    if (failure) std::rethrow_exception(failure);
    return delivered && ran;
}

void InferenceWorker::inspect(const GenerateRequest& request, const QString& draft)
{
    if (!m_engine) return;
    try {
        std::vector<ChatMessage> messages = request.messages;
        if (!draft.isEmpty()) messages.push_back({"user", draft.toStdString(), std::nullopt});
        RenderedChat prompt = m_engine->renderChat(messages);
        const int draftTokens = draft.isEmpty() ? 0 : int(m_engine->tokenize(draft.toStdString(), false, false).size());
        emit inspected(QString::fromStdString(prompt.text), int(prompt.tokens.size()), draftTokens);
    } catch (const std::exception& e) {
        emit inspected(tr("The prompt cannot be rendered: %1").arg(QString::fromUtf8(e.what())), 0, 0);
    }
}

void InferenceWorker::countTokens(quint64 key, const QString& text)
{
    int n = -1;
    try {
        if (m_engine) n = int(m_engine->tokenize(text.toStdString(), false, false).size());
    } catch (const std::exception&) {
        n = -1;
    }
    emit counted(key, n);
}

void InferenceWorker::generate(const GenerateRequest& request)
{
    m_running = request.id;
    m_cancel = m_stopRequested.load() >= request.id;  // stopped while it waited in the queue
    if (!m_engine && m_reloadAfterDeviceLoss && !reloadAfterDeviceLoss(request.id)) {
        m_running = 0;
        return;
    }
    if (!m_engine) {
        m_running = 0;
        emit failed(request.id, tr("No model is loaded."));
        return;
    }
    try {
        // Batches of text go to the GUI at most ~60 times a second, appended (never re-copied).
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
        ChatTurnRequest turn;
        turn.messages = request.messages;
        turn.generate.maxTokens = request.maxTokens;
        turn.generate.sampler = request.sampler;
        turn.replyPrefix = request.continuation;
        turn.thinking = request.thinking;
        ChatTurnCallbacks callbacks;
        callbacks.cancel = &m_cancel;
        callbacks.onDelta = [&](const std::string& answerPart, const std::string& reasoningPart) {
            answer += QString::fromStdString(answerPart);
            reasoning += QString::fromStdString(reasoningPart);
            if (sinceFlush.elapsed() >= 16) flush();
        };
        const ChatTurnResult result = m_engine->chat(turn, callbacks);
        flush();
        GenerateStats stats;
        stats.finishReason = QString::fromLatin1(finishReasonName(result.reason));
        stats.promptTokens = result.promptTokens;
        stats.completionTokens = result.completionTokens;
        stats.tokensPerSecond = result.tokensPerSecond;
        stats.contextShifts = result.contextShifts;
        stats.contextUsed = result.contextUsed;
        m_running = 0;
        emit finished(request.id, stats);
    } catch (const Error& e) {
        m_running = 0;
        if (e.code() == ErrorCode::DeviceLost) {
            // Everything on the GPU is gone: drop the model (its memory there is invalid) and load
            // it again for the next request. The conversation is the GUI's and stays as it is.
            qCWarning(lcInference) << e.what();
            m_engine.reset();
            m_reloadAfterDeviceLoss = true;
            emit failed(request.id,
                        tr("The GPU stopped working during this reply (%1). The conversation is kept; the model will be "
                           "loaded again for your next message.")
                            .arg(QString::fromUtf8(e.what())));
            return;
        }
        emit failed(request.id, QString::fromUtf8(e.what()));
    } catch (const std::exception& e) {
        m_running = 0;
        emit failed(request.id, QString::fromUtf8(e.what()));
    }
}

}  // namespace hearth::app
