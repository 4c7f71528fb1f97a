#include "downloadlistmodel.h"

#include "models/download_task.h"

#include <QFileInfo>

namespace hearth::app {

using models::formatBytes;

DownloadListModel::DownloadListModel(storage::Store& store, QObject* parent) : QAbstractListModel(parent), m_store(store) { reload(); }

void DownloadListModel::reload()
{
    beginResetModel();
    try {
        m_rows = m_store.listDownloads();
    } catch (const std::exception&) {
        m_rows.clear();  // the controller reports database problems
    }
    // Newest first; finished ones stay listed until the list is cleared by the next session.
    std::reverse(m_rows.begin(), m_rows.end());
    endResetModel();
    emit countChanged();
}

void DownloadListModel::setRunning(int64_t id, bool running)
{
    if (running) {
        if (!m_live.contains(id)) m_live.insert(id, {});
    } else {
        m_live.remove(id);
    }
    for (size_t i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].id == id) emit dataChanged(index(int(i)), index(int(i)));
}

void DownloadListModel::setProgress(int64_t id, int64_t received, int64_t total, double speed)
{
    m_live[id] = {received, total, speed};
    for (size_t i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].id == id) emit dataChanged(index(int(i)), index(int(i)), {StateRole, ProgressRole, StatusRole});
}

int DownloadListModel::active() const { return int(m_live.size()); }

double DownloadListModel::overallProgress() const
{
    int64_t received = 0, total = 0;
    for (const Live& l : m_live) {
        received += l.received;
        total += l.total;
    }
    return total > 0 ? double(received) / double(total) : 0.0;
}

QVariant DownloadListModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const storage::DownloadRecord& d = m_rows[size_t(index.row())];
    const bool running = m_live.contains(d.id);
    const Live live = m_live.value(d.id);
    const int64_t total = live.total > 0 ? live.total : d.size.value_or(0);
    const int64_t received = running ? live.received : QFileInfo(QString::fromStdString(d.dest + ".partial")).size();
    switch (role) {
    case DownloadIdRole: return qint64(d.id);
    case FileNameRole: return QString::fromStdString(d.file);
    case RepositoryRole: return QString::fromStdString(d.repo);
    case StateRole: return running ? QStringLiteral("downloading") : QString::fromStdString(d.state);
    case ProgressRole: return d.state == "done" ? 1.0 : total > 0 ? double(received) / double(total) : 0.0;
    case StatusRole: {
        if (d.state == "done" && !running) return tr("Downloaded and verified · %1").arg(formatBytes(d.size.value_or(0)));
        if (d.state == "failed" && !running) return QString::fromStdString(d.error.value_or("failed"));
        QString text = tr("%1 of %2").arg(formatBytes(received), total > 0 ? formatBytes(total) : tr("unknown size"));
        if (running && live.speed > 0) {
            text += QStringLiteral(" · %1/s").arg(formatBytes(int64_t(live.speed)));
            if (total > received) {
                const int64_t seconds = int64_t(double(total - received) / live.speed);
                text += seconds >= 60 ? tr(" · %1 min left").arg(seconds / 60 + 1) : tr(" · %1 s left").arg(seconds + 1);
            }
        } else if (!running && d.state == "paused") {
            text += tr(" · paused");
        } else if (!running && d.state == "queued") {
            text += tr(" · waiting");
        }
        return text;
    }
    }
    return {};
}

QHash<int, QByteArray> DownloadListModel::roleNames() const
{
    return {{DownloadIdRole, "downloadId"}, {FileNameRole, "fileName"}, {RepositoryRole, "repository"},
            {StateRole, "state"},           {ProgressRole, "progress"}, {StatusRole, "status"}};
}

}  // namespace hearth::app
