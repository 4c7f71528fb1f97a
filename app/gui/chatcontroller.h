// The conversation side of the app as QML sees it: conversations, the open thread, sending,
// streaming, stopping, regenerating, branches, search, undo and the prompt inspector. It is
// the app's composition root too: it owns the store, the settings (AppSettings) and the model
// side (ModelController, which owns the inference worker's thread). GUI thread only.
#pragma once

#include "appsettings.h"
#include "attachmenttray.h"
#include "conversationlistmodel.h"
#include "cppownedsingleton.h"
#include "generaterequest.h"
#include "messagelistmodel.h"
#include "modelcontroller.h"
#include "searchresultmodel.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <QStringList>
#include <QtQml/qqmlregistration.h>

#include <memory>

class QQmlEngine;
class QJSEngine;

namespace hearth::app {

class InferenceWorker;

class ChatController : public QObject, public CppOwnedSingleton<ChatController> {
    Q_OBJECT
    QML_ELEMENT
    QML_SINGLETON
    Q_PROPERTY(hearth::app::ConversationListModel* conversations READ conversations CONSTANT)
    Q_PROPERTY(hearth::app::MessageListModel* messages READ messages CONSTANT)
    Q_PROPERTY(hearth::app::SearchResultModel* searchResults READ searchResults CONSTANT)
    // The files attached to the message being written.
    Q_PROPERTY(hearth::app::AttachmentTray* attachments READ attachments CONSTANT)
    Q_PROPERTY(bool canUndoDelete READ canUndoDelete NOTIFY undoChanged)
    Q_PROPERTY(qint64 currentConversation READ currentConversation NOTIFY currentConversationChanged)
    // The prompt inspector: the exact rendered prompt of the conversation (with the draft, when
    // there is one), its token count, and the draft's own token count.
    Q_PROPERTY(QString inspectedPrompt READ inspectedPrompt NOTIFY inspectedChanged)
    Q_PROPERTY(int inspectedTokens READ inspectedTokens NOTIFY inspectedChanged)
    Q_PROPERTY(int draftTokens READ draftTokens NOTIFY inspectedChanged)
    Q_PROPERTY(int contextUsed READ contextUsed NOTIFY contextChanged)
    Q_PROPERTY(bool generating READ generating NOTIFY generatingChanged)
    Q_PROPERTY(QString errorMessage READ errorMessage NOTIFY errorChanged)
    // The open chat is incognito: kept in memory only, never in the history, the search or any file.
    Q_PROPERTY(bool incognito READ incognito NOTIFY incognitoChanged)
    // Assistants (named chat settings to start new chats from): [{id, name}], by name.
    Q_PROPERTY(QVariantList assistants READ assistants NOTIFY assistantsChanged)
    Q_PROPERTY(QString notice READ notice NOTIFY noticeChanged)
    Q_PROPERTY(QString chatModelPath READ chatModelPath NOTIFY chatModelChanged)

public:
    explicit ChatController(std::unique_ptr<storage::Store> store, QObject* parent = nullptr);
    ~ChatController() override;

    // QML_SINGLETON: the instance main() created (owned by C++).
    // Also makes its parts (AppSettings, ModelController) the singletons QML sees.
    static void setInstance(ChatController* controller);

