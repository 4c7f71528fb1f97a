#include "hubsearchmodel.h"

#include <QLocale>

namespace hearth::app {

void HubSearchModel::setRepos(QList<models::HubRepo> repos)
{
    beginResetModel();
    m_repos = std::move(repos);
    endResetModel();
    emit countChanged();
}

QVariant HubSearchModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const models::HubRepo& r = m_repos[index.row()];
    switch (role) {
    case RepositoryRole: return r.id;
    case DetailsRole:
        return tr("%1 downloads · %2 likes · updated %3")
            .arg(QLocale().toString(qlonglong(r.downloads)), QLocale().toString(qlonglong(r.likes)), r.updated.left(10));
    case GatedRole: return r.gated;
    }
    return {};
}

QHash<int, QByteArray> HubSearchModel::roleNames() const
{
    return {{RepositoryRole, "repository"}, {DetailsRole, "details"}, {GatedRole, "gated"}};
}

}  // namespace hearth::app
