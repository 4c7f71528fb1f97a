// The model side of the app: the compute devices (listed off the GUI thread), the model list
// and its fit check, loading (with progress and cancel), switching device, and the inference
// worker's thread, which it owns. QML reaches it as the ModelController singleton.
#pragma once

#include "appsettings.h"
#include "cppownedsingleton.h"
#include "modellistmodel.h"

#include <QObject>
#include <QStringList>
#include <QThread>
#include <QtQml/qqmlregistration.h>

#include <vector>

class QQmlEngine;
class QJSEngine;

namespace hearth::app {

class InferenceWorker;

class ModelController : public QObject, public CppOwnedSingleton<ModelController> {
    Q_OBJECT
    QML_ELEMENT
    QML_SINGLETON
    Q_PROPERTY(bool modelLoaded READ modelLoaded NOTIFY modelChanged)
    Q_PROPERTY(bool loadingModel READ loadingModel NOTIFY modelChanged)
    Q_PROPERTY(double loadProgress READ loadProgress NOTIFY loadProgressChanged)
    Q_PROPERTY(QString modelName READ modelName NOTIFY modelChanged)
    Q_PROPERTY(QString modelPath READ modelPath NOTIFY modelChanged)
    Q_PROPERTY(QString templateDescription READ templateDescription NOTIFY modelChanged)
    // Where the loaded model runs when it is split between the GPU and the CPU ("" otherwise).
    Q_PROPERTY(QString placement READ placement NOTIFY modelChanged)
    Q_PROPERTY(int contextLength READ contextLength NOTIFY modelChanged)
    // The loaded model's template has a thinking switch: the chat shows its Think toggle.
    Q_PROPERTY(bool thinkingSwitch READ thinkingSwitch NOTIFY modelChanged)
    // gpt-oss: the Think switch is its reasoning effort (on high, off low, default medium).
    Q_PROPERTY(bool reasoningEffort READ reasoningEffort NOTIFY modelChanged)
    Q_PROPERTY(hearth::app::ModelListModel* models READ models CONSTANT)
    // "Automatic", each Vulkan device, "CPU" (filled in once the device list is read), and the chosen one.
    Q_PROPERTY(QStringList devices READ devices NOTIFY devicesChanged)
    Q_PROPERTY(int deviceIndex READ deviceIndex WRITE setDeviceIndex NOTIFY devicesChanged)
    // What automatic mode runs on and why ("the only Vulkan device … renders on the CPU; …").
    Q_PROPERTY(QString automaticDeviceReason READ automaticDeviceReason NOTIFY devicesChanged)
    // The self-test of the GPU the model runs on ("" before one ran): Settings shows it.
    Q_PROPERTY(QString selfTestSummary READ selfTestSummary NOTIFY selfTestChanged)

public:
    ModelController(storage::Store& store, AppSettings& settings, QObject* parent = nullptr);
    ~ModelController() override;

    bool modelLoaded() const { return !m_modelPath.isEmpty() && !m_loading; }
    bool loadingModel() const { return m_loading; }
    double loadProgress() const { return m_loadProgress; }
    QString modelName() const;
    QString modelPath() const { return m_modelPath; }
    QString templateDescription() const { return m_templateDescription; }
    QString placement() const { return m_placement; }
    int contextLength() const { return m_contextLength; }
    bool thinkingSwitch() const { return m_thinkingSwitch; }
    bool reasoningEffort() const { return m_reasoningEffort; }
    ModelListModel* models() const { return m_models; }
    QStringList devices() const { return m_deviceLabels; }
    QString automaticDeviceReason() const { return m_automaticReason; }
    QString selfTestSummary() const { return m_selfTestSummary; }
    int deviceIndex() const;
    void setDeviceIndex(int index);
    // The model loaded last time, if its file still exists.
    QString defaultModel() const;
    // The memory the chosen device offers a model, and whether it is a GPU (the catalog's
    // recommendation and fit check use them).
    uint64_t budgetBytes() const;
    bool budgetIsGpu() const;
    // Blocks until the device list is read (tests; the GUI just waits for devicesChanged).
    void waitForDevices();

    Q_INVOKABLE void loadModel(const QString& pathOrUrl);
    // Stops a model load in progress (the weights upload stops; no model is loaded after it).
    Q_INVOKABLE void cancelLoad();
    // While a reply streams, loading is refused (ChatController says so).
    void setBusy(bool busy) { m_busy = busy; }
    InferenceWorker* worker() const { return m_worker; }
    // Quitting: a load in progress is cancelled, so the app never waits for a whole upload.
    void shutdown();

signals:
    void modelChanged();
    void loadProgressChanged();
    void devicesChanged();
    void budgetChanged();
    void selfTestChanged();
    void failed(const QString& message);
    void requestLoad(const QString& path, int contextLength, const QString& device, int gpuLayers);  // to the worker (queued)

private:
    struct DeviceChoice {
        QString label, setting;
        uint64_t budget = 0;  // the memory the fit check may use
    };
    // Automatic, the Vulkan devices, CPU. `read` is false for the first list, Automatic and CPU
    // only, shown until the devices have been listed off the GUI thread.
    void setDevices(const std::vector<DeviceChoice>& vulkan, uint64_t automaticBudget, bool read, const QString& cpuName = {},
                    const QString& automaticReason = {});
    void updateModelBudget();
    void onModelLoaded(const QString& path, const QString& templateDescription, int contextLength, bool thinkingSwitch,
                       bool reasoningEffort, const QString& placement);

    storage::Store& m_store;
    AppSettings& m_settings;
    QThread m_thread;
    InferenceWorker* m_worker = nullptr;  // lives on m_thread, deleted when it finishes
    ModelListModel* m_models = nullptr;
    std::vector<DeviceChoice> m_devices;
    QStringList m_deviceLabels;
    QString m_automaticReason;
    QString m_selfTestSummary;
    bool m_devicesRead = false;
    bool m_automaticGpu = false;  // automatic mode runs on a real GPU
    QString m_modelPath;
    QString m_templateDescription;
    QString m_placement;
    int m_contextLength = 0;
    bool m_thinkingSwitch = false;
    bool m_reasoningEffort = false;
    bool m_loading = false;
    bool m_busy = false;
    double m_loadProgress = 0;
};

}  // namespace hearth::app