    ConversationListModel* conversations() { return &m_conversations; }
    MessageListModel* messages() { return &m_messages; }
    qint64 currentConversation() const { return m_conversation; }
    // Asks the worker to render and count (answered through inspectedChanged).
    Q_INVOKABLE void inspect(const QString& draft);
    QString inspectedPrompt() const { return m_inspectedPrompt; }
    int inspectedTokens() const { return m_inspectedTokens; }
    int draftTokens() const { return m_draftTokens; }
    int contextUsed() const { return m_contextUsed; }
    bool generating() const { return m_requestId != 0; }
    QString errorMessage() const { return m_error; }
    bool incognito() const { return m_incognitoStore != nullptr; }
    QVariantList assistants() const { return m_assistants; }
    QString notice() const { return m_notice; }
    AppSettings* settings() { return &m_settings; }
    ModelController* modelController() { return &m_modelController; }
    storage::Store& store() { return *m_store; }
    SearchResultModel* searchResults() { return &m_searchResults; }
    AttachmentTray* attachments() { return &m_attachments; }
    // Attaches a file to the message being written; a problem goes to the error banner.
    Q_INVOKABLE bool attachFile(const QString& pathOrUrl);
    bool canUndoDelete() const { return m_pendingDelete != 0; }
    Q_INVOKABLE void search(const QString& query);
    // Opens the conversation and asks the chat view to show the message (0: none).
    Q_INVOKABLE void openSearchHit(qint64 conversationId, qint64 messageId);
    Q_INVOKABLE void renameConversation(qint64 id, const QString& title);
    Q_INVOKABLE void setPinned(qint64 id, bool pinned);
    Q_INVOKABLE void undoDelete();

    Q_INVOKABLE void newConversation();
    // Starts an incognito chat; it ends (and is forgotten) when another chat is opened or started,
    // or when Hearth quits.
    Q_INVOKABLE void newIncognitoConversation();
    // Saves the current settings (system prompt, sampling, thinking) and the loaded model as an
    // assistant; false, with a message, when the name is empty or taken.
    Q_INVOKABLE bool saveAssistant(const QString& name);
    // Starts a new chat with an assistant's settings (and loads its model when it is another).
    Q_INVOKABLE void newConversationWithAssistant(qint64 id);
    Q_INVOKABLE void deleteAssistant(qint64 id);
    // To and from a .json file (a local path or file: URL); false, with a message, on failure.
    Q_INVOKABLE bool exportAssistant(qint64 id, const QString& file);
    Q_INVOKABLE bool importAssistant(const QString& file);
    Q_INVOKABLE void openConversation(qint64 id);
    Q_INVOKABLE void deleteConversation(qint64 id);
    // Deletes every conversation at once, leaving nothing recoverable in the files (no undo).
    // Refused, with a message, while a reply is being written.
    Q_INVOKABLE bool deleteAllHistory();
    // False when the message could not be saved (the composer keeps the draft then).
    Q_INVOKABLE bool send(const QString& text);
    // A reply cut off by a crash or a kill (shown as interrupted) goes on from where it stopped.
    Q_INVOKABLE void continueReply();
    // The whole text of the message at `row` (the view holds only a preview of long ones).
    Q_INVOKABLE QString messageText(int row) const;
    // `count` characters of the message at `row` from `from`: the rest of a collapsed message.
    Q_INVOKABLE QString messageTextSlice(int row, int from, int count) const { return m_messages.textSlice(row, from, count); }
    Q_INVOKABLE void copyMessage(int row) const;
    // A message's index-th code block (its "Copy code" link), without the fences.
    Q_INVOKABLE void copyCodeBlock(int row, int index) const;
    QString codeBlockText(int row, int index) const;  // null when there is no such block
    // Handles a link clicked in a message: a "Copy code" link copies, a web or mail link opens.
    Q_INVOKABLE void activateLink(int row, const QString& link);
    // Opens a link from a message in the system browser (http, https, mailto only), after a click.
    Q_INVOKABLE bool openLink(const QString& url);
    Q_INVOKABLE void stop();
    Q_INVOKABLE void regenerate();
    // Shows the previous (-1) or next (+1) version of the message at `row` and the thread below it.
    Q_INVOKABLE void switchBranch(int row, int step);
    // A new version of the user message at `row` with `text`, and a reply to it (a branch).
    Q_INVOKABLE void editAndResend(int row, const QString& text);
    Q_INVOKABLE int lastUserRow() const;
    Q_INVOKABLE void clearError();
    // The model the open chat was written with, when it is not the one loaded and still exists
    // (the chat view offers to load it); "" otherwise.
    QString chatModelPath() const;
    // Shows a message in the error banner (the app's last-resort exception handler uses it).
    void showError(const QString& message) { setError(message); }
    // Stops a running reply and saves it (window closing, quitting).
    Q_INVOKABLE void shutdown();

signals:
    void currentConversationChanged();
    void incognitoChanged();
    void assistantsChanged();
    void chatModelChanged();
    void contextChanged();
    void generatingChanged();
    void errorChanged();
    void noticeChanged();
    void inspectedChanged();
    void undoChanged();
    void revealMessage(int row);  // the chat view scrolls to this row
    void requestInspect(const hearth::app::GenerateRequest& request, const QString& draft);
    void replyFinished(const QString& finishReason);
    // To the worker (queued).
    void requestGenerate(const hearth::app::GenerateRequest& request);

private:
    void onTokens(quint64 requestId, const QString& answer, const QString& reasoning);
    void onFinished(quint64 requestId, const hearth::app::GenerateStats& stats);
    void onFailed(quint64 requestId, const QString& error);
    void startReply(std::optional<int64_t> parent);
    void sendRequest(const std::string& continuation);
    // Runs a store operation from a slot or an invokable: a failure becomes the error banner
    // (`what` with %1 for the reason), or closes the open conversation when another process
    // deleted it; no exception ever reaches Qt's event loop or the QML engine.
    template <class F>
    bool guarded(const QString& what, F&& operation);
    void handleStoreFailure(const QString& what, const std::exception& e);
    void closeVanishedConversation();
    void checkExternalChanges();
    void reloadThread();
    void refreshConversations();
    void saveStreaming(bool force);
    void setError(const QString& error);
    std::vector<ChatMessage> promptMessages() const;

