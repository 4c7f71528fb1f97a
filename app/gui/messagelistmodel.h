// The open conversation's active thread. The streaming reply is updated in place (GUI thread
// only), so the view repaints one delegate, not the list.
#pragma once

#include "storage/store.h"

#include <QAbstractListModel>
#include <QtQml/qqmlregistration.h>

namespace hearth::app {

class MessageListModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by ChatController")
    // For bindings: rowCount() called from QML is evaluated once and never updates.
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

public:
    // ContentRole and ReasoningRole give at most kMessagePreviewChars (the view never receives a
    // 50 MB string); HtmlRole is the safe rendering of that part (messagerenderer.h), made once
    // per message; LengthRole is the whole text's length, so the view can offer the rest.
    enum Roles {
        IdRole = Qt::UserRole + 1,
        RoleRole,
        ContentRole,
        ReasoningRole,
        StreamingRole,
        StatsRole,
        SiblingsRole,
        BranchRole,
        HtmlRole,
        LengthRole,
        InterruptedRole,
        AttachmentsRole  // [{name, kind, bytes}]
    };
    explicit MessageListModel(QObject* parent = nullptr) : QAbstractListModel(parent) { }

    int rowCount(const QModelIndex& parent = {}) const override { return parent.isValid() ? 0 : int(m_items.size()); }
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    struct Item {
        storage::Message message;
        int siblings = 1;  // versions of this message (regenerations, edits)
        int branch = 0;  // which of them this is (0-based, oldest first)
        mutable QString html;  // HtmlRole's cache, made on first use
        mutable QString text;  // ContentRole's: the first kMessagePreviewChars, grown as it streams
    };
    void reset(std::vector<Item> items);
    void append(const Item& item);
    // Appends streamed text to the last message (both forms given, so nothing is converted twice).
    void appendToLast(const QString& answer, const std::string& answerUtf8, const std::string& reasoningUtf8);
    void replaceLast(const Item& item);
    // The last message streams again (an interrupted reply being continued).
    void markLastStreaming();
    const std::vector<Item>& items() const { return m_items; }
    // `count` characters of the message at `row` from character `from` (the collapsed rest).
    QString textSlice(int row, qsizetype from, qsizetype count) const;

signals:
    void countChanged();

private:
    std::vector<Item> m_items;
};

}  // namespace hearth::app
