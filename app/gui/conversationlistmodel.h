// The sidebar's conversations, newest first with pinned ones on top (read from the store),
// grouped by day ("Pinned", "Today", "Yesterday", "Previous 7 days", then by month).
#pragma once

#include "storage/store.h"

#include <QAbstractListModel>
#include <QtQml/qqmlregistration.h>

namespace hearth::app {

class ConversationListModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by ChatController")

public:
    enum Roles { IdRole = Qt::UserRole + 1, TitleRole, PinnedRole, UpdatedRole, MessageCountRole, SectionRole };
    explicit ConversationListModel(QObject* parent = nullptr) : QAbstractListModel(parent) { }

    int rowCount(const QModelIndex& parent = {}) const override { return parent.isValid() ? 0 : int(m_items.size()); }
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    void reset(std::vector<storage::Conversation> items);

private:
    std::vector<storage::Conversation> m_items;
};

}  // namespace hearth::app
