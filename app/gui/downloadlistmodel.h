// The download queue as the models dialog shows it: each file with its state, progress, speed
// and time left, or why it failed. The store holds the queue; progress arrives from the queue.
#pragma once

#include "storage/store.h"

#include <QAbstractListModel>
#include <QHash>
#include <QtQml/qqmlregistration.h>

namespace hearth::app {

class DownloadListModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by DownloadController")
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

public:
    enum Roles {
        DownloadIdRole = Qt::UserRole + 1,
        FileNameRole,
        RepositoryRole,
        StateRole,  // "queued", "downloading", "paused", "failed", "done"
        ProgressRole,  // 0..1
        StatusRole,  // "1.2 GB of 4.9 GB · 21 MB/s · 3 min left", or the error
    };

    explicit DownloadListModel(storage::Store& store, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override { return parent.isValid() ? 0 : int(m_rows.size()); }
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    void reload();
    void setRunning(int64_t id, bool running);
    void setProgress(int64_t id, int64_t received, int64_t total, double speed);
    // Across running downloads: how many, and the fraction done (for the main window's indicator).
    int active() const;
    double overallProgress() const;

signals:
    void countChanged();

private:
    struct Live {
        int64_t received = 0, total = 0;
        double speed = 0;
    };
    std::vector<storage::DownloadRecord> m_rows;
    QHash<int64_t, Live> m_live;  // running downloads only
    storage::Store& m_store;
};

}  // namespace hearth::app
