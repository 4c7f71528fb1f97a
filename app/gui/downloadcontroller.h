// Getting models in the app: the catalog with its recommendation for the chosen device, Hugging
// Face search and previews, the download queue (progress for the models dialog and the main
// window's indicator), the Hub settings, and the other apps' folders the model list includes.
// The network is used only for what the user starts here (and to finish downloads the user
// queued); offline mode turns all of it off. QML reaches it as the DownloadController singleton.
#pragma once

#include "cataloglistmodel.h"
#include "cppownedsingleton.h"
#include "downloadlistmodel.h"
#include "hubfilemodel.h"
#include "hubsearchmodel.h"

#include <QObject>
#include <QSet>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

#include <memory>

namespace hearth::models {
class DownloadQueue;
class HubClient;
}  // namespace hearth::models

namespace hearth::app {

class ModelController;

class DownloadController : public QObject, public CppOwnedSingleton<DownloadController> {
    Q_OBJECT
    QML_ELEMENT
    QML_SINGLETON
    Q_PROPERTY(hearth::app::CatalogListModel* catalog READ catalog CONSTANT)
    Q_PROPERTY(hearth::app::DownloadListModel* downloads READ downloads CONSTANT)
    Q_PROPERTY(hearth::app::HubSearchModel* searchResults READ searchResults CONSTANT)
    Q_PROPERTY(hearth::app::HubFileModel* repositoryFiles READ repositoryFiles CONSTANT)
    // What the welcome screen offers: the best catalog model that fits the chosen device.
    Q_PROPERTY(QString recommendedId READ recommendedId NOTIFY recommendationChanged)
    Q_PROPERTY(QString recommendedName READ recommendedName NOTIFY recommendationChanged)
    Q_PROPERTY(QString recommendedDetails READ recommendedDetails NOTIFY recommendationChanged)
    Q_PROPERTY(bool recommendedDownloading READ recommendedDownloading NOTIFY progressChanged)
    Q_PROPERTY(double recommendedProgress READ recommendedProgress NOTIFY progressChanged)
    Q_PROPERTY(bool offline READ offline WRITE setOffline NOTIFY settingsChanged)
    Q_PROPERTY(QString hubEndpoint READ hubEndpoint WRITE setHubEndpoint NOTIFY settingsChanged)
    Q_PROPERTY(bool hasToken READ hasToken NOTIFY settingsChanged)
    // [{id, label, enabled, folders}] for Settings.
    Q_PROPERTY(QVariantList sources READ sources NOTIFY settingsChanged)
    Q_PROPERTY(int activeDownloads READ activeDownloads NOTIFY progressChanged)
    Q_PROPERTY(double overallProgress READ overallProgress NOTIFY progressChanged)
    Q_PROPERTY(bool busy READ busy NOTIFY busyChanged)  // a search, listing or preview in flight
    Q_PROPERTY(QString message READ message NOTIFY messageChanged)  // the last error, or what happened

public:
    DownloadController(storage::Store& store, ModelController& models, QObject* parent = nullptr);
    ~DownloadController() override;

    CatalogListModel* catalog() const { return m_catalog; }
    DownloadListModel* downloads() const { return m_downloads; }
    HubSearchModel* searchResults() const { return m_searchResults; }
    HubFileModel* repositoryFiles() const { return m_repositoryFiles; }
    QString recommendedId() const { return m_recommendedId; }
    QString recommendedName() const;
    QString recommendedDetails() const;
    bool recommendedDownloading() const { return m_catalog->downloading(m_recommendedId); }
    double recommendedProgress() const { return m_catalog->progress(m_recommendedId); }
    bool offline() const;
    void setOffline(bool offline);
    QString hubEndpoint() const;
    void setHubEndpoint(const QString& endpoint);
    bool hasToken() const;
    QVariantList sources() const;
    int activeDownloads() const { return m_downloads->active(); }
    double overallProgress() const { return m_downloads->overallProgress(); }
    bool busy() const { return m_busy > 0; }
    QString message() const { return m_message; }

    // Downloads the entry's recommended file (exact size and checksum from the Hub's listing);
    // with loadWhenDone, the model is loaded once verified (the welcome screen's one click).
    Q_INVOKABLE void downloadCatalogEntry(const QString& id, bool loadWhenDone = false);
    Q_INVOKABLE void search(const QString& query);
    Q_INVOKABLE void openRepository(const QString& repository);
    Q_INVOKABLE void previewFile(int row);
    Q_INVOKABLE void downloadFile(int row);
    Q_INVOKABLE void pause(qint64 id);
    Q_INVOKABLE void resume(qint64 id);
    Q_INVOKABLE void cancel(qint64 id);
    Q_INVOKABLE void setToken(const QString& token);
    Q_INVOKABLE void setSourceEnabled(const QString& id, bool enabled);
    Q_INVOKABLE void clearMessage();
    // Finishes what the user queued in an earlier session (not in offline mode).
    void resumeQueued();

signals:
    void recommendationChanged();
    void settingsChanged();
    void progressChanged();
    void busyChanged();
    void messageChanged();

private:
    models::HubClient& hub();
    models::DownloadQueue& queue();
    bool refuseOffline();
    void enqueueFiles(const QString& repository, const models::HubModelFile& file, const QString& catalogId, bool loadWhenDone);
    void onFinished(int64_t id, bool ok, const QString& message, const QString& path);
    void updateRecommendation();
    void scanOtherApps();
    void setMessage(const QString& message);
    void setBusy(bool busy);

    storage::Store& m_store;
    ModelController& m_models;
    QString m_dataDir;
    CatalogListModel* m_catalog = nullptr;
    DownloadListModel* m_downloads = nullptr;
    HubSearchModel* m_searchResults = nullptr;
    HubFileModel* m_repositoryFiles = nullptr;
    std::unique_ptr<models::HubClient> m_hub;  // made on first use: no network object before the user asks
    bool m_hubStale = false;  // the address or token changed since m_hub was made
    std::unique_ptr<models::DownloadQueue> m_queue;
    QHash<int64_t, QString> m_catalogIdByDownload;
    QSet<QString> m_loadWhenDone;  // destination paths
    QString m_recommendedId;
    QString m_recommendedFile;  // its quantization (the recommended one, or a smaller one that fits)
    QString m_message;
    int m_busy = 0;
};

}  // namespace hearth::app
