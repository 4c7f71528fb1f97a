#include "messagelistmodel.h"

#include "messagerenderer.h"

namespace hearth::app {

namespace {

// The length QString would have (UTF-16 code units), counted without converting.
int64_t utf16Length(const std::string& utf8)
{
    int64_t n = 0;
    for (unsigned char c : utf8) n += (c & 0xC0) != 0x80 ? (c >= 0xF0 ? 2 : 1) : 0;
    return n;
}

}  // namespace

QVariant MessageListModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_items.size())) return {};
    const auto& item = m_items[size_t(index.row())];
    const auto& m = item.message;
    switch (role) {
    case IdRole: return QVariant::fromValue(qint64(m.id));
    case RoleRole: return QString::fromStdString(m.role);
    case ContentRole:
        if (item.text.isNull()) item.text = QString::fromStdString(m.content).left(kMessagePreviewChars);
        return item.text;
    case ReasoningRole: return m.reasoning ? QString::fromStdString(*m.reasoning).left(kMessagePreviewChars) : QString();
    case HtmlRole:
        if (m.streaming) return QString();  // shown as plain text until it is complete
        if (item.html.isNull()) item.html = renderMessageHtml(QString::fromStdString(m.content).left(kMessagePreviewChars));
        return item.html;
    case LengthRole: return int(std::min<int64_t>(utf16Length(m.content), INT32_MAX));
    case InterruptedRole: return m.finishReason && *m.finishReason == "interrupted";
    case AttachmentsRole: {
        QVariantList files;
        for (const auto& a : m.attachments)
            files.push_back(QVariantMap {
                {"name", QString::fromStdString(a.name)}, {"kind", QString::fromStdString(a.kind)}, {"bytes", qint64(a.bytes)}});
        return files;
    }
    case StreamingRole: return m.streaming;
    case StatsRole: {
        if (m.role != "assistant" || m.streaming || !m.completionTokens) return QString();
        QString stats = tr("%1 tokens · %2 tokens/s").arg(*m.completionTokens).arg(m.tokensPerSecond.value_or(0), 0, 'f', 1);
        if (m.finishReason && *m.finishReason != "stop") stats += " · " + QString::fromStdString(*m.finishReason);
        if (m.model) stats += " · " + QString::fromStdString(*m.model);
        return stats;
    }
    case SiblingsRole: return item.siblings;
    case BranchRole: return item.branch;
    default: return {};
    }
}

QHash<int, QByteArray> MessageListModel::roleNames() const
{
    return {{IdRole, "messageId"},        {RoleRole, "role"},     {ContentRole, "content"},         {ReasoningRole, "reasoning"},
            {StreamingRole, "streaming"}, {StatsRole, "stats"},   {SiblingsRole, "siblings"},       {BranchRole, "branch"},
            {HtmlRole, "html"},           {LengthRole, "length"}, {InterruptedRole, "interrupted"}, {AttachmentsRole, "attachments"}};
}

QString MessageListModel::textSlice(int row, qsizetype from, qsizetype count) const
{
    if (row < 0 || row >= int(m_items.size())) return {};
    return QString::fromStdString(m_items[size_t(row)].message.content).mid(from, count);
}

void MessageListModel::reset(std::vector<Item> items)
{
    const size_t before = m_items.size();
    beginResetModel();
    m_items = std::move(items);
    endResetModel();
    if (m_items.size() != before) emit countChanged();
}

void MessageListModel::append(const Item& item)
{
    beginInsertRows({}, int(m_items.size()), int(m_items.size()));
    m_items.push_back(item);
    endInsertRows();
    emit countChanged();
}

void MessageListModel::appendToLast(const QString& answer, const std::string& answerUtf8, const std::string& reasoningUtf8)
{
    if (m_items.empty()) return;
    Item& item = m_items.back();
    item.message.content += answerUtf8;
    if (!reasoningUtf8.empty()) item.message.reasoning = item.message.reasoning.value_or("") + reasoningUtf8;
    if (!item.text.isNull() && item.text.size() < kMessagePreviewChars) item.text += answer.left(kMessagePreviewChars - item.text.size());
    item.html.clear();
    const QModelIndex i = index(int(m_items.size()) - 1);
    emit dataChanged(i, i, {ContentRole, ReasoningRole, LengthRole});
}

void MessageListModel::markLastStreaming()
{
    if (m_items.empty()) return;
    m_items.back().message.streaming = true;
    m_items.back().message.finishReason.reset();
    m_items.back().html.clear();
    m_items.back().text.clear();
    const QModelIndex i = index(int(m_items.size()) - 1);
    emit dataChanged(i, i);
}

void MessageListModel::replaceLast(const Item& item)
{
    if (m_items.empty()) return;
    m_items.back() = item;
    const QModelIndex i = index(int(m_items.size()) - 1);
    emit dataChanged(i, i);
}

}  // namespace hearth::app