    // Declared in order of construction: the store first, destroyed last.
    std::unique_ptr<storage::Store> m_store;
    std::unique_ptr<storage::Store> m_incognitoStore;  // the incognito chat's, in memory; null otherwise
    // Where the open chat's messages live: the history, or the incognito chat's memory.
    storage::Store& chatStore() { return m_incognitoStore ? *m_incognitoStore : *m_store; }
    void leaveIncognito();
    void refreshAssistants();
    QVariantList m_assistants;
    std::optional<std::string> m_pendingAssistant;  // a new chat's settings until its first message creates it
    AppSettings m_settings;
    ModelController m_modelController;
    InferenceWorker* m_worker;  // the model controller's, on its thread
    ConversationListModel m_conversations;
    MessageListModel m_messages;
    qint64 m_conversation = 0;
    QString m_chatModel;  // the path the open chat was written with (its settings), "" when unknown
    SearchResultModel m_searchResults;
    AttachmentTray m_attachments;
    // A deleted conversation is hidden first and removed for good when the undo time is up
    // (or the app closes), so "Undo" can bring it back.
    qint64 m_pendingDelete = 0;
    QTimer m_undoTimer;
    void finishPendingDelete();
    QString m_inspectedPrompt;
    int m_inspectedTokens = 0, m_draftTokens = 0;
    int m_contextUsed = 0;
    quint64 m_requestId = 0;
    quint64 m_nextRequestId = 1;
    int64_t m_replyMessageId = 0;
    std::string m_replyText, m_replyReasoning;
    QElapsedTimer m_sinceSave;
    // Other processes (hearth-cli, another window) change the same database: polled through
    // SQLite's data_version, which moves only when another connection commits.
    QTimer m_externalChanges;
    int64_t m_dataVersion = 0;
    QString m_error;
    QString m_notice;
};

template <class F>
bool ChatController::guarded(const QString& what, F&& operation)
{
    try {
        operation();
        return true;
    } catch (const std::exception& e) {
        handleStoreFailure(what, e);
        return false;
    }
}

}  // namespace hearth::app
