// The chat as QML sees it: conversations, the open thread, sending, streaming, stopping and
// regenerating. Owns the store (GUI thread) and the inference worker's thread.
#pragma once

#include "conversationlistmodel.h"
#include "generaterequest.h"
#include "messagelistmodel.h"
#include "modellistmodel.h"
#include "searchresultmodel.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <QStringList>
#include <QThread>
#include <QtQml/qqmlregistration.h>

#include <memory>

class QQmlEngine;
class QJSEngine;

namespace hearth::app {

class InferenceWorker;

class ChatController : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_SINGLETON
    Q_PROPERTY(hearth::app::ConversationListModel* conversations READ conversations CONSTANT)
    Q_PROPERTY(hearth::app::MessageListModel* messages READ messages CONSTANT)
    Q_PROPERTY(hearth::app::ModelListModel* models READ models CONSTANT)
    Q_PROPERTY(hearth::app::SearchResultModel* searchResults READ searchResults CONSTANT)
    Q_PROPERTY(bool canUndoDelete READ canUndoDelete NOTIFY undoChanged)
    Q_PROPERTY(qint64 currentConversation READ currentConversation NOTIFY currentConversationChanged)
    Q_PROPERTY(bool modelLoaded READ modelLoaded NOTIFY modelChanged)
    Q_PROPERTY(bool loadingModel READ loadingModel NOTIFY modelChanged)
    Q_PROPERTY(double loadProgress READ loadProgress NOTIFY loadProgressChanged)
    // The prompt inspector: the exact rendered prompt of the conversation (with the draft, when
    // there is one), its token count, and the draft's own token count.
    Q_PROPERTY(QString inspectedPrompt READ inspectedPrompt NOTIFY inspectedChanged)
    Q_PROPERTY(int inspectedTokens READ inspectedTokens NOTIFY inspectedChanged)
    Q_PROPERTY(int draftTokens READ draftTokens NOTIFY inspectedChanged)
    Q_PROPERTY(QString modelName READ modelName NOTIFY modelChanged)
    Q_PROPERTY(QString templateDescription READ templateDescription NOTIFY modelChanged)
    Q_PROPERTY(int contextLength READ contextLength NOTIFY modelChanged)
    Q_PROPERTY(int contextUsed READ contextUsed NOTIFY contextChanged)
    Q_PROPERTY(bool generating READ generating NOTIFY generatingChanged)
    Q_PROPERTY(QString errorMessage READ errorMessage NOTIFY errorChanged)
    Q_PROPERTY(QString notice READ notice NOTIFY noticeChanged)
    Q_PROPERTY(double temperature READ temperature WRITE setTemperature NOTIFY settingsChanged)
    Q_PROPERTY(int maxTokens READ maxTokens WRITE setMaxTokens NOTIFY settingsChanged)
    Q_PROPERTY(int topK READ topK WRITE setTopK NOTIFY settingsChanged)
    Q_PROPERTY(double topP READ topP WRITE setTopP NOTIFY settingsChanged)
    Q_PROPERTY(double minP READ minP WRITE setMinP NOTIFY settingsChanged)
    Q_PROPERTY(double repeatPenalty READ repeatPenalty WRITE setRepeatPenalty NOTIFY settingsChanged)
    Q_PROPERTY(int seed READ seed WRITE setSeed NOTIFY settingsChanged)  // -1: a new seed per reply
    Q_PROPERTY(int contextLengthSetting READ contextLengthSetting WRITE setContextLengthSetting NOTIFY settingsChanged)
    // Appearance: "system", "light" or "dark"; the font size in points (0: the system's).
    Q_PROPERTY(QString theme READ theme WRITE setTheme NOTIFY settingsChanged)
    Q_PROPERTY(int fontSize READ fontSize WRITE setFontSize NOTIFY settingsChanged)
    // The theme's colours by palette role, for the windows' palettes (appearance.cpp defines them).
    Q_PROPERTY(QVariantMap themeColors READ themeColors NOTIFY settingsChanged)
    Q_PROPERTY(QString systemPrompt READ systemPrompt WRITE setSystemPrompt NOTIFY settingsChanged)
    // Compute devices to choose from: "Automatic", each Vulkan device, "CPU"; and the chosen one.
    Q_PROPERTY(QStringList devices READ devices CONSTANT)
    Q_PROPERTY(int deviceIndex READ deviceIndex WRITE setDeviceIndex NOTIFY settingsChanged)

public:
    explicit ChatController(std::unique_ptr<storage::Store> store, QObject* parent = nullptr);
    ~ChatController() override;

