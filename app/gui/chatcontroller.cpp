#include "chatcontroller.h"

#include "engine/engine.h"

#include "appearance.h"
#include "attachmentprompt.h"
#include "inferenceworker.h"
#include "messagerenderer.h"
#include "storage/assistant_file.h"
#include "storage/chat_export.h"

#include <QClipboard>
#include <QDateTime>
#include <QDesktopServices>
#include <QDir>
#include <QGuiApplication>
#include <QFileInfo>
#include <QJSEngine>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QUrl>

#include <fstream>

Q_LOGGING_CATEGORY(lcChat, "hearth.chat")

namespace hearth::app {

void ChatController::setInstance(ChatController* controller)
{
    CppOwnedSingleton<ChatController>::setInstance(controller);
    // The other two singletons QML sees are the controller's parts.
    AppSettings::setInstance(controller ? controller->settings() : nullptr);
    ModelController::setInstance(controller ? controller->modelController() : nullptr);
}

ChatController::ChatController(std::unique_ptr<storage::Store> store, QObject* parent)
    : QObject(parent), m_store(std::move(store)), m_settings(*m_store), m_modelController(*m_store, m_settings),
      m_worker(m_modelController.worker()), m_attachments(m_modelController, m_settings)
{
    qRegisterMetaType<GenerateRequest>();
    qRegisterMetaType<GenerateStats>();
    connect(this, &ChatController::requestGenerate, m_worker, &InferenceWorker::generate);
    connect(this, &ChatController::requestInspect, m_worker, &InferenceWorker::inspect);
    connect(m_worker, &InferenceWorker::inspected, this, [this](const QString& prompt, int tokens, int draftTokens) {
        m_inspectedPrompt = prompt;
        m_inspectedTokens = tokens;
        m_draftTokens = draftTokens;
        emit inspectedChanged();
    });
    connect(&m_attachments, &AttachmentTray::requestCount, m_worker, &InferenceWorker::countTokens);
    connect(m_worker, &InferenceWorker::counted, &m_attachments, &AttachmentTray::onCounted);
    connect(&m_attachments, &AttachmentTray::refused, this, &ChatController::setError);
    connect(m_worker, &InferenceWorker::tokens, this, &ChatController::onTokens);
    connect(m_worker, &InferenceWorker::finished, this, &ChatController::onFinished);
    connect(m_worker, &InferenceWorker::failed, this, &ChatController::onFailed);
    // The settings and the model side report their failures in the same banner.
    connect(&m_settings, &AppSettings::failed, this, &ChatController::setError);
    connect(&m_modelController, &ModelController::failed, this, &ChatController::setError);
    connect(&m_modelController, &ModelController::modelChanged, this, &ChatController::chatModelChanged);
    connect(this, &ChatController::generatingChanged, this, [this] { m_modelController.setBusy(generating()); });
    m_undoTimer.setSingleShot(true);
    m_undoTimer.setInterval(8000);
    connect(&m_undoTimer, &QTimer::timeout, this, &ChatController::finishPendingDelete);
    if (m_store->recoveredCorruptFile())
        setError(tr("Your chat database was damaged. It was kept as %1; %2 conversations and %3 messages were recovered from it "
                    "into a new one.")
                     .arg(QString::fromStdString(*m_store->recoveredCorruptFile()))
                     .arg(m_store->salvaged().conversations)
                     .arg(m_store->salvaged().messages));
    refreshConversations();
    refreshAssistants();
    guarded(tr("Could not open the last conversation: %1"), [&] {
        const auto list = m_store->listConversations(1);
        if (!list.empty()) openConversation(list.front().id);
        m_dataVersion = m_store->dataVersion();
    });
    m_externalChanges.setInterval(1000);
    connect(&m_externalChanges, &QTimer::timeout, this, &ChatController::checkExternalChanges);
    m_externalChanges.start();
}

ChatController::~ChatController() { shutdown(); }

void ChatController::shutdown()
{
    finishPendingDelete();
    m_modelController.shutdown();  // quitting never waits for a whole upload
    if (!generating()) return;
    m_worker->requestStop(m_requestId);
    // Save what streamed so far as a cancelled reply; the worker's late signals are ignored.
    try {
        saveStreaming(true);
        chatStore().finishMessage(m_replyMessageId, {std::nullopt, std::nullopt, std::nullopt, "cancelled"});
    } catch (const std::exception& e) {
        qCWarning(lcChat) << "could not save the reply on shutdown:" << e.what();
    }
    m_requestId = 0;
}

void ChatController::inspect(const QString& draft)
{
    if (!m_modelController.modelLoaded()) return;
    GenerateRequest request;
    const QString system = m_settings.systemPrompt();
    if (!system.isEmpty()) request.messages.push_back({"system", system.toStdString(), std::nullopt});
    for (const auto& item : m_messages.items())
        if (!item.message.content.empty() || item.message.role == "user")
            request.messages.push_back(
                {item.message.role, withAttachments(item.message.content, item.message.attachments), item.message.reasoning});
    const std::string text = draft.trimmed().toStdString();
    emit requestInspect(request, QString::fromStdString(withAttachments(text, m_attachments.attachments())));
}

QString ChatController::chatModelPath() const
{
    if (m_chatModel.isEmpty() || m_chatModel == m_modelController.modelPath() || !QFileInfo::exists(m_chatModel)) return {};
    return m_chatModel;
}

void ChatController::setError(const QString& error)
{
    m_error = error;
    emit errorChanged();
}

void ChatController::clearError() { setError({}); }

void ChatController::refreshConversations()
{
    guarded(tr("Could not list the conversations: %1"), [&] {
        auto list = m_store->listConversations();
        std::erase_if(list, [this](const storage::Conversation& c) { return c.id == m_pendingDelete; });
        m_conversations.reset(std::move(list));
    });
}

void ChatController::reloadThread()
{
    guarded(tr("Could not read the conversation: %1"), [&] {
        std::vector<MessageListModel::Item> items;
        if (m_conversation) {
            if (!chatStore().conversationExists(m_conversation)) return closeVanishedConversation();
            for (auto& m : chatStore().activeThread(m_conversation)) {
                // A reply left "streaming" by a crash or a kill is not streaming any more: it
                // was interrupted, and the view offers to continue it.
                // (The reply this window is writing is the one exception; startReply sets its id
                // before the request goes out, so it counts even before generating() does.)
                if (m.streaming && m.id != m_replyMessageId) {
                    m.streaming = false;
                    m.finishReason = "interrupted";
                }
                const auto versions = chatStore().children(m_conversation, m.parentId);
                int branch = 0;
                for (size_t i = 0; i < versions.size(); ++i)
                    if (versions[i].id == m.id) branch = int(i);
                items.push_back({std::move(m), int(versions.size()), branch});
            }
        }
        m_messages.reset(std::move(items));
    });
}

void ChatController::handleStoreFailure(const QString& what, const std::exception& e)
{
    qCWarning(lcChat) << what.arg(QString::fromUtf8(e.what()));
    bool vanished = false;
    try {
        vanished = m_conversation && !chatStore().conversationExists(m_conversation);
    } catch (const std::exception&) {
    }
    if (vanished) closeVanishedConversation();
    else setError(what.arg(QString::fromUtf8(e.what())));
}

void ChatController::closeVanishedConversation()
{
    if (generating()) {
        m_worker->requestStop(m_requestId);
        m_requestId = 0;  // its late tokens are ignored: there is nowhere to save them
        emit generatingChanged();
    }
    m_conversation = 0;
    m_chatModel.clear();
    m_settings.setConversation(0, std::nullopt);
    m_messages.reset({});
    emit currentConversationChanged();
    emit chatModelChanged();
    m_notice = tr("This conversation was deleted outside this window (by hearth-cli or another Hearth), so it was closed.");
    emit noticeChanged();
    refreshConversations();
}

void ChatController::checkExternalChanges()
{
    guarded(tr("Could not read the database: %1"), [&] {
        const int64_t version = m_store->dataVersion();
        if (version == m_dataVersion) return;
        m_dataVersion = version;
        refreshConversations();
        if (m_conversation && !chatStore().conversationExists(m_conversation)) closeVanishedConversation();
        else if (!generating()) reloadThread();
    });
}

void ChatController::refreshAssistants()
{
    guarded(tr("Could not list the assistants: %1"), [&] {
        QVariantList list;
        for (const auto& a : m_store->listAssistants())
            list.push_back(QVariantMap {{"id", qint64(a.id)}, {"name", QString::fromStdString(a.name)}});
        m_assistants = list;
        emit assistantsChanged();
    });
}

bool ChatController::saveAssistant(const QString& name)
{
    return guarded(tr("Could not save the assistant: %1"), [&] {
        QJsonObject settings = QJsonDocument::fromJson(QByteArray::fromStdString(m_settings.chatJson())).object();
        settings.remove("model_path");
        if (m_modelController.modelLoaded()) settings.insert("model_path", m_modelController.modelPath());
        m_store->addAssistant(name.toStdString(), QJsonDocument(settings).toJson(QJsonDocument::Compact).toStdString());
        refreshAssistants();
    });
}

void ChatController::newConversationWithAssistant(qint64 id)
{
    if (generating()) return;
    guarded(tr("Could not start a chat with the assistant: %1"), [&] {
        const storage::Assistant a = m_store->assistant(id);
        const std::string settings = storage::checkedAssistantSettings(a.settingsJson);
        newConversation();
        m_pendingAssistant = settings;
        const QString model = QJsonDocument::fromJson(QByteArray::fromStdString(settings)).object().value("model_path").toString();
        if (!model.isEmpty() && model != m_modelController.modelPath() && QFileInfo::exists(model)) m_modelController.loadModel(model);
        m_notice = tr("New chat with %1.").arg(QString::fromStdString(a.name));
        emit noticeChanged();
    });
}

void ChatController::deleteAssistant(qint64 id)
{
    guarded(tr("Could not delete the assistant: %1"), [&] { m_store->deleteAssistant(id); });
    refreshAssistants();
}

namespace {

std::string localPath(const QString& file)
{
    const QUrl url(file);
    return (url.isLocalFile() ? url.toLocalFile() : file).toStdString();
}

}  // namespace

bool ChatController::exportAssistant(qint64 id, const QString& file)
{
    return guarded(tr("Could not export the assistant: %1"), [&] {
        const std::string path = localPath(file);
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << storage::exportAssistantJson(m_store->assistant(id));
        out.close();
        if (!out) throw std::runtime_error(path + ": cannot be written");
    });
}

bool ChatController::importAssistant(const QString& file)
{
    return guarded(tr("Could not import the assistant: %1"), [&] {
        storage::Assistant a = storage::parseAssistantJson(storage::readConversationFile(localPath(file)));
        // A name already taken gets a number rather than failing the import.
        const std::string base = a.name;
        for (int n = 2;; ++n) {
            bool taken = false;
            for (const auto& existing : m_store->listAssistants()) taken = taken || existing.name == a.name;
            if (!taken) break;
            a.name = base + " (" + std::to_string(n) + ")";
        }
        m_store->addAssistant(a.name, a.settingsJson);
        refreshAssistants();
    });
}

void ChatController::leaveIncognito()
{
    if (!m_incognitoStore) return;
    m_incognitoStore.reset();  // the chat's only copy: freed, never written anywhere
    emit incognitoChanged();
}

void ChatController::newIncognitoConversation()
{
    if (generating()) return;
    try {
        auto memory = storage::Store::openInMemory();
        newConversation();  // leaves the chat that was open (an earlier incognito one included)
        m_incognitoStore = std::move(memory);
        emit incognitoChanged();
    } catch (const std::exception& e) {
        setError(tr("Could not start an incognito chat: %1").arg(QString::fromUtf8(e.what())));
    }
}

void ChatController::newConversation()
{
    if (generating()) return;
    leaveIncognito();
    m_pendingAssistant.reset();
    m_conversation = 0;  // created on the first message, so empty chats do not pile up
    m_chatModel.clear();
    m_settings.setConversation(0, std::nullopt);
    m_messages.reset({});
    emit currentConversationChanged();
    emit chatModelChanged();
}

void ChatController::openConversation(qint64 id)
{
    if (generating()) return;
    try {
        const storage::Conversation c = m_store->conversation(id);
        leaveIncognito();
        m_conversation = id;
        // The chat's own settings and the model it was written with come back with it.
        m_settings.setConversation(id, c.settingsJson);
        m_chatModel = c.settingsJson
            ? QJsonDocument::fromJson(QByteArray::fromStdString(*c.settingsJson)).object().value("model_path").toString()
            : QString();
        reloadThread();
        emit currentConversationChanged();
        emit chatModelChanged();
    } catch (const std::exception& e) {
        setError(tr("Could not open the conversation: %1").arg(QString::fromUtf8(e.what())));
    }
}

void ChatController::deleteConversation(qint64 id)
{
    // Ids from the list are the history's; an open incognito chat is not among them.
    const bool isOpen = !incognito() && id == m_conversation;
    if (generating() && isOpen) return;
    finishPendingDelete();  // one undo at a time
    m_pendingDelete = id;
    if (isOpen) newConversation();
    refreshConversations();
    m_undoTimer.start();
    emit undoChanged();
}

bool ChatController::deleteAllHistory()
{
    if (generating()) {
        setError(tr("Stop the reply before deleting the history."));
        return false;
    }
    m_undoTimer.stop();
    m_pendingDelete = 0;  // it goes with the rest
    try {
        m_store->deleteAllConversations();
    } catch (const std::exception& e) {
        setError(tr("Could not delete the history: %1").arg(QString::fromUtf8(e.what())));
        refreshConversations();
        return false;
    }
    newConversation();
    refreshConversations();
    emit undoChanged();
    return true;
}

void ChatController::undoDelete()
{
    if (!m_pendingDelete) return;
    m_undoTimer.stop();
    const qint64 id = m_pendingDelete;
    m_pendingDelete = 0;
    refreshConversations();
    openConversation(id);
    emit undoChanged();
}

void ChatController::finishPendingDelete()
{
    m_undoTimer.stop();
    if (!m_pendingDelete) return;
    const qint64 id = m_pendingDelete;
    m_pendingDelete = 0;
    try {
        m_store->deleteConversation(id);
    } catch (const std::exception& e) {
        setError(tr("Could not delete the conversation: %1").arg(QString::fromUtf8(e.what())));
    }
    refreshConversations();
    emit undoChanged();
}

void ChatController::search(const QString& query)
{
    if (query.trimmed().isEmpty()) {
        m_searchResults.reset({});
        return;
    }
    try {
        auto hits = m_store->search(query.toStdString());
        std::erase_if(hits, [this](const storage::SearchHit& h) { return h.conversationId == m_pendingDelete; });
        m_searchResults.reset(std::move(hits));
    } catch (const std::exception& e) {
        setError(tr("Search failed: %1").arg(QString::fromUtf8(e.what())));
    }
}

void ChatController::openSearchHit(qint64 conversationId, qint64 messageId)
{
    openConversation(conversationId);
    if (!messageId) return;
    const auto& items = m_messages.items();
    for (size_t i = 0; i < items.size(); ++i)
        if (items[i].message.id == messageId) emit revealMessage(int(i));
}

void ChatController::renameConversation(qint64 id, const QString& title)
{
    try {
        m_store->renameConversation(id, title.trimmed().toStdString());
        refreshConversations();
    } catch (const std::exception& e) {
        setError(tr("Could not rename the conversation: %1").arg(QString::fromUtf8(e.what())));
    }
}

void ChatController::setPinned(qint64 id, bool pinned)
{
    try {
        m_store->setPinned(id, pinned);
        refreshConversations();
    } catch (const std::exception& e) {
        setError(tr("Could not pin the conversation: %1").arg(QString::fromUtf8(e.what())));
    }
}

std::vector<ChatMessage> ChatController::promptMessages() const
{
    std::vector<ChatMessage> out;
    const QString system = m_settings.systemPrompt();
    if (!system.isEmpty()) out.push_back({"system", system.toStdString(), std::nullopt});
    const auto& items = m_messages.items();
    for (size_t i = 0; i + 1 < items.size(); ++i)  // the last item is the reply being written
        out.push_back(
            {items[i].message.role, withAttachments(items[i].message.content, items[i].message.attachments), items[i].message.reasoning});
    return out;
}

bool ChatController::attachFile(const QString& pathOrUrl)
{
    const QString problem = m_attachments.attach(pathOrUrl);
    if (!problem.isEmpty()) setError(problem);
    return problem.isEmpty();
}

bool ChatController::send(const QString& text)
{
    const QString trimmed = text.trimmed();
    if ((trimmed.isEmpty() && m_attachments.count() == 0) || generating()) return false;
    if (!m_modelController.modelLoaded()) {
        setError(tr("Load a model first."));
        return false;
    }
    if (const QString problem = m_attachments.sendProblem(trimmed.isEmpty() ? 0 : m_draftTokens); !problem.isEmpty()) {
        setError(problem);
        return false;
    }
    int64_t user = 0;
    const bool saved = guarded(tr("Could not save your message: %1"), [&] {
        if (!m_conversation) {
            // The chat remembers its model and its settings (system prompt, sampling).
            // An assistant's settings over the defaults.
            QJsonObject settings =
                QJsonDocument::fromJson(QByteArray::fromStdString(m_settings.newChatJson({{"model_path", m_modelController.modelPath()}})))
                    .object();
            if (m_pendingAssistant) {
                const QJsonObject chosen = QJsonDocument::fromJson(QByteArray::fromStdString(*m_pendingAssistant)).object();
                for (auto it = chosen.begin(); it != chosen.end(); ++it)
                    if (it.key() != "model_path") settings.insert(it.key(), it.value());
                m_pendingAssistant.reset();
            }
            m_conversation = chatStore().createConversation({}, m_modelController.modelName().toStdString(), std::nullopt,
                                                            QJsonDocument(settings).toJson(QJsonDocument::Compact).toStdString());
            m_chatModel = m_modelController.modelPath();
            // An incognito chat keeps no settings of its own: the settings' writes go to the history's database.
            if (!incognito()) m_settings.setConversation(m_conversation, m_store->conversation(m_conversation).settingsJson);
            emit currentConversationChanged();
        }
        std::optional<int64_t> parent;
        if (!m_messages.items().empty()) parent = m_messages.items().back().message.id;
        storage::NewMessage message {"user", trimmed.toStdString()};
        message.attachments = m_attachments.attachments();
        user = chatStore().addMessage(m_conversation, parent, message);
    });
    if (!saved) return false;  // the draft and its files stay in the composer
    m_attachments.clear();
    // startReply shows the thread (the message and the reply being written) with one reload.
    if (!guarded(tr("Could not start the reply: %1"), [&] { startReply(user); })) reloadThread();
    return true;
}

void ChatController::continueReply()
{
    const auto& items = m_messages.items();
    if (generating() || !m_modelController.modelLoaded() || items.empty()) return;
    const auto& last = items.back().message;
    if (last.role != "assistant" || last.finishReason != std::optional<std::string>("interrupted")) return;
    if (last.reasoning && !last.reasoning->empty()) return;  // the view offers Regenerate for these
    guarded(tr("Could not continue the reply: %1"), [&] {
        // The same message goes on streaming: the model sees its prompt and the text so far.
        m_replyMessageId = last.id;
        m_replyText = last.content;
        m_replyReasoning = last.reasoning.value_or("");
        const std::string soFar = last.content;
        chatStore().updateMessageText(m_replyMessageId, m_replyText,
                                      m_replyReasoning.empty() ? std::nullopt : std::optional<std::string>(m_replyReasoning));
        m_messages.markLastStreaming();
        sendRequest(soFar);
    });
}

QString ChatController::messageText(int row) const
{
    const auto& items = m_messages.items();
    return row >= 0 && row < int(items.size()) ? QString::fromStdString(items[size_t(row)].message.content) : QString();
}

namespace {

void copyToClipboard(const QString& text)
{
    // Only a GUI application has a clipboard (the tests run without one).
    if (qobject_cast<QGuiApplication*>(QCoreApplication::instance()))
        if (auto* clipboard = QGuiApplication::clipboard()) clipboard->setText(text);
}

}  // namespace

void ChatController::copyMessage(int row) const { copyToClipboard(messageText(row)); }

QString ChatController::codeBlockText(int row, int index) const
{
    const std::vector<QString> blocks = messageCodeBlocks(messageText(row));
    return index >= 0 && size_t(index) < blocks.size() ? blocks[size_t(index)] : QString();
}

void ChatController::copyCodeBlock(int row, int index) const
{
    const QString code = codeBlockText(row, index);
    if (!code.isNull()) copyToClipboard(code);
}

void ChatController::activateLink(int row, const QString& link)
{
    if (const int block = codeBlockLinkIndex(link); block >= 0) return copyCodeBlock(row, block);
    openLink(link);
}

bool ChatController::openLink(const QString& url)
{
    if (!isOpenableLink(url)) {
        setError(tr("Hearth opens only web and mail links from messages, not %1").arg(url));
        return false;
    }
    return QDesktopServices::openUrl(QUrl(url));
}

void ChatController::regenerate()
{
    if (generating() || !m_modelController.modelLoaded() || m_messages.items().empty()) return;
    const auto& last = m_messages.items().back().message;
    if (last.role != "assistant" || !last.parentId) return;
    const int64_t parent = *last.parentId;
    guarded(tr("Could not start the reply: %1"), [&] { startReply(parent); });  // a new sibling of the last reply: a branch
}

void ChatController::startReply(std::optional<int64_t> parent)
{
    m_replyMessageId = chatStore().addMessage(
        m_conversation, parent, {"assistant", "", std::nullopt, m_modelController.modelName().toStdString(), /*streaming=*/true});
    reloadThread();
    refreshConversations();
    m_replyText.clear();
    m_replyReasoning.clear();
    sendRequest({});
}

void ChatController::sendRequest(const std::string& continuation)
{
    GenerateRequest request;
    request.id = m_nextRequestId++;
    request.messages = promptMessages();
    request.continuation = continuation;
    request.sampler = m_settings.sampler();
    request.maxTokens = m_settings.maxTokens();
    request.thinking = m_settings.thinking();
    m_requestId = request.id;
    m_sinceSave.start();
    emit generatingChanged();
    emit requestGenerate(request);
}

void ChatController::switchBranch(int row, int step)
{
    const auto& items = m_messages.items();
    if (generating() || row < 0 || row >= int(items.size())) return;
    try {
        const auto& m = items[size_t(row)].message;
        const auto versions = chatStore().children(m_conversation, m.parentId);
        const int target = items[size_t(row)].branch + step;
        if (target < 0 || target >= int(versions.size())) return;
        chatStore().selectBranch(versions[size_t(target)].id);
        reloadThread();
    } catch (const std::exception& e) {
        setError(tr("Could not switch versions: %1").arg(QString::fromUtf8(e.what())));
    }
}

void ChatController::editAndResend(int row, const QString& text)
{
    const auto& items = m_messages.items();
    const QString trimmed = text.trimmed();
    if (generating() || !m_modelController.modelLoaded() || trimmed.isEmpty() || row < 0 || row >= int(items.size())) return;
    const auto& original = items[size_t(row)].message;
    if (original.role != "user") return;
    try {
        // The edit is a new version beside the original (a branch); the reply follows it.
        storage::NewMessage edit {"user", trimmed.toStdString()};
        edit.attachments = original.attachments;  // the files stay with the question
        const int64_t edited = chatStore().addMessage(m_conversation, original.parentId, edit);
        startReply(edited);
    } catch (const std::exception& e) {
        setError(tr("Could not save the message: %1").arg(QString::fromUtf8(e.what())));
    }
}

int ChatController::lastUserRow() const
{
    const auto& items = m_messages.items();
    for (int i = int(items.size()) - 1; i >= 0; --i)
        if (items[size_t(i)].message.role == "user") return i;
    return -1;
}

void ChatController::stop()
{
    if (generating()) m_worker->requestStop(m_requestId);
}

void ChatController::saveStreaming(bool force)
{
    if (!force && m_sinceSave.elapsed() < 1000) return;  // at least once a second while streaming
    chatStore().updateMessageText(m_replyMessageId, m_replyText,
                                  m_replyReasoning.empty() ? std::nullopt : std::optional<std::string>(m_replyReasoning));
    m_sinceSave.restart();
}

void ChatController::onTokens(quint64 requestId, const QString& answer, const QString& reasoning)
{
    if (requestId != m_requestId) return;
    // Converted once, appended everywhere (never the whole reply again).
    const std::string answerUtf8 = answer.toStdString(), reasoningUtf8 = reasoning.toStdString();
    m_replyText += answerUtf8;
    m_replyReasoning += reasoningUtf8;
    m_messages.appendToLast(answer, answerUtf8, reasoningUtf8);
    guarded(tr("Could not save the reply: %1"), [&] { saveStreaming(false); });
}

void ChatController::onFinished(quint64 requestId, const GenerateStats& stats)
{
    if (requestId != m_requestId) return;
    const bool saved = guarded(tr("Could not save the reply: %1"), [&] {
        saveStreaming(true);
        chatStore().finishMessage(m_replyMessageId,
                                  {stats.promptTokens, stats.completionTokens, stats.tokensPerSecond, stats.finishReason.toStdString()});
    });
    if (!saved && !m_conversation) return;  // the conversation vanished and was closed
    m_requestId = 0;
    m_contextUsed = int(stats.contextUsed);
    m_notice = stats.contextShifts > 0 ? tr("The conversation outgrew the context: the oldest messages were dropped from the model's view.")
                                       : QString();
    emit noticeChanged();
    emit contextChanged();
    reloadThread();
    refreshConversations();
    emit generatingChanged();
    emit replyFinished(stats.finishReason);
}

void ChatController::onFailed(quint64 requestId, const QString& error)
{
    if (requestId != m_requestId) return;
    // The reply's failure is what the user must see; a failure to save it too is said after it.
    QString saveProblem;
    try {
        saveStreaming(true);
        chatStore().finishMessage(m_replyMessageId, {std::nullopt, std::nullopt, std::nullopt, "error"});
    } catch (const std::exception& e) {
        saveProblem = tr(" (and what it wrote could not be saved: %1)").arg(QString::fromUtf8(e.what()));
    }
    m_requestId = 0;
    reloadThread();
    emit generatingChanged();
    setError(tr("The reply failed: %1").arg(error) + saveProblem);
    emit replyFinished("error");
}

}  // namespace hearth::app
