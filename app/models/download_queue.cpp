#include "models/download_queue.h"

#include "storage/store.h"

#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QTimer>

Q_DECLARE_LOGGING_CATEGORY(lcDownload)

namespace hearth::models {

DownloadQueue::DownloadQueue(storage::Store& store, HubEndpoint endpoint, DownloadTuning tuning, QObject* parent)
    : QObject(parent), m_store(store), m_endpoint(std::move(endpoint)), m_tuning(tuning)
{
}

DownloadQueue::~DownloadQueue()
{
    // Quitting mid-download is a pause: the queue and the .partial files stay for next time.
    for (DownloadTask* task : std::as_const(m_tasks)) {
        task->disconnect(this);
        task->pause();
        delete task;
    }
}

int64_t DownloadQueue::enqueue(const DownloadRequest& request)
{
    storage::DownloadRecord record;
    record.repo = request.repo.toStdString();
    record.file = request.file.toStdString();
    record.url = m_endpoint.resolveUrl(request.repo, request.file).toString().toStdString();
    record.dest = request.dest.toStdString();
    if (request.size > 0) record.size = request.size;
    if (!request.sha256.isEmpty()) record.sha256 = request.sha256.toStdString();
    const int64_t id = m_store.addDownload(record);
    emit changed();
    startWaiting();
    return id;
}

void DownloadQueue::resumeQueued() { startWaiting(); }

void DownloadQueue::startWaiting()
{
    for (const auto& d : m_store.listDownloads()) {
        if (m_tasks.size() >= m_parallel) break;
        if (d.state == "queued" && !m_tasks.contains(d.id)) startTask(d.id);
    }
}

void DownloadQueue::startTask(int64_t id)
{
    const auto record = m_store.download(id);
    if (!record) return;
    DownloadSpec spec;
    spec.url = QUrl(QString::fromStdString(record->url));
    spec.dest = QString::fromStdString(record->dest);
    spec.size = record->size.value_or(0);
    spec.sha256 = QString::fromStdString(record->sha256.value_or(""));
    spec.etag = QString::fromStdString(record->etag.value_or(""));
    auto* task = new DownloadTask(m_network, m_endpoint, spec, m_tuning, this);
    m_tasks.insert(id, task);
    connect(task, &DownloadTask::progress, this,
            [this, id](int64_t received, int64_t total, double speed) { emit progress(id, received, total, speed); });
    connect(task, &DownloadTask::resumedFrom, this, [this, id](int64_t offset) { emit resumedFrom(id, offset); });
    connect(task, &DownloadTask::etagSeen, this, [this, id](const QString& etag) {
        try {
            m_store.setDownloadEtag(id, etag.toStdString());
        } catch (const std::exception& e) {
            qCWarning(lcDownload) << "download queue:" << e.what();
        }
    });
    connect(task, &DownloadTask::finished, this,
            [this, id](DownloadTask::Outcome outcome, const QString& message) { onTaskFinished(id, outcome, message); });
    // Started from the event loop, never inside enqueue(): whoever queued it hears every outcome,
    // even one as quick as "not enough disk space".
    QTimer::singleShot(0, task, &DownloadTask::start);
}

void DownloadQueue::onTaskFinished(int64_t id, DownloadTask::Outcome outcome, const QString& message)
{
    DownloadTask* task = m_tasks.take(id);
    if (!task) return;
    task->deleteLater();
    const QString dest = task->spec().dest;
    QString text = message;
    bool ok = false;
    try {
        switch (outcome) {
        case DownloadTask::Outcome::Done: {
            m_store.setDownloadState(id, "done");
            const QFileInfo info(dest);
            const int64_t model =
                m_store.upsertModel(dest.toStdString(), info.size(), info.lastModified().toMSecsSinceEpoch(), std::nullopt);
            m_store.setModelHash(model, task->sha256().toStdString());
            ok = true;
            break;
        }
        case DownloadTask::Outcome::Failed: m_store.setDownloadState(id, "failed", message.toStdString()); break;
        case DownloadTask::Outcome::Paused:
            m_store.setDownloadState(id, "paused");
            text = QStringLiteral("paused");
            break;
        case DownloadTask::Outcome::Cancelled:
            m_store.removeDownload(id);
            text = QStringLiteral("cancelled");
            break;
        }
    } catch (const std::exception& e) {
        text = message + QStringLiteral(" (the queue could not be updated: %1)").arg(QString::fromUtf8(e.what()));
    }
    emit changed();
    emit finished(id, ok, text, dest);
    startWaiting();
}

void DownloadQueue::pause(int64_t id)
{
    if (DownloadTask* task = m_tasks.value(id)) return task->pause();
    m_store.setDownloadState(id, "paused");
    emit changed();
}

void DownloadQueue::resume(int64_t id)
{
    const auto record = m_store.download(id);
    if (!record || record->state == "done" || m_tasks.contains(id)) return;
    m_store.setDownloadState(id, "queued");
    emit changed();
    startWaiting();
}

void DownloadQueue::cancel(int64_t id)
{
    if (DownloadTask* task = m_tasks.value(id)) return task->cancel();
    if (const auto record = m_store.download(id)) QFile::remove(QString::fromStdString(record->dest) + QStringLiteral(".partial"));
    m_store.removeDownload(id);
    emit changed();
}

int64_t DownloadQueue::received(int64_t id) const
{
    if (DownloadTask* task = m_tasks.value(id)) return task->received();
    const auto record = m_store.download(id);
    return record ? QFileInfo(QString::fromStdString(record->dest) + QStringLiteral(".partial")).size() : 0;
}

}  // namespace hearth::models