    // QML_SINGLETON: the instance main() created (owned by C++).
    static ChatController* create(QQmlEngine*, QJSEngine*);
    static void setInstance(ChatController* controller);

    ConversationListModel* conversations() { return &m_conversations; }
    MessageListModel* messages() { return &m_messages; }
    qint64 currentConversation() const { return m_conversation; }
    bool modelLoaded() const { return !m_modelPath.isEmpty() && !m_loading; }
    bool loadingModel() const { return m_loading; }
    double loadProgress() const { return m_loadProgress; }
    // Stops a model load in progress (the weights upload stops; no model is loaded after it).
    Q_INVOKABLE void cancelLoad();
    // Asks the worker to render and count (answered through inspectedChanged).
    Q_INVOKABLE void inspect(const QString& draft);
    QString inspectedPrompt() const { return m_inspectedPrompt; }
    int inspectedTokens() const { return m_inspectedTokens; }
    int draftTokens() const { return m_draftTokens; }
    QString modelName() const;
    QString templateDescription() const { return m_templateDescription; }
    int contextLength() const { return m_contextLength; }
    int contextUsed() const { return m_contextUsed; }
    bool generating() const { return m_requestId != 0; }
    QString errorMessage() const { return m_error; }
    QString notice() const { return m_notice; }
    double temperature() const;
    void setTemperature(double t);
    int maxTokens() const;
    int topK() const { return int(m_store->intSetting("top_k", 40)); }
    void setTopK(int v) { storeSetting("top_k", int64_t(v)); }
    double topP() const { return m_store->doubleSetting("top_p", 0.95); }
    void setTopP(double v) { storeSetting("top_p", v); }
    double minP() const { return m_store->doubleSetting("min_p", 0.05); }
    void setMinP(double v) { storeSetting("min_p", v); }
    double repeatPenalty() const { return m_store->doubleSetting("repeat_penalty", 1.0); }
    void setRepeatPenalty(double v) { storeSetting("repeat_penalty", v); }
    int seed() const { return int(m_store->intSetting("seed", -1)); }
    void setSeed(int v) { storeSetting("seed", int64_t(v)); }
    QString theme() const { return QString::fromStdString(m_store->stringSetting("theme", "system")); }
    void setTheme(const QString& t);
    int fontSize() const { return int(m_store->intSetting("font_size", 0)); }
    void setFontSize(int points);
    QVariantMap themeColors() const;
    // The context length models are loaded with (taking effect at the next load).
    int contextLengthSetting() const;
    void setContextLengthSetting(int tokens);
    void setMaxTokens(int n);
    QString systemPrompt() const;
    void setSystemPrompt(const QString& prompt);
    QStringList devices() const { return m_deviceLabels; }
    ModelListModel* models() const { return m_models; }
    SearchResultModel* searchResults() { return &m_searchResults; }
    bool canUndoDelete() const { return m_pendingDelete != 0; }
    Q_INVOKABLE void search(const QString& query);
    // Opens the conversation and asks the chat view to show the message (0: none).
    Q_INVOKABLE void openSearchHit(qint64 conversationId, qint64 messageId);
    Q_INVOKABLE void renameConversation(qint64 id, const QString& title);
    Q_INVOKABLE void setPinned(qint64 id, bool pinned);
    Q_INVOKABLE void undoDelete();
    int deviceIndex() const;
    void setDeviceIndex(int index);

    // The model loaded last time, if its file still exists.
    QString defaultModel() const;

