// The download queue: what to download lives in the store (so it survives a crash, a restart or
// an update), the bytes in each file's .partial. Runs a few downloads at once; pause, resume,
// cancel and retry by id; a finished file joins the model registry with its verified checksum.
#pragma once

#include "models/download_task.h"
#include "models/hub_endpoint.h"

#include <QHash>
#include <QNetworkAccessManager>
#include <QObject>

namespace hearth::storage {
class Store;
}

namespace hearth::models {

struct DownloadRequest {
    QString repo, file;  // where on the Hub
    QString dest;  // the final path
    int64_t size = 0;
    QString sha256;
};

class DownloadQueue : public QObject {
    Q_OBJECT

public:
    DownloadQueue(storage::Store& store, HubEndpoint endpoint, DownloadTuning tuning = DownloadTuning::fromEnvironment(),
                  QObject* parent = nullptr);
    ~DownloadQueue() override;

    // Queues (or re-queues) a file and starts it when a slot is free; returns its id.
    int64_t enqueue(const DownloadRequest& request);
    // Starts what the store says is queued (after a restart).
    void resumeQueued();
    void pause(int64_t id);
    void resume(int64_t id);  // also: retry a failed one
    void cancel(int64_t id);  // stops it, deletes its .partial, forgets it
    void setParallel(int parallel) { m_parallel = std::max(1, parallel); }

    bool running(int64_t id) const { return m_tasks.contains(id); }
    bool idle() const { return m_tasks.isEmpty(); }
    // Bytes on disk and the total for a running or waiting download.
    int64_t received(int64_t id) const;

signals:
    void changed();  // states in the store changed
    void progress(int64_t id, int64_t received, int64_t total, double bytesPerSecond);
    void resumedFrom(int64_t id, int64_t offset);
    void finished(int64_t id, bool ok, const QString& message, const QString& path);

private:
    void startWaiting();
    void startTask(int64_t id);
    void onTaskFinished(int64_t id, DownloadTask::Outcome outcome, const QString& message);

    storage::Store& m_store;
    HubEndpoint m_endpoint;
    DownloadTuning m_tuning;
    QNetworkAccessManager m_network;
    QHash<int64_t, DownloadTask*> m_tasks;
    int m_parallel = 2;
};

}  // namespace hearth::models
