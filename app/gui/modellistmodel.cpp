#include "modellistmodel.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QPointer>
#include <QThreadPool>

#include <algorithm>

namespace hearth::app {

namespace {

QString bytesText(uint64_t bytes)
{
    const double mib = double(bytes) / 1048576.0;
    return mib >= 1024 ? QString::number(mib / 1024, 'f', 1) + " GiB" : QString::number(mib, 'f', 1) + " MiB";
}

QString parametersText(uint64_t n)
{
    if (n >= 1000000000) return QString::number(double(n) / 1e9, 'f', 1) + " B";
    if (n >= 1000000) return QString::number(double(n) / 1e6, 'f', 1) + " M";
    return QString::number(double(n) / 1e3, 'f', 0) + " K";
}

}  // namespace

ModelListModel::ModelListModel(storage::Store& store, const QString& folder, QObject* parent)
    : QAbstractListModel(parent), m_store(store), m_folder(folder)
{
    // Owner-only like the data folder: the names of the models one keeps are private too.
    if (!QFileInfo::exists(m_folder) && QDir().mkpath(m_folder))
        QFile::setPermissions(m_folder, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    m_watcher.addPath(m_folder);
    connect(&m_watcher, &QFileSystemWatcher::directoryChanged, this, &ModelListModel::refresh);
    refresh();
}

void ModelListModel::refresh()
{
    // The folder's files first (by name), then the files added from elsewhere (most recent first).
    std::vector<Entry> next;
    const auto files = QDir(m_folder).entryInfoList({"*.gguf", "*.GGUF"}, QDir::Files, QDir::Name);
    for (const QFileInfo& f : files) next.push_back({f.absoluteFilePath(), true});
    try {
        for (const auto& record : m_store.listModels()) {
            const QString path = QFileInfo(QString::fromStdString(record.path)).absoluteFilePath();
            if (std::none_of(next.begin(), next.end(), [&](const Entry& e) { return e.path == path; })) next.push_back({path, false});
        }
    } catch (const std::exception&) {
        // A database problem is reported by the controller; the folder's files still show.
    }
    // Other apps' models, in place; a registry entry for one of them (it was loaded) keeps its source.
    for (const models::FoundModel& f : m_found) {
        const QString path = QFileInfo(f.path).absoluteFilePath();
        auto known = std::find_if(next.begin(), next.end(), [&](const Entry& e) { return e.path == path; });
        if (known == next.end()) known = next.insert(next.end(), Entry {path, false});
        known->source = f.sourceLabel;
        known->sourceName = f.name;
    }
    // Keep what is already known about files that stay.
    for (Entry& e : next) {
        auto old = std::find_if(m_entries.begin(), m_entries.end(), [&](const Entry& o) { return o.path == e.path; });
        if (old != m_entries.end() && QFileInfo(e.path).lastModified().isValid()) {
            e.read = old->read;
            e.error = old->error;
            e.summary = old->summary;
        }
    }
    beginResetModel();
    m_entries = std::move(next);
    endResetModel();
    emit countChanged();
    for (const Entry& e : m_entries)
        if (!e.read) summarize(e.path);
}

void ModelListModel::summarize(const QString& path)
{
    QPointer<ModelListModel> self(this);
    QThreadPool::globalInstance()->start([self, path] {
        std::optional<ModelSummary> summary;
        QString error;
        if (!QFileInfo::exists(path)) {
            error = tr("The file is missing.");
        } else {
            try {
                summary = readModelSummary(path.toStdString());
                const std::string why = unsupportedReason(*summary);
                if (!why.empty()) error = tr("Hearth cannot run it: %1.").arg(QString::fromStdString(why));
            } catch (const std::exception& e) {
                error = QString::fromUtf8(e.what());
            }
        }
        QMetaObject::invokeMethod(
            self,
            [self, path, summary, error] {
                if (self) self->applySummary(path, summary, error);
            },
            Qt::QueuedConnection);
    });
}

void ModelListModel::applySummary(const QString& path, std::optional<ModelSummary> summary, const QString& error)
{
    for (size_t i = 0; i < m_entries.size(); ++i) {
        if (m_entries[i].path != path) continue;
        m_entries[i].read = true;
        m_entries[i].summary = std::move(summary);
        m_entries[i].error = error;
        emit dataChanged(index(int(i)), index(int(i)));
        return;
    }
}

void ModelListModel::setBudget(uint64_t bytes, const QString& deviceLabel, int64_t contextLength, bool gpu)
{
    m_budgetIsGpu = gpu;
    m_budgetBytes = bytes;
    m_deviceLabel = deviceLabel;
    m_contextLength = contextLength;
    if (!m_entries.empty()) emit dataChanged(index(0), index(int(m_entries.size()) - 1), {FitsRole, FitRole});
}

QString ModelListModel::fitText(const Entry& e, bool& fits) const
{
    fits = false;
    if (!e.summary || m_budgetBytes == 0) return {};
    const ModelSummary& s = *e.summary;
    const FitCheck fit = checkFit(s, m_contextLength, m_budgetBytes);
    fits = fit.fits;
    if (fit.fits)
        return tr("Fits %1: needs %2 of %3 at %4 tokens of context.")
            .arg(m_deviceLabel, bytesText(fit.neededBytes), bytesText(m_budgetBytes))
            .arg(fit.context);
    // GPU offload: the layers that fit go to the GPU, the rest run on the CPU (roughly by size). When
    // not even one layer fits, the messages below say so and what to do.
    const uint64_t total = s.memoryBytes(uint64_t(fit.context));
    const double perLayer = s.blockCount ? double(total) / double(s.blockCount) : 0;
    const uint64_t onGpu = perLayer > 0 ? std::min<uint64_t>(s.blockCount, uint64_t(double(m_budgetBytes) * 0.85 / perLayer)) : 0;
    if (m_budgetIsGpu && onGpu > 0 && total <= m_budgetBytes + systemMemoryBytes())
        return tr("Runs with GPU offload: about %1 of %2 layers on %3 (%4), the rest on the CPU (%5) — slower than all on the GPU.")
            .arg(onGpu)
            .arg(s.blockCount)
            .arg(m_deviceLabel, bytesText(uint64_t(perLayer * double(onGpu))), bytesText(total - uint64_t(perLayer * double(onGpu))));
    if (fit.weightsAloneTooBig)
        return tr("Does not fit %1: the weights alone need %2, it has %3. Choose a smaller quantization, or the CPU.")
            .arg(m_deviceLabel, bytesText(s.weightBytes), bytesText(m_budgetBytes));
    return tr("Does not fit %1 at %2 tokens of context (needs %3 of %4); it fits with a context of %5 tokens.")
        .arg(m_deviceLabel)
        .arg(fit.context)
        .arg(bytesText(fit.neededBytes), bytesText(m_budgetBytes))
        .arg(fit.contextThatFits);
}

QVariant ModelListModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_entries.size())) return {};
    const Entry& e = m_entries[size_t(index.row())];
    switch (role) {
    case PathRole: return e.path;
    case FileNameRole: return e.source.isEmpty() ? QFileInfo(e.path).fileName() : e.sourceName;
    case SourceRole: return e.source;
    case TitleRole:
        if (!e.source.isEmpty() && (!e.summary || e.summary->name.empty())) return e.sourceName;
        // general.name, unless it only repeats the architecture ("llama"): then the file name says more.
        return e.summary && !e.summary->name.empty() && e.summary->name != e.summary->architecture ? QString::fromStdString(e.summary->name)
                                                                                                   : QFileInfo(e.path).fileName();
    case DetailsRole: {
        if (!e.summary) return e.read ? QString() : tr("Reading…");
        const ModelSummary& s = *e.summary;
        return QStringLiteral("%1 · %2 parameters · %3 · %4 · context %5")
            .arg(QString::fromStdString(s.architecture), parametersText(s.parameterCount), QString::fromStdString(s.dominantWeightType),
                 bytesText(s.fileBytes))
            .arg(qulonglong(s.contextLength));
    }
    case ErrorRole: return e.error;
    case FitsRole: {
        bool fits = false;
        fitText(e, fits);
        return fits;
    }
    case FitRole: {
        bool fits = false;
        return fitText(e, fits);
    }
    case IsDefaultRole: return QString::fromStdString(m_store.stringSetting("default_model", "")) == e.path;
    case InFolderRole: return e.inFolder;
    default: return {};
    }
}

