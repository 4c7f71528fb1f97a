#include "modelcontroller.h"

#include "inferenceworker.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJSEngine>
#include <QLoggingCategory>
#include <QPointer>
#include <QThreadPool>
#include <QUrl>

Q_LOGGING_CATEGORY(lcModels, "hearth.models")

namespace hearth::app {

ModelController::ModelController(storage::Store& store, AppSettings& settings, QObject* parent)
    : QObject(parent), m_store(store), m_settings(settings)
{
    m_worker = new InferenceWorker;
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(this, &ModelController::requestLoad, m_worker, &InferenceWorker::loadModel);
    connect(m_worker, &InferenceWorker::modelLoaded, this, &ModelController::onModelLoaded);
    connect(m_worker, &InferenceWorker::selfTested, this, [this](const QString& summary, bool passed, const QString& failures) {
        m_selfTestSummary = summary;
        emit selfTestChanged();
        // A driver that computes some kernels wrongly gives wrong replies: say which, offer the CPU.
        if (!passed)
            emit failed(tr("This GPU's driver failed Hearth's self-test (%1), so its replies could be wrong. Choose \"CPU\" under "
                           "Settings → Compute device to run on the processor instead.")
                            .arg(failures.isEmpty() ? summary : failures));
    });
    connect(m_worker, &InferenceWorker::modelLoadFailed, this, [this](const QString& path, const QString& error) {
        m_loading = false;
        m_modelPath.clear();
        emit modelChanged();
        emit failed(tr("%1 could not be loaded: %2").arg(QFileInfo(path).fileName(), error));
    });
    connect(m_worker, &InferenceWorker::modelLoadCancelled, this, [this](const QString&) {
        m_loading = false;
        m_modelPath.clear();
        emit modelChanged();
    });
    connect(m_worker, &InferenceWorker::loadProgress, this, [this](double fraction) {
        m_loadProgress = fraction;
        emit loadProgressChanged();
    });
    m_thread.setObjectName("hearth-inference");
    m_thread.start();

    m_models = new ModelListModel(m_store, QFileInfo(QString::fromStdString(m_store.path())).dir().filePath("models"), this);
    connect(&m_settings, &AppSettings::changed, this, &ModelController::updateModelBudget);
    // Until the devices are read: Automatic and CPU, both with the machine's memory as budget.
    setDevices({}, systemMemoryBytes(), false);
    // Listing Vulkan devices loads drivers (tens of milliseconds, more on some systems): off
    // the GUI thread; the list and the fit check update when it arrives.
    QPointer<ModelController> self(this);
    QThreadPool::globalInstance()->start([self] {
        const DeviceInventory inventory = listComputeDevices();
        std::vector<DeviceChoice> choices;
        for (const ComputeDevice& d : inventory.devices)
            if (d.vulkan)
                choices.push_back({tr("Vulkan: %1 (%2)").arg(QString::fromStdString(d.name), QString::fromStdString(d.kind)),
                                   QString::fromStdString(d.id), d.memoryBytes});
        uint64_t automatic = systemMemoryBytes();
        bool automaticGpu = false;
        for (const ComputeDevice& d : inventory.devices)
            if (d.automaticChoice) {
                automatic = d.memoryBytes;
                automaticGpu = d.vulkan && d.kind != "cpu";
            }
        if (!inventory.vulkanProblem.empty()) qCInfo(lcModels) << "Vulkan:" << QString::fromStdString(inventory.vulkanProblem);
        const QString cpuName = QString::fromStdString(inventory.devices.back().name);
        const QString reason = QString::fromStdString(inventory.automaticReason);
        qCInfo(lcModels) << "automatic device choice:" << reason;
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [self, choices, automatic, automaticGpu, cpuName, reason] {
                if (self) {
                    self->m_automaticGpu = automaticGpu;
                    self->setDevices(choices, automatic, true, cpuName, reason);
                }
            },
            Qt::QueuedConnection);
    });
}

ModelController::~ModelController()
{
    shutdown();
    m_thread.quit();
    m_thread.wait();
}

