#include "downloadcontroller.h"

#include "modelcontroller.h"
#include "models/download_queue.h"
#include "models/hub_client.h"
#include "models/model_sources.h"
#include "storage/store.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QPointer>
#include <QThreadPool>

Q_LOGGING_CATEGORY(lcDownloads, "hearth.downloads")

namespace hearth::app {

using namespace hearth::models;

namespace {
constexpr int64_t kPreviewContext = 4096;

QString parametersText(uint64_t n)
{
    return n >= 1'000'000'000 ? QString::number(double(n) / 1e9, 'f', 1) + QStringLiteral(" B")
                              : QString::number(double(n) / 1e6, 'f', 1) + QStringLiteral(" M");
}

Catalog loadCatalogOrEmpty()
{
    try {
        return loadCatalog();
    } catch (const std::exception& e) {
        qCWarning(lcDownloads) << e.what();
        return {};
    }
}
}  // namespace

DownloadController::DownloadController(storage::Store& store, ModelController& models, QObject* parent)
    : QObject(parent), m_store(store), m_models(models), m_dataDir(QFileInfo(QString::fromStdString(store.path())).absolutePath())
{
    m_catalog = new CatalogListModel(loadCatalogOrEmpty(), modelsDirectory(m_dataDir), this);
    m_downloads = new DownloadListModel(store, this);
    m_searchResults = new HubSearchModel(this);
    m_repositoryFiles = new HubFileModel(this);
    connect(&m_models, &ModelController::budgetChanged, this, &DownloadController::updateRecommendation);
    updateRecommendation();
    scanOtherApps();
}

DownloadController::~DownloadController() = default;

HubClient& DownloadController::hub()
{
    // A changed address or token applies from the next request on; one in flight finishes first.
    if (m_hubStale && m_busy == 0) {
        m_hub.reset();
        m_hubStale = false;
    }
    if (!m_hub) m_hub = std::make_unique<HubClient>(models::hubEndpoint(m_store, m_dataDir));
    return *m_hub;
}

DownloadQueue& DownloadController::queue()
{
    if (!m_queue) {
        m_queue = std::make_unique<DownloadQueue>(m_store, models::hubEndpoint(m_store, m_dataDir));
        connect(m_queue.get(), &DownloadQueue::changed, this, [this] {
            m_downloads->reload();
            m_catalog->refreshDownloaded();
            m_repositoryFiles->refreshDownloaded();
        });
        connect(m_queue.get(), &DownloadQueue::progress, this, [this](int64_t id, int64_t received, int64_t total, double speed) {
            m_downloads->setProgress(id, received, total, speed);
            if (m_catalogIdByDownload.contains(id) && total > 0)
                m_catalog->setDownloading(m_catalogIdByDownload[id], true, double(received) / double(total));
            emit progressChanged();
        });
        connect(m_queue.get(), &DownloadQueue::finished, this, &DownloadController::onFinished);
    }
    return *m_queue;
}

bool DownloadController::refuseOffline()
{
    if (!offline()) return false;
    setMessage(offlineMessage());
    return true;
}

void DownloadController::resumeQueued()
{
    if (offline()) return;
    for (const auto& d : m_store.listDownloads())
        if (d.state == "queued") {
            queue().resumeQueued();
            return;
        }
}

void DownloadController::downloadCatalogEntry(const QString& id, bool loadWhenDone)
{
    const CatalogEntry* entry = m_catalog->catalog().find(id);
    if (!entry || !entry->runnable || refuseOffline()) return;
    const CatalogFile& file = id == m_recommendedId && !m_recommendedFile.isEmpty() && entry->findFile(m_recommendedFile)
        ? *entry->findFile(m_recommendedFile)
        : entry->recommendedFile();
    const QString dest = m_catalog->destination(*entry, file);
    if (QFileInfo::exists(dest)) {
        if (loadWhenDone) m_models.loadModel(dest);
        return;
    }
    m_catalog->setDownloading(id, true, 0);
    emit progressChanged();
    setBusy(true);
    QPointer<DownloadController> self(this);
    const QString repository = entry->repository, path = file.file;
    // The Hub's listing gives the exact size and SHA-256 the download is verified against.
    hub().listFiles(repository, [self, repository, path, id, loadWhenDone](const QString& error, const QList<HubFile>& files) {
        if (!self) return;
        self->setBusy(false);
        if (!error.isEmpty()) {
            self->m_catalog->setDownloading(id, false);
            emit self->progressChanged();
            return self->setMessage(error);
        }
        try {
            const auto groups = groupModelFiles(files);
            self->enqueueFiles(repository, selectModelFile(groups, path, repository), id, loadWhenDone);
        } catch (const std::exception& e) {
            self->m_catalog->setDownloading(id, false);
            emit self->progressChanged();
            self->setMessage(QString::fromUtf8(e.what()));
        }
    });
}

void DownloadController::enqueueFiles(const QString& repository, const HubModelFile& file, const QString& catalogId, bool loadWhenDone)
{
    for (const HubFile& part : file.parts) {
        const QString dest = QDir(modelsDirectory(m_dataDir)).filePath(repository + QLatin1Char('/') + part.path);
        if (QFileInfo::exists(dest)) continue;
        const int64_t id = queue().enqueue({repository, part.path, dest, part.size, part.sha256});
        if (!catalogId.isEmpty()) m_catalogIdByDownload.insert(id, catalogId);
        // A split model loads from its first part, once every part is in.
        if (loadWhenDone && &part == &file.parts.front()) m_loadWhenDone.insert(dest);
        m_downloads->setRunning(id, queue().running(id));
    }
    m_downloads->reload();
    emit progressChanged();
}

void DownloadController::onFinished(int64_t id, bool ok, const QString& message, const QString& path)
{
    m_downloads->setRunning(id, false);
    m_downloads->reload();
    if (const QString catalogId = m_catalogIdByDownload.take(id); !catalogId.isEmpty()) m_catalog->setDownloading(catalogId, false);
    m_catalog->refreshDownloaded();
    emit progressChanged();
    if (!ok) {
        if (message != QLatin1String("paused") && message != QLatin1String("cancelled"))
            setMessage(tr("%1: %2").arg(QFileInfo(path).fileName(), message));
        return;
    }
    m_models.models()->refresh();
    setMessage(tr("%1 is downloaded and verified.").arg(QFileInfo(path).fileName()));
    if (m_loadWhenDone.remove(path)) m_models.loadModel(path);
}

void DownloadController::search(const QString& query)
{
    if (query.trimmed().isEmpty() || refuseOffline()) return;
    setBusy(true);
    QPointer<DownloadController> self(this);
    hub().search(query, [self](const QString& error, const QList<HubRepo>& repos) {
        if (!self) return;
        self->setBusy(false);
        if (!error.isEmpty()) return self->setMessage(error);
        self->m_searchResults->setRepos(repos);
        if (repos.isEmpty()) self->setMessage(tr("No GGUF repositories match."));
    });
}

void DownloadController::openRepository(const QString& repository)
{
    if (refuseOffline()) return;
    setBusy(true);
    QPointer<DownloadController> self(this);
    hub().listFiles(repository, [self, repository](const QString& error, const QList<HubFile>& files) {
        if (!self) return;
        self->setBusy(false);
        if (!error.isEmpty()) return self->setMessage(error);
        self->m_repositoryFiles->setFiles(repository, groupModelFiles(files), modelsDirectory(self->m_dataDir));
    });
}

void DownloadController::previewFile(int row)
{
    const HubModelFile* file = m_repositoryFiles->file(row);
    if (!file || refuseOffline()) return;
    m_repositoryFiles->setPreview(row, tr("Reading the header…"));
    const HubFile first = file->parts.front();  // the header is in the first part
    const int64_t budget = int64_t(m_models.budgetBytes());
    QPointer<DownloadController> self(this);
    hub().previewHeader(
        m_repositoryFiles->repository(), first.path, first.size, [self, row, budget](const QString& error, const HeaderPreview& preview) {
            if (!self) return;
            if (!error.isEmpty()) return self->m_repositoryFiles->setPreview(row, error);
            const ModelSummary& s = preview.summary;
            const std::string unsupported = unsupportedReason(s);
            const FitCheck fit = checkFit(s, kPreviewContext, uint64_t(budget));
            QString verdict = !unsupported.empty() ? tr("Hearth cannot run it yet: %1").arg(QString::fromStdString(unsupported))
                : fit.fits                         ? tr("fits the chosen device at %1 tokens").arg(kPreviewContext)
                : fit.contextThatFits > 0          ? tr("fits the chosen device only with %1 tokens of context").arg(fit.contextThatFits)
                                                   : tr("does not fit the chosen device");
            self->m_repositoryFiles->setPreview(row,
                                                tr("%1 · %2 parameters · %3 · context %4 · %5 (read %6 of %7)")
                                                    .arg(QString::fromStdString(s.architecture))
                                                    .arg(parametersText(s.parameterCount))
                                                    .arg(QString::fromStdString(s.dominantWeightType))
                                                    .arg(s.contextLength)
                                                    .arg(verdict, formatBytes(preview.bytesRead), formatBytes(preview.fileBytes)));
        });
}

void DownloadController::downloadFile(int row)
{
    const HubModelFile* file = m_repositoryFiles->file(row);
    if (!file || !file->complete || refuseOffline()) return;
    enqueueFiles(m_repositoryFiles->repository(), *file, {}, false);
}

void DownloadController::pause(qint64 id)
{
    if (m_queue) m_queue->pause(id);
}

void DownloadController::resume(qint64 id)
{
    if (refuseOffline()) return;
    queue().resume(id);
    m_downloads->setRunning(id, queue().running(id));
}

void DownloadController::cancel(qint64 id)
{
    if (m_queue) m_queue->cancel(id);
    else {
        if (const auto record = m_store.download(id)) QFile::remove(QString::fromStdString(record->dest) + QStringLiteral(".partial"));
        m_store.removeDownload(id);
        m_downloads->reload();
    }
}

bool DownloadController::offline() const { return offlineMode(m_store); }

void DownloadController::setOffline(bool offline)
{
    m_store.setSetting("network.offline", offline);
    if (offline && m_queue) {
        for (const auto& d : m_store.listDownloads())
            if (m_queue->running(d.id)) m_queue->pause(d.id);
    }
    emit settingsChanged();
}

QString DownloadController::hubEndpoint() const { return models::hubEndpoint(m_store, m_dataDir).base.toString(); }

void DownloadController::setHubEndpoint(const QString& endpoint)
{
    const QUrl url(endpoint.trimmed());
    if (!endpoint.trimmed().isEmpty() &&
        (!url.isValid() || (url.scheme() != QLatin1String("https") && url.scheme() != QLatin1String("http")))) {
        setMessage(tr("The Hub address must be an http(s) URL, like https://huggingface.co."));
        return;
    }
    if (endpoint.trimmed().isEmpty()) m_store.removeSetting("hub.endpoint");
    else m_store.setSetting("hub.endpoint", url.toString().toStdString());
    m_hubStale = true;  // the next request uses the new address
    emit settingsChanged();
}

bool DownloadController::hasToken() const { return !models::hubEndpoint(m_store, m_dataDir).token.isEmpty(); }

void DownloadController::setToken(const QString& token)
{
    try {
        saveHubToken(m_dataDir, token);
    } catch (const std::exception& e) {
        setMessage(QString::fromUtf8(e.what()));
    }
    m_hubStale = true;
    emit settingsChanged();
}

QVariantList DownloadController::sources() const
{
    QVariantList out;
    for (const ModelSource& s : modelSources())
        out.append(QVariantMap {{"id", s.id},
                                {"label", s.label},
                                {"enabled", m_store.boolSetting(sourceSettingKey(s.id).toStdString(), true)},
                                {"folders", s.roots.join(QStringLiteral(", "))}});
    return out;
}

void DownloadController::setSourceEnabled(const QString& id, bool enabled)
{
    m_store.setSetting(sourceSettingKey(id).toStdString(), enabled);
    emit settingsChanged();
    scanOtherApps();
}

void DownloadController::scanOtherApps()
{
    QStringList enabled;
    for (const ModelSource& s : modelSources())
        if (m_store.boolSetting(sourceSettingKey(s.id).toStdString(), true)) enabled << s.id;
    QPointer<DownloadController> self(this);
    // Walking other apps' folders can take a moment on a slow disk: off the GUI thread.
    QThreadPool::globalInstance()->start([self, enabled] {
        const QList<FoundModel> found = enabled.isEmpty() ? QList<FoundModel>() : scanModelSources(enabled);
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [self, found] {
                if (self) self->m_models.models()->setFoundModels(found);
            },
            Qt::QueuedConnection);
    });
}

