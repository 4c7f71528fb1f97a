#include "conversationlistmodel.h"

#include <QDateTime>
#include <QLocale>

namespace hearth::app {

QVariant ConversationListModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_items.size())) return {};
    const auto& c = m_items[size_t(index.row())];
    switch (role) {
    case IdRole: return QVariant::fromValue(qint64(c.id));
    case TitleRole: return c.title.empty() ? tr("New chat") : QString::fromStdString(c.title);
    case PinnedRole: return c.pinned;
    case UpdatedRole: return QDateTime::fromMSecsSinceEpoch(c.updatedAt);
    case MessageCountRole: return QVariant::fromValue(qint64(c.messageCount));
    case SectionRole: {
        if (c.pinned) return tr("Pinned");
        const QDate day = QDateTime::fromMSecsSinceEpoch(c.updatedAt).date(), today = QDate::currentDate();
        const qint64 age = day.daysTo(today);
        if (age <= 0) return tr("Today");
        if (age == 1) return tr("Yesterday");
        if (age < 7) return tr("Previous 7 days");
        return QLocale().standaloneMonthName(day.month()) + (day.year() == today.year() ? QString() : " " + QString::number(day.year()));
    }
    default: return {};
    }
}

QHash<int, QByteArray> ConversationListModel::roleNames() const
{
    return {{IdRole, "conversationId"},         {TitleRole, "title"},    {PinnedRole, "pinned"}, {UpdatedRole, "updated"},
            {MessageCountRole, "messageCount"}, {SectionRole, "section"}};
}

void ConversationListModel::reset(std::vector<storage::Conversation> items)
{
    beginResetModel();
    m_items = std::move(items);
    endResetModel();
}

}  // namespace hearth::app