    Q_INVOKABLE void newConversation();
    Q_INVOKABLE void openConversation(qint64 id);
    Q_INVOKABLE void deleteConversation(qint64 id);
    // False when the message could not be saved (the composer keeps the draft then).
    Q_INVOKABLE bool send(const QString& text);
    // A reply cut off by a crash or a kill (shown as interrupted) goes on from where it stopped.
    Q_INVOKABLE void continueReply();
    // The whole text of the message at `row` (the view holds only a preview of long ones).
    Q_INVOKABLE QString messageText(int row) const;
    // `count` characters of the message at `row` from `from`: the rest of a collapsed message.
    Q_INVOKABLE QString messageTextSlice(int row, int from, int count) const { return m_messages.textSlice(row, from, count); }
    Q_INVOKABLE void copyMessage(int row) const;
    // Opens a link from a message in the system browser (http, https, mailto only), after a click.
    Q_INVOKABLE bool openLink(const QString& url);
    Q_INVOKABLE void stop();
    Q_INVOKABLE void regenerate();
    // Shows the previous (-1) or next (+1) version of the message at `row` and the thread below it.
    Q_INVOKABLE void switchBranch(int row, int step);
    // A new version of the user message at `row` with `text`, and a reply to it (a branch).
    Q_INVOKABLE void editAndResend(int row, const QString& text);
    Q_INVOKABLE int lastUserRow() const;
    Q_INVOKABLE void loadModel(const QString& pathOrUrl);
    Q_INVOKABLE void clearError();
    // Shows a message in the error banner (the app's last-resort exception handler uses it).
    void showError(const QString& message) { setError(message); }
    // Stops a running reply and saves it (window closing, quitting).
    Q_INVOKABLE void shutdown();

signals:
    void currentConversationChanged();
    void modelChanged();
    void contextChanged();
    void generatingChanged();
    void errorChanged();
    void noticeChanged();
    void settingsChanged();
    void loadProgressChanged();
    void inspectedChanged();
    void undoChanged();
    void revealMessage(int row);  // the chat view scrolls to this row
    void requestInspect(const hearth::app::GenerateRequest& request, const QString& draft);
    void replyFinished(const QString& finishReason);
    // To the worker (queued).
    void requestLoad(const QString& path, int contextLength, const QString& device);
    void requestGenerate(const hearth::app::GenerateRequest& request);

private:
    void onModelLoaded(const QString& path, const QString& templateDescription, int contextLength);
    void onModelLoadFailed(const QString& path, const QString& error);
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
    template <class T>
    void storeSetting(const char* key, T value)
    {
        guarded(tr("Could not save the setting: %1"), [&] { m_store->setSetting(key, value); });
        emit settingsChanged();
    }
    void reloadThread();
    void refreshConversations();
    void saveStreaming(bool force);
    void setError(const QString& error);
    std::vector<ChatMessage> promptMessages() const;

    std::unique_ptr<storage::Store> m_store;
    ConversationListModel m_conversations;
    MessageListModel m_messages;
    QThread m_thread;
    InferenceWorker* m_worker = nullptr;  // lives on m_thread, deleted when it finishes
    qint64 m_conversation = 0;
    QString m_modelPath;
    QStringList m_deviceLabels;  // as shown; m_deviceSettings holds what each one stores
    QStringList m_deviceSettings;
    std::vector<uint64_t> m_deviceBudgets;  // memory each choice offers (the fit check's budget)
    ModelListModel* m_models = nullptr;
    void updateModelBudget();
    QString m_templateDescription;
    bool m_loading = false;
    double m_loadProgress = 0;
    SearchResultModel m_searchResults;
    // A deleted conversation is hidden first and removed for good when the undo time is up
    // (or the app closes), so "Undo" can bring it back.
    qint64 m_pendingDelete = 0;
    QTimer m_undoTimer;
    void finishPendingDelete();
    QString m_inspectedPrompt;
    int m_inspectedTokens = 0, m_draftTokens = 0;
    int m_contextLength = 0;
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