void DownloadController::updateRecommendation()
{
    const auto best = recommend(m_catalog->catalog(), int64_t(m_models.budgetBytes()), m_models.budgetIsGpu());
    m_recommendedId = best ? best->entry->id : QString();
    m_recommendedFile = best ? best->file->quantization : QString();
    m_catalog->setBudget(int64_t(m_models.budgetBytes()), m_models.budgetIsGpu(), 4096);
    emit recommendationChanged();
}

QString DownloadController::recommendedName() const
{
    const CatalogEntry* e = m_catalog->catalog().find(m_recommendedId);
    return e ? e->name : QString();
}

QString DownloadController::recommendedDetails() const
{
    const CatalogEntry* e = m_catalog->catalog().find(m_recommendedId);
    if (!e) return {};
    const CatalogFile* f = e->findFile(m_recommendedFile);
    if (!f) f = &e->recommendedFile();
    return tr("%1 · %2 parameters · %3 download (%4) · %5 licence")
        .arg(e->description, e->parameters, formatBytes(f->approximateBytes), f->quantization, e->license);
}

void DownloadController::setMessage(const QString& message)
{
    m_message = message;
    emit messageChanged();
}

void DownloadController::clearMessage() { setMessage({}); }

void DownloadController::setBusy(bool busy)
{
    m_busy += busy ? 1 : -1;
    emit busyChanged();
}

}  // namespace hearth::app