QHash<int, QByteArray> ModelListModel::roleNames() const
{
    return {{PathRole, "path"},         {FileNameRole, "fileName"}, {TitleRole, "title"}, {DetailsRole, "details"},
            {ErrorRole, "error"},       {FitsRole, "fits"},         {FitRole, "fit"},     {IsDefaultRole, "isDefault"},
            {InFolderRole, "inFolder"}, {SourceRole, "source"}};
}

void ModelListModel::setDefault(const QString& path)
{
    m_store.setSetting("default_model", path.toStdString());
    if (!m_entries.empty()) emit dataChanged(index(0), index(int(m_entries.size()) - 1), {IsDefaultRole});
}

void ModelListModel::forget(const QString& path)
{
    for (const auto& record : m_store.listModels())
        if (QFileInfo(QString::fromStdString(record.path)).absoluteFilePath() == path) m_store.removeModel(record.id);
    refresh();
}

void ModelListModel::setFoundModels(const QList<models::FoundModel>& found)
{
    m_found = found;
    refresh();
}

bool ModelListModel::deleteFile(const QString& path)
{
    for (const Entry& e : m_entries)
        if (e.path == path && !e.source.isEmpty()) return false;  // another app's file: used in place, never deleted
    QFile file(path);
    const bool removed = file.moveToTrash() || file.remove();
    if (removed) forget(path);
    return removed;
}

}  // namespace hearth::app
