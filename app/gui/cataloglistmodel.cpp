#include "cataloglistmodel.h"

#include "models/download_task.h"

#include <QDir>
#include <QFileInfo>

namespace hearth::app {

using namespace hearth::models;

CatalogListModel::CatalogListModel(Catalog catalog, QString modelsDir, QObject* parent)
    : QAbstractListModel(parent), m_catalog(std::move(catalog)), m_modelsDir(std::move(modelsDir))
{
}

QString CatalogListModel::destination(const CatalogEntry& entry, const CatalogFile& file) const
{
    return QDir(m_modelsDir).filePath(entry.repository + QLatin1Char('/') + file.file);
}

void CatalogListModel::setBudget(int64_t bytes, bool gpu, int64_t context)
{
    m_budget = bytes;
    m_gpu = gpu;
    m_context = context > 0 ? context : 4096;
    if (rowCount() > 0) emit dataChanged(index(0), index(rowCount() - 1), {FitsRole, FitRole});
}

void CatalogListModel::setDownloading(const QString& entryId, bool downloading, double progress)
{
    if (downloading) m_downloading.insert(entryId, progress);
    else m_downloading.remove(entryId);
    for (int i = 0; i < rowCount(); ++i)
        if (m_catalog.entries[i].id == entryId) emit dataChanged(index(i), index(i), {DownloadingRole, ProgressRole, DownloadedRole});
}

void CatalogListModel::refreshDownloaded()
{
    if (rowCount() > 0) emit dataChanged(index(0), index(rowCount() - 1), {DownloadedRole});
}

QVariant CatalogListModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const CatalogEntry& e = m_catalog.entries[index.row()];
    const CatalogFile& file = e.recommendedFile();
    const int64_t needed = e.memoryBytes(file, m_context);
    switch (role) {
    case EntryIdRole: return e.id;
    case NameRole: return e.name;
    case DetailsRole: {
        QStringList parts = {e.parameters, file.quantization, formatBytes(file.approximateBytes), e.license};
        if (e.reasoning) parts << tr("reasons");
        return parts.join(QStringLiteral(" · "));
    }
    case DescriptionRole: return e.description;
    case ComingRole: return !e.runnable;
    case ComingReasonRole: return e.runnable ? QString() : tr("Coming: Hearth cannot run '%1' models yet.").arg(e.architecture);
    case FitsRole: return m_budget > 0 && needed <= m_budget;
    case FitRole:
        if (m_budget <= 0) return QString();
        return needed <= m_budget
            ? tr("Fits %1: about %2 of %3 at %4 tokens.")
                  .arg(m_gpu ? tr("the GPU") : tr("this computer's memory"), formatBytes(needed), formatBytes(m_budget))
                  .arg(m_context)
            : tr("Too large for %1: needs about %2, it has %3.")
                  .arg(m_gpu ? tr("the GPU") : tr("this computer's memory"), formatBytes(needed), formatBytes(m_budget));
    case DownloadedRole: return QFileInfo::exists(destination(e, file));
    case DownloadingRole: return m_downloading.contains(e.id);
    case ProgressRole: return m_downloading.value(e.id, 0.0);
    }
    return {};
}

QHash<int, QByteArray> CatalogListModel::roleNames() const
{
    return {{EntryIdRole, "entryId"},
            {NameRole, "name"},
            {DetailsRole, "details"},
            {DescriptionRole, "description"},
            {ComingRole, "coming"},
            {ComingReasonRole, "comingReason"},
            {FitsRole, "fits"},
            {FitRole, "fit"},
            {DownloadedRole, "downloaded"},
            {DownloadingRole, "downloading"},
            {ProgressRole, "progress"}};
}

}  // namespace hearth::app
