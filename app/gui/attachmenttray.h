// The files attached to the message being written: read when added (attachmentreader.h),
// counted in the loaded model's tokens by the inference worker, refused with the numbers when
// one cannot fit the context, and handed to the message when it is sent.
#pragma once

#include "storage/store.h"

#include <QObject>
#include <QUrl>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

#include <vector>

namespace hearth::app {

class AppSettings;
class ModelController;

class AttachmentTray : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("the chat controller's")
    // [{name, kind, bytes, chars, tokens (-1 while counting or without a model)}]
    Q_PROPERTY(QVariantList items READ items NOTIFY changed)
    Q_PROPERTY(int count READ count NOTIFY changed)
    Q_PROPERTY(int tokens READ tokens NOTIFY changed)  // the counted ones together
    // Where the file dialog opens: the Documents folder, else the home folder.
    Q_PROPERTY(QUrl startFolder READ startFolder CONSTANT)

public:
    AttachmentTray(ModelController& models, AppSettings& settings, QObject* parent = nullptr);

    QVariantList items() const;
    int count() const { return int(m_entries.size()); }
    int tokens() const;
    QUrl startFolder() const;

    // A path or a file: URL (a drop, a file dialog). Returns the problem, or "".
    Q_INVOKABLE QString attach(const QString& pathOrUrl);
    Q_INVOKABLE void remove(int index);
    void clear();
    std::vector<storage::Attachment> attachments() const;

    // The tokens one message may take: the context less room for the reply.
    int budget() const;
    // Why the attachments cannot be sent now, with the numbers; "" when they can. messageTokens:
    // the whole message as last counted (its files and its text), 0 when not counted.
    QString sendProblem(int messageTokens) const;

    // From the worker: the count for one attachment (-1 when no model is loaded).
    void onCounted(quint64 key, int tokens);
    // Asks for every count again (another model, another tokenizer).
    void recount();

signals:
    void changed();
    void requestCount(quint64 key, const QString& text);  // to the worker
    void refused(const QString& problem);  // a file that turned out too big once counted

private:
    struct Entry {
        storage::Attachment attachment;
        quint64 key = 0;
        int tokens = -1;
    };
    ModelController& m_models;
    AppSettings& m_settings;
    std::vector<Entry> m_entries;
    quint64 m_nextKey = 1;
};

}  // namespace hearth::app