void ModelController::setDevices(const std::vector<DeviceChoice>& vulkan, uint64_t automaticBudget, bool read, const QString& cpuName,
                                 const QString& automaticReason)
{
    m_devicesRead = read;
    m_automaticReason = automaticReason;
    m_devices = {{tr("Automatic (the best GPU, else the CPU)"), QString(), automaticBudget}};
    m_devices.insert(m_devices.end(), vulkan.begin(), vulkan.end());
    m_devices.push_back({cpuName.isEmpty() ? tr("CPU") : cpuName, QStringLiteral("cpu"), systemMemoryBytes()});
    m_deviceLabels.clear();
    for (const auto& d : m_devices) m_deviceLabels << d.label;
    updateModelBudget();
    emit devicesChanged();
}

void ModelController::waitForDevices()
{
    while (!m_devicesRead) QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
}

void ModelController::shutdown()
{
    if (m_loading) m_worker->requestCancelLoad();
}

QString ModelController::modelName() const { return QFileInfo(m_modelPath).fileName(); }

QString ModelController::defaultModel() const
{
    QString path;
    try {
        path = QString::fromStdString(m_store.stringSetting("default_model", ""));
    } catch (const std::exception& e) {
        qCWarning(lcModels) << "reading the default model:" << e.what();
    }
    return QFileInfo::exists(path) ? path : QString();
}

int ModelController::deviceIndex() const
{
    for (size_t i = 0; i < m_devices.size(); ++i)
        if (m_devices[i].setting == m_settings.computeDevice()) return int(i);
    return 0;
}

void ModelController::setDeviceIndex(int index)
{
    if (index < 0 || index >= int(m_devices.size()) || index == deviceIndex()) return;
    m_settings.setComputeDevice(m_devices[size_t(index)].setting);
    updateModelBudget();
    emit devicesChanged();
    // The new device takes over at once: reload the model there (the conversation stays).
    if (!m_modelPath.isEmpty() && !m_busy && !m_loading) loadModel(m_modelPath);
}

void ModelController::updateModelBudget()
{
    if (m_devices.empty()) return;
    const auto& d = m_devices[size_t(deviceIndex())];
    m_models->setBudget(d.budget, d.setting == "cpu" ? tr("this computer's memory") : tr("the device"), m_settings.contextLength(),
                        budgetIsGpu());
    emit budgetChanged();
}

uint64_t ModelController::budgetBytes() const { return m_devices.empty() ? systemMemoryBytes() : m_devices[size_t(deviceIndex())].budget; }

bool ModelController::budgetIsGpu() const
{
    if (m_devices.empty()) return false;
    const QString setting = m_devices[size_t(deviceIndex())].setting;
    return setting.isEmpty() ? m_automaticGpu : setting != QLatin1String("cpu");
}

void ModelController::loadModel(const QString& pathOrUrl)
{
    const QUrl url(pathOrUrl);
    const QString path = url.isLocalFile() ? url.toLocalFile() : pathOrUrl;
    if (path.isEmpty() || m_busy) return;
    m_loading = true;
    m_modelPath = path;
    emit modelChanged();
    m_loadProgress = 0;
    emit loadProgressChanged();
    m_worker->clearCancelLoad();
    emit requestLoad(path, m_settings.contextLength(), m_settings.computeDevice(), m_settings.gpuLayers());
}

void ModelController::cancelLoad()
{
    if (m_loading) m_worker->requestCancelLoad();
}

void ModelController::onModelLoaded(const QString& path, const QString& templateDescription, int contextLength, bool thinkingSwitch,
                                    bool reasoningEffort, const QString& placement)
{
    m_reasoningEffort = reasoningEffort;
    m_placement = placement;
    m_loading = false;
    m_thinkingSwitch = thinkingSwitch;
    m_modelPath = path;
    m_templateDescription = templateDescription;
    m_contextLength = contextLength;
    QFileInfo info(path);
    try {
        const int64_t id = m_store.upsertModel(path.toStdString(), info.size(), info.lastModified().toMSecsSinceEpoch(), std::nullopt);
        m_store.markModelUsed(id);
        m_store.setSetting("default_model", path.toStdString());
        m_models->refresh();  // a file loaded from elsewhere joins the list
    } catch (const std::exception& e) {
        qCWarning(lcModels) << "model registry:" << e.what();
    }
    emit modelChanged();
}

}  // namespace hearth::app
