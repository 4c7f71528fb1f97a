// Hugging Face search results: GGUF repositories with downloads, likes and when they changed.
#pragma once

#include "models/hub_files.h"

#include <QAbstractListModel>
#include <QtQml/qqmlregistration.h>

namespace hearth::app {

class HubSearchModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by DownloadController")
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

public:
    enum Roles { RepositoryRole = Qt::UserRole + 1, DetailsRole, GatedRole };

    using QAbstractListModel::QAbstractListModel;
    int rowCount(const QModelIndex& parent = {}) const override { return parent.isValid() ? 0 : int(m_repos.size()); }
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;
    void setRepos(QList<models::HubRepo> repos);

signals:
    void countChanged();

private:
    QList<models::HubRepo> m_repos;
};

}  // namespace hearth::app
