// The model manager's list: every GGUF file in the models folder (watched for changes) and every
// file the user added or loaded (the store's model registry), with what its header says and
// whether it fits the chosen device at the chosen context. Files that cannot be read or use
// unsupported types are listed with the reason instead of being hidden. Headers are read on a
// worker thread; the GUI thread only receives the summaries.
#pragma once

#include "engine/engine.h"
#include "models/model_sources.h"
#include "storage/store.h"

#include <QAbstractListModel>
#include <QFileSystemWatcher>
#include <QUrl>
#include <QtQml/qqmlregistration.h>

#include <optional>

namespace hearth::app {

class ModelListModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by ChatController")
    Q_PROPERTY(QString folder READ folder CONSTANT)
    Q_PROPERTY(QUrl folderUrl READ folderUrl CONSTANT)
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

public:
    enum Roles {
        PathRole = Qt::UserRole + 1,
        FileNameRole,
        TitleRole,  // general.name, else the file name
        DetailsRole,  // "llama · 5.1 M parameters · Q4_K · 3.2 MiB · context 4096"
        ErrorRole,  // why the file cannot be used; empty when it can
        FitsRole,  // weights + KV cache at the chosen context fit the device
        FitRole,  // the numbers, and the next step down when it does not fit
        IsDefaultRole,
        InFolderRole,  // lives in the models folder (else: added from elsewhere)
        SourceRole,  // the app whose folder it is in ("LM Studio", "Ollama"): used in place, never deleted
    };

    ModelListModel(storage::Store& store, const QString& folder, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override { return parent.isValid() ? 0 : int(m_entries.size()); }
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    QString folder() const { return m_folder; }
    QUrl folderUrl() const { return QUrl::fromLocalFile(m_folder); }

    // The memory the chosen device offers and its name; the context the fit is computed for.
    // gpu: the budget is a GPU's, so a model past it may still run split with the CPU (GPU offload).
    void setBudget(uint64_t bytes, const QString& deviceLabel, int64_t contextLength, bool gpu = false);

    Q_INVOKABLE void refresh();
    Q_INVOKABLE void setDefault(const QString& path);
    // Drops an added file from the list (the file stays on disk).
    Q_INVOKABLE void forget(const QString& path);
    // Moves the file to the trash (or deletes it where there is none) and drops it from the list.
    // Refused for another app's files.
    Q_INVOKABLE bool deleteFile(const QString& path);
    // The models other apps keep (scanned off the GUI thread), listed after Hearth's own.
    void setFoundModels(const QList<models::FoundModel>& found);

signals:
    void countChanged();

private:
    struct Entry {
        QString path;
        bool inFolder = false;
        bool read = false;  // the header has been read (successfully or not)
        QString error;
        std::optional<ModelSummary> summary;
        QString source;  // another app's label, when the file is in its folder
        QString sourceName;  // the name that app gives it ("qwen3:4b")
    };
    void summarize(const QString& path);
    void applySummary(const QString& path, std::optional<ModelSummary> summary, const QString& error);
    QString fitText(const Entry& e, bool& fits) const;

    storage::Store& m_store;
    QString m_folder;
    QFileSystemWatcher m_watcher;
    std::vector<Entry> m_entries;
    QList<models::FoundModel> m_found;
    uint64_t m_budgetBytes = 0;
    QString m_deviceLabel;
    bool m_budgetIsGpu = false;
    int64_t m_contextLength = 4096;
};

}  // namespace hearth::app
