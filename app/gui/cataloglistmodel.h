// The built-in catalog as the models dialog and the welcome screen show it: each model with its
// recommended file, whether it fits the chosen device, and whether it is downloaded, downloading
// or still "coming" (an architecture Hearth cannot run yet).
#pragma once

#include "models/catalog.h"

#include <QAbstractListModel>
#include <QHash>
#include <QSet>
#include <QtQml/qqmlregistration.h>

namespace hearth::app {

class CatalogListModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by DownloadController")

public:
    enum Roles {
        EntryIdRole = Qt::UserRole + 1,
        NameRole,
        DetailsRole,  // "4.0B · Q4_K_M · 2.50 GB · apache-2.0 · reasons"
        DescriptionRole,
        ComingRole,  // listed, not downloadable yet
        ComingReasonRole,
        FitsRole,
        FitRole,  // "Fits the device at 4096 tokens" / why not
        DownloadedRole,
        DownloadingRole,
        ProgressRole,  // 0..1 while downloading
    };

    CatalogListModel(models::Catalog catalog, QString modelsDir, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override { return parent.isValid() ? 0 : int(m_catalog.entries.size()); }
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    const models::Catalog& catalog() const { return m_catalog; }
    QString destination(const models::CatalogEntry& entry, const models::CatalogFile& file) const;
    void setBudget(int64_t bytes, bool gpu, int64_t context);
    void setDownloading(const QString& entryId, bool downloading, double progress = 0);
    void refreshDownloaded();
    bool downloading(const QString& entryId) const { return m_downloading.contains(entryId); }
    double progress(const QString& entryId) const { return m_downloading.value(entryId, 0.0); }

private:
    models::Catalog m_catalog;
    QString m_modelsDir;
    int64_t m_budget = 0, m_context = 4096;
    bool m_gpu = false;
    QHash<QString, double> m_downloading;  // entry id -> progress
};

}  // namespace hearth::app
