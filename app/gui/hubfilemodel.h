// One Hub repository's GGUF models (split files as one), each with its size, and once previewed,
// what its header says (architecture, parameters, quantization, context) and whether it fits.
#pragma once

#include "models/hub_files.h"

#include <QAbstractListModel>
#include <QHash>
#include <QtQml/qqmlregistration.h>

namespace hearth::app {

class HubFileModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by DownloadController")
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
    Q_PROPERTY(QString repository READ repository NOTIFY countChanged)

public:
    enum Roles { NameRole = Qt::UserRole + 1, DetailsRole, PreviewRole, CanDownloadRole, DownloadedRole };

    using QAbstractListModel::QAbstractListModel;
    int rowCount(const QModelIndex& parent = {}) const override { return parent.isValid() ? 0 : int(m_files.size()); }
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    QString repository() const { return m_repository; }
    // modelsDir: where downloads go (<modelsDir>/<repository>/<file>), to say which are there.
    void setFiles(const QString& repository, QList<models::HubModelFile> files, const QString& modelsDir);
    void refreshDownloaded();
    const models::HubModelFile* file(int row) const { return row >= 0 && row < m_files.size() ? &m_files[row] : nullptr; }
    void setPreview(int row, const QString& text);

signals:
    void countChanged();

private:
    QString m_repository;
    QString m_modelsDir;
    QList<models::HubModelFile> m_files;
    QHash<int, QString> m_previews;
};

}  // namespace hearth::app
