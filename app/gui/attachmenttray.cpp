#include "attachmenttray.h"

#include "appsettings.h"
#include "attachmentprompt.h"
#include "attachmentreader.h"
#include "modelcontroller.h"

#include <QDir>
#include <QLocale>
#include <QStandardPaths>
#include <QUrl>

#include <algorithm>

namespace hearth::app {

namespace {

constexpr int kMaxAttachments = 20;

QString number(qint64 n) { return QLocale().toString(n); }

}  // namespace

AttachmentTray::AttachmentTray(ModelController& models, AppSettings& settings, QObject* parent)
    : QObject(parent), m_models(models), m_settings(settings)
{
    connect(&m_models, &ModelController::modelChanged, this, &AttachmentTray::recount);
}

QVariantList AttachmentTray::items() const
{
    QVariantList out;
    for (const auto& e : m_entries)
        out.push_back(QVariantMap {{"name", QString::fromStdString(e.attachment.name)},
                                   {"kind", QString::fromStdString(e.attachment.kind)},
                                   {"bytes", qint64(e.attachment.bytes)},
                                   {"chars", QString::fromStdString(e.attachment.content).size()},
                                   {"tokens", e.tokens}});
    return out;
}

int AttachmentTray::tokens() const
{
    int sum = 0;
    for (const auto& e : m_entries) sum += std::max(0, e.tokens);
    return sum;
}

QUrl AttachmentTray::startFolder() const
{
    const QString documents = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    return QUrl::fromLocalFile(QDir(documents).exists() ? documents : QDir::homePath());
}

QString AttachmentTray::attach(const QString& pathOrUrl)
{
    const QUrl url(pathOrUrl);
    const QString path = url.isLocalFile() ? url.toLocalFile() : pathOrUrl;
    if (int(m_entries.size()) >= kMaxAttachments) return tr("At most %1 files can go with one message.").arg(kMaxAttachments);
    try {
        Entry e {readAttachment(path), m_nextKey++, -1};
        for (const auto& other : m_entries)
            if (other.attachment.name == e.attachment.name && other.attachment.content == e.attachment.content)
                return tr("%1 is attached already.").arg(QString::fromStdString(e.attachment.name));
        m_entries.push_back(std::move(e));
        emit changed();
        if (m_models.modelLoaded())
            emit requestCount(m_entries.back().key, QString::fromStdString(attachmentBlock(m_entries.back().attachment)));
        return {};
    } catch (const std::exception& e) {
        return QString::fromUtf8(e.what());
    }
}

void AttachmentTray::remove(int index)
{
    if (index < 0 || index >= int(m_entries.size())) return;
    m_entries.erase(m_entries.begin() + index);
    emit changed();
}

void AttachmentTray::clear()
{
    if (m_entries.empty()) return;
    m_entries.clear();
    emit changed();
}

std::vector<storage::Attachment> AttachmentTray::attachments() const
{
    std::vector<storage::Attachment> out;
    for (const auto& e : m_entries) out.push_back(e.attachment);
    return out;
}

int AttachmentTray::budget() const
{
    const int context = m_models.contextLength();
    const int reply = std::min(std::max(m_settings.maxTokens(), 1), context / 4);
    return context - reply;
}

QString AttachmentTray::sendProblem(int messageTokens) const
{
    if (m_entries.empty() || !m_models.modelLoaded()) return {};
    const int total = std::max(tokens(), messageTokens);
    if (total <= budget()) return {};
    return tr("The attached files and your text come to %1 tokens; one message can take %2 of this model's %3-token context (the "
              "rest is kept for the reply). Remove a file, or raise the context length in Settings.")
        .arg(number(total), number(budget()), number(m_models.contextLength()));
}

void AttachmentTray::onCounted(quint64 key, int tokens)
{
    auto it = std::find_if(m_entries.begin(), m_entries.end(), [key](const Entry& e) { return e.key == key; });
    if (it == m_entries.end()) return;  // removed meanwhile
    it->tokens = tokens;
    if (tokens > budget() && m_models.modelLoaded()) {
        const QString name = QString::fromStdString(it->attachment.name);
        m_entries.erase(it);
        emit changed();
        emit refused(tr("%1 is %2 tokens; one message can take %3 of this model's %4-token context (the rest is kept for the "
                        "reply). Attach a shorter file or a part of it, or raise the context length in Settings.")
                         .arg(name, number(tokens), number(budget()), number(m_models.contextLength())));
        return;
    }
    emit changed();
}

void AttachmentTray::recount()
{
    for (auto& e : m_entries) {
        e.tokens = -1;
        if (m_models.modelLoaded()) emit requestCount(e.key, QString::fromStdString(attachmentBlock(e.attachment)));
    }
    emit changed();
}

}  // namespace hearth::app
