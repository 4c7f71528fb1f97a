#include "searchresultmodel.h"

namespace hearth::app {

QString SearchResultModel::highlighted(const std::string& snippet)
{
    QString escaped = QString::fromStdString(snippet).toHtmlEscaped();
    escaped.replace(QChar(0x02), QStringLiteral("<b>"));
    escaped.replace(QChar(0x03), QStringLiteral("</b>"));
    return escaped;
}

QVariant SearchResultModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_hits.size())) return {};
    const auto& h = m_hits[size_t(index.row())];
    switch (role) {
    case ConversationIdRole: return QVariant::fromValue(qint64(h.conversationId));
    case MessageIdRole: return QVariant::fromValue(qint64(h.messageId.value_or(0)));
    case TitleRole: return h.title.empty() ? tr("New chat") : QString::fromStdString(h.title);
    case SnippetRole: return highlighted(h.snippet);
    default: return {};
    }
}

QHash<int, QByteArray> SearchResultModel::roleNames() const
{
    return {{ConversationIdRole, "conversationId"}, {MessageIdRole, "messageId"}, {TitleRole, "title"}, {SnippetRole, "snippet"}};
}

void SearchResultModel::reset(std::vector<storage::SearchHit> hits)
{
    beginResetModel();
    m_hits = std::move(hits);
    endResetModel();
    emit countChanged();
}

}  // namespace hearth::app
