#include "hubfilemodel.h"

#include "models/download_task.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>

namespace hearth::app {

void HubFileModel::setFiles(const QString& repository, QList<models::HubModelFile> files, const QString& modelsDir)
{
    beginResetModel();
    m_repository = repository;
    m_modelsDir = modelsDir;
    m_files.clear();
    for (auto& f : files)
        if (!f.projector) m_files.append(std::move(f));  // vision projectors are not chat models on their own
    m_previews.clear();
    endResetModel();
    emit countChanged();
}

void HubFileModel::refreshDownloaded()
{
    if (rowCount() > 0) emit dataChanged(index(0), index(rowCount() - 1), {DownloadedRole});
}

void HubFileModel::setPreview(int row, const QString& text)
{
    m_previews.insert(row, text);
    emit dataChanged(index(row), index(row), {PreviewRole});
}

QVariant HubFileModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const models::HubModelFile& f = m_files[index.row()];
    switch (role) {
    case NameRole: return f.name;
    case DetailsRole: {
        QStringList parts;
        if (!f.quantization.isEmpty()) parts << f.quantization;
        parts << models::formatBytes(f.size);
        if (f.parts.size() > 1) parts << tr("%n parts", nullptr, int(f.parts.size()));
        if (!f.complete) parts << tr("some parts are missing");
        return parts.join(QStringLiteral(" · "));
    }
    case PreviewRole: return m_previews.value(index.row());
    case CanDownloadRole: return f.complete;
    case DownloadedRole:
        return std::all_of(f.parts.begin(), f.parts.end(), [&](const models::HubFile& part) {
            return QFileInfo::exists(QDir(m_modelsDir).filePath(m_repository + QLatin1Char('/') + part.path));
        });
    }
    return {};
}

QHash<int, QByteArray> HubFileModel::roleNames() const
{
    return {{NameRole, "name"},
            {DetailsRole, "details"},
            {PreviewRole, "preview"},
            {CanDownloadRole, "canDownload"},
            {DownloadedRole, "downloaded"}};
}

}  // namespace hearth::app
