// Full-text search hits across every conversation (the store's FTS index), with the matched
// words highlighted for display.
#pragma once

#include "storage/store.h"

#include <QAbstractListModel>
#include <QtQml/qqmlregistration.h>

namespace hearth::app {

class SearchResultModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by ChatController")
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

public:
    enum Roles { ConversationIdRole = Qt::UserRole + 1, MessageIdRole, TitleRole, SnippetRole };
    explicit SearchResultModel(QObject* parent = nullptr) : QAbstractListModel(parent) { }

    int rowCount(const QModelIndex& parent = {}) const override { return parent.isValid() ? 0 : int(m_hits.size()); }
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;
    void reset(std::vector<storage::SearchHit> hits);

    // The snippet as rich text: escaped, with each match in bold.
    static QString highlighted(const std::string& snippet);

signals:
    void countChanged();

private:
    std::vector<storage::SearchHit> m_hits;
};

}  // namespace hearth::app
