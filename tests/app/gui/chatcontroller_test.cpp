// The chat controller with the real engine (stories260K) and a real temporary database: send,
// stream, stop, regenerate (a branch), and the conversation survives a restart.
#include "chatcontroller.h"
#include "thread_cpu_time.h"

#include "storage/store.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QUrl>
#include <QJsonObject>
#include <QJsonDocument>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <ctime>
#include <fstream>

using namespace hearth;
using namespace hearth::app;

using hearth::test::threadCpuMs;

class ChatControllerTest : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_model;
    std::string dbPath() const { return (m_dir.path() + "/hearth.db").toStdString(); }

    // Every list model the controller exposes is checked by Qt's model tester for as long as it lives.
    std::vector<std::unique_ptr<QAbstractItemModelTester>> m_testers;
    void checkModels(ChatController& controller)
    {
        m_testers.clear();
        for (QAbstractItemModel* model : std::initializer_list<QAbstractItemModel*> {
                 controller.messages(), controller.conversations(), controller.modelController()->models(), controller.searchResults()})
            m_testers.push_back(std::make_unique<QAbstractItemModelTester>(model, QAbstractItemModelTester::FailureReportingMode::QtTest));
    }

    std::unique_ptr<ChatController> makeController()
    {
        m_testers.clear();
        auto controller = std::make_unique<ChatController>(storage::Store::open(dbPath()));
        checkModels(*controller);
        controller->modelController()->waitForDevices();  // read off the GUI thread; the tests want the full list
        controller->modelController()->loadModel(m_model);
        for (int i = 0; i < 200 && !controller->modelController()->modelLoaded(); ++i) QTest::qWait(100);  // the worker loads it
        return controller;
    }

private slots:
    void initTestCase()
    {
        const QByteArray shared =
            qgetenv("HEARTH_SHARED_DIR").isEmpty() ? QByteArray(HEARTH_DEFAULT_SHARED_DIR) : qgetenv("HEARTH_SHARED_DIR");
        m_model = QString::fromUtf8(shared) + "/models/stories260K.gguf";
        if (!QFile::exists(m_model)) QSKIP("../shared/models/stories260K.gguf is absent");
    }

    // Run by CTest's app.device_lost with HEARTH_VK_LOSE_DEVICE_AT set (the Vulkan context then
    // reports VK_ERROR_DEVICE_LOST at that submission, once): the reply in progress ends with a
    // message, the conversation keeps what it wrote, and the next message loads the model again.
    void aLostGpuEndsTheReplyKeepsTheChatAndTheNextMessageReloads()
    {
        if (qEnvironmentVariableIsEmpty("HEARTH_VK_LOSE_DEVICE_AT")) QSKIP("run by app.device_lost (HEARTH_VK_LOSE_DEVICE_AT)");
        {
            auto probe = std::make_unique<ChatController>(storage::Store::open(dbPath()));
            probe->modelController()->waitForDevices();
            if (probe->modelController()->devices().size() < 3) {  // Automatic, a Vulkan device, CPU
                if (!qEnvironmentVariableIsEmpty("HEARTH_REQUIRE_VULKAN")) QFAIL("no Vulkan device (HEARTH_REQUIRE_VULKAN is set)");
                QSKIP("no Vulkan device");
            }
            probe->settings()->setComputeDevice("0");
        }
        auto controller = makeController();
        QVERIFY(controller->modelController()->modelLoaded());
        QVERIFY2(controller->modelController()->templateDescription().contains("vulkan"),
                 qPrintable(controller->modelController()->templateDescription()));
        // Loading on a GPU ran its self-test (or read its cached result): Settings shows it.
        QTRY_VERIFY_WITH_TIMEOUT(controller->modelController()->selfTestSummary().startsWith("passed"), 30000);
        controller->settings()->setMaxTokens(64);
        controller->settings()->setTemperature(0.0);
        controller->newConversation();
        QSignalSpy finished(controller.get(), &ChatController::replyFinished);
        controller->send("Once upon a time");
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.last().first().toString(), QString("error"));
        QVERIFY2(controller->errorMessage().contains("GPU stopped working"), qPrintable(controller->errorMessage()));
        QCOMPARE(controller->messages()->rowCount(), 2);
        const auto& lost = controller->messages()->items().back().message;
        QCOMPARE(lost.finishReason, std::optional<std::string>("error"));
        QVERIFY2(!lost.content.empty(), "what the reply wrote before the loss is kept");
        // The next message: the model is loaded again (on the same device) and answers.
        controller->send("The dog");
        QVERIFY(finished.wait(120000));
        QCOMPARE(finished.last().first().toString(), QString("length"));
        QCOMPARE(controller->messages()->rowCount(), 4);
        QVERIFY(controller->modelController()->modelLoaded());
        QVERIFY(controller->modelController()->templateDescription().contains("vulkan"));
        // And everything is in the database.
        auto store = storage::Store::open(dbPath());
        QVERIFY(store->integrityOk());
        controller->settings()->setComputeDevice("");
    }

    // Run by CTest's app.self_test_failure with HEARTH_VK_BREAK_KERNEL=matmul: loading on the GPU
    // runs the self-test, which names the broken kernel and offers the CPU; the result is kept in
    // the cache folder, so the next load does not run it again.
    void aGpuThatFailsTheSelfTestIsNamedAndTheCpuOffered()
    {
        if (qEnvironmentVariableIsEmpty("HEARTH_VK_BREAK_KERNEL")) QSKIP("run by app.self_test_failure (HEARTH_VK_BREAK_KERNEL)");
        QTemporaryDir cache;
        qputenv("XDG_CACHE_HOME", cache.path().toUtf8());
        {
            auto probe = std::make_unique<ChatController>(storage::Store::open(dbPath()));
            probe->modelController()->waitForDevices();
            if (probe->modelController()->devices().size() < 3) {
                if (!qEnvironmentVariableIsEmpty("HEARTH_REQUIRE_VULKAN")) QFAIL("no Vulkan device (HEARTH_REQUIRE_VULKAN is set)");
                QSKIP("no Vulkan device");
            }
            probe->settings()->setComputeDevice("0");
        }
        auto controller = makeController();
        QVERIFY(controller->modelController()->modelLoaded());
        QTRY_VERIFY_WITH_TIMEOUT(!controller->modelController()->selfTestSummary().isEmpty(), 30000);
        const QString summary = controller->modelController()->selfTestSummary();
        QVERIFY2(summary.startsWith("FAILED") && summary.contains("matmul F32"), qPrintable(summary));
        QVERIFY2(controller->errorMessage().contains("self-test") && controller->errorMessage().contains("CPU"),
                 qPrintable(controller->errorMessage()));
        QVERIFY2(QDir(cache.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot).size() > 0, "the result is cached");
        controller->settings()->setComputeDevice("");
        qunsetenv("XDG_CACHE_HOME");
    }

    void sendStreamsAReplyAndSavesIt()
    {
        auto controller = makeController();
        QVERIFY(controller->modelController()->modelLoaded());
        QVERIFY(controller->modelController()->templateDescription().contains("Llama 2"));
        controller->settings()->setMaxTokens(48);
        controller->settings()->setTemperature(0.0);
        QSignalSpy tokens(controller->messages(), &QAbstractItemModel::dataChanged);
        QSignalSpy finished(controller.get(), &ChatController::replyFinished);
        controller->send("Once upon a time");
        QVERIFY(controller->generating());
        // While it streams, the reply is shown streaming (not as an interrupted one).
        const QModelIndex streaming = controller->messages()->index(controller->messages()->rowCount() - 1);
        QVERIFY(controller->messages()->data(streaming, MessageListModel::StreamingRole).toBool());
        QVERIFY(!controller->messages()->data(streaming, MessageListModel::InterruptedRole).toBool());
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.first().first().toString(), QString("length"));
        QVERIFY2(tokens.count() >= 1, "the reply streamed in");
        QCOMPARE(controller->messages()->rowCount(), 2);
        const auto& reply = controller->messages()->items().back().message;
        QCOMPARE(reply.role, std::string("assistant"));
        QVERIFY(!reply.content.empty());
        QVERIFY(!reply.streaming);
        QCOMPARE(reply.completionTokens, std::optional<int64_t>(48));
        QCOMPARE(controller->conversations()->rowCount(), 1);
    }

    void stopEndsTheReplyWithinOneToken()
    {
        auto controller = makeController();
        QVERIFY(controller->modelController()->modelLoaded());
        controller->settings()->setMaxTokens(4000);
        controller->settings()->setTemperature(0.8);
        QSignalSpy finished(controller.get(), &ChatController::replyFinished);
        QSignalSpy tokens(controller->messages(), &QAbstractItemModel::dataChanged);
        controller->newConversation();
        controller->send("Tell me a long story");
        QVERIFY(tokens.wait(20000));
        controller->stop();
        QVERIFY(finished.wait(30000));
        QCOMPARE(finished.first().first().toString(), QString("cancelled"));
        const auto& reply = controller->messages()->items().back().message;
        QCOMPARE(reply.finishReason, std::optional<std::string>("cancelled"));
        QVERIFY(reply.completionTokens.value_or(0) < 4000);
    }

    void regenerateMakesABranchAndEverythingSurvivesARestart()
    {
        qint64 conversation = 0;
        {
            auto controller = makeController();
            QVERIFY(controller->modelController()->modelLoaded());
            controller->settings()->setMaxTokens(16);
            controller->newConversation();
            QSignalSpy finished(controller.get(), &ChatController::replyFinished);
            controller->send("The dog");
            QVERIFY(finished.wait(60000));
            const int64_t first = controller->messages()->items().back().message.id;
            controller->regenerate();
            QVERIFY(finished.wait(60000));
            QCOMPARE(controller->messages()->rowCount(), 2);
            QCOMPARE(controller->messages()->items().back().siblings, 2);
            QVERIFY(controller->messages()->items().back().message.id != first);
            conversation = controller->currentConversation();
        }
        // A new controller on the same database: the chat and both versions are still there.
        auto store = storage::Store::open(dbPath());
        QVERIFY(store->integrityOk());
        auto thread = store->activeThread(conversation);
        QCOMPARE(thread.size(), size_t(2));
        QCOMPARE(store->children(conversation, thread[0].id).size(), size_t(2));
        ChatController restarted(std::move(store));
        QCOMPARE(restarted.currentConversation(), conversation);  // the last conversation reopens
        QCOMPARE(restarted.messages()->rowCount(), 2);
    }

    void theGuiThreadStaysResponsiveWhileLoadingAndGenerating()
    {
        // A 60 Hz timer on this (the GUI) thread while the worker loads the model and streams a
        // reply. Two measures between ticks: the GUI thread's own CPU time (work done on it, which
        // a busy machine does not inflate: a blocking load or generation on it would take
        // seconds), and wall time with a bound loose enough for a loaded 2-core machine that
        // still catches a thread that waits on the worker.
        QElapsedTimer clock;
        clock.start();
        qint64 last = 0, longestGap = 0;
        double lastCpu = threadCpuMs(), longestCpu = 0;
        QTimer frame;
        frame.setTimerType(Qt::PreciseTimer);
        QObject::connect(&frame, &QTimer::timeout, [&] {
            const qint64 now = clock.elapsed();
            const double cpu = threadCpuMs();
            longestGap = std::max(longestGap, now - last);
            longestCpu = std::max(longestCpu, cpu - lastCpu);
            last = now;
            lastCpu = cpu;
        });
        frame.start(16);
        auto controller = makeController();
        QVERIFY(controller->modelController()->modelLoaded());
        controller->settings()->setMaxTokens(200);
        QSignalSpy finished(controller.get(), &ChatController::replyFinished);
        controller->send("Once upon a time");
        QVERIFY(finished.wait(60000));
        frame.stop();
        qInfo("longest gap between 16 ms GUI ticks during load and generation: %lld ms wall, %.1f ms of GUI-thread CPU", longestGap,
              longestCpu);
        QVERIFY2(longestCpu < 100, qPrintable(QString("the GUI thread worked %1 ms without a break").arg(longestCpu)));
        QVERIFY2(longestGap < 2000, qPrintable(QString("the GUI thread stalled for %1 ms").arg(longestGap)));
    }

    void choosingADeviceReloadsTheModelThereAndIsRemembered()
    {
        auto controller = makeController();
        QVERIFY(controller->modelController()->modelLoaded());
        const QStringList devices = controller->modelController()->devices();
        QVERIFY(devices.size() >= 2);  // Automatic ... CPU
        QVERIFY(devices.front().startsWith("Automatic"));
        QVERIFY(devices.back().startsWith("CPU"));
        QSignalSpy changed(controller->modelController(), &ModelController::modelChanged);
        controller->modelController()->setDeviceIndex(int(devices.size() - 1));
        for (int i = 0; i < 200 && (controller->modelController()->loadingModel() || changed.count() < 2); ++i) QTest::qWait(50);
        QVERIFY(controller->modelController()->modelLoaded());
        QVERIFY2(controller->modelController()->templateDescription().contains("running on cpu"),
                 qPrintable(controller->modelController()->templateDescription()));
        controller.reset();
        auto again = makeController();  // the choice is a setting in the store
        QCOMPARE(again->modelController()->deviceIndex(), int(devices.size() - 1));
        QVERIFY2(again->modelController()->templateDescription().contains("running on cpu"),
                 qPrintable(again->modelController()->templateDescription()));
        again->modelController()->setDeviceIndex(0);
    }

    void aModelBiggerThanTheDeviceLoadsSplitAndSaysWhereItRuns()
    {
        const QString big = QFileInfo(m_model).dir().filePath("ktest-qwen2-F16.gguf");
        if (!QFile::exists(big)) QSKIP("ktest-qwen2-F16.gguf is absent");
        // The test hook shrinks the Vulkan device to about 60 % of the model, plus the working buffers' margin.
        qputenv("HEARTH_VULKAN_MEMORY_LIMIT", QByteArray::number(QFileInfo(big).size() * 6 / 10 + (16 << 20)));
        auto controller = std::make_unique<ChatController>(storage::Store::open((m_dir.path() + "/offload.db").toStdString()));
        controller->modelController()->waitForDevices();
        const QStringList devices = controller->modelController()->devices();
        int vulkan = -1;
        for (int i = 0; i < devices.size(); ++i)
            if (devices[i].startsWith("Vulkan")) vulkan = i;
        if (vulkan < 0) {
            qunsetenv("HEARTH_VULKAN_MEMORY_LIMIT");
            if (qEnvironmentVariableIsSet("HEARTH_REQUIRE_VULKAN")) QFAIL("no Vulkan device");
            QSKIP("no Vulkan device");
        }
        controller->modelController()->setDeviceIndex(vulkan);
        controller->modelController()->loadModel(big);
        for (int i = 0; i < 400 && !controller->modelController()->modelLoaded(); ++i) QTest::qWait(50);
        qunsetenv("HEARTH_VULKAN_MEMORY_LIMIT");
        QVERIFY2(controller->modelController()->modelLoaded(), qPrintable(controller->errorMessage()));
        const QString where = controller->modelController()->templateDescription();
        QVERIFY2(where.contains("layers on the GPU") && where.contains("on the CPU") && !where.contains(" 0 of "), qPrintable(where));
        QVERIFY2(where.endsWith(controller->modelController()->placement()) && !controller->modelController()->placement().isEmpty(),
                 qPrintable(controller->modelController()->placement()));
        // It answers.
        QSignalSpy finished(controller.get(), &ChatController::replyFinished);
        controller->settings()->setMaxTokens(8);
        controller->send("Hello");
        QVERIFY(finished.wait(60000));
        QVERIFY2(controller->errorMessage().isEmpty(), qPrintable(controller->errorMessage()));
        controller->modelController()->setDeviceIndex(0);
    }

    void aLoadCanBeCancelledAndReportsProgress()
    {
        const QString big = QFileInfo(m_model).dir().filePath("ktest-qwen2-F16.gguf");
        if (!QFile::exists(big)) QSKIP("ktest-qwen2-F16.gguf is absent");
        ChatController controller(storage::Store::open((m_dir.path() + "/cancel.db").toStdString()));
        // Progress: a full load reports fractions up to 1 (Vulkan uploads; the CPU maps the file).
        QSignalSpy progress(controller.modelController(), &ModelController::loadProgressChanged);
        controller.modelController()->loadModel(big);
        for (int i = 0; i < 400 && !controller.modelController()->modelLoaded(); ++i) QTest::qWait(50);
        QVERIFY(controller.modelController()->modelLoaded());
        QCOMPARE(controller.modelController()->loadProgress(), 1.0);
        if (!controller.modelController()->templateDescription().contains("vulkan"))
            QSKIP("no Vulkan device: loads are not cancellable uploads");
        // Cancel right after asking: the upload stops, no model is loaded, no error is shown.
        controller.modelController()->loadModel(big);
        controller.modelController()->cancelLoad();
        for (int i = 0; i < 400 && controller.modelController()->loadingModel(); ++i) QTest::qWait(50);
        QVERIFY(!controller.modelController()->loadingModel());
        QVERIFY(!controller.modelController()->modelLoaded());
        QVERIFY2(controller.errorMessage().isEmpty(), qPrintable(controller.errorMessage()));
        // And the next load works.
        controller.modelController()->loadModel(m_model);
        for (int i = 0; i < 400 && !controller.modelController()->modelLoaded(); ++i) QTest::qWait(50);
        QVERIFY(controller.modelController()->modelLoaded());
    }

    void thePromptInspectorShowsTheRenderedPromptAndCounts()
    {
        auto controller = makeController();
        QVERIFY(controller->modelController()->modelLoaded());
        QSignalSpy inspected(controller.get(), &ChatController::inspectedChanged);
        controller->settings()->setSystemPrompt("Be brief.");
        controller->newConversation();
        controller->inspect("Hello world");
        QVERIFY(inspected.wait(30000));
        // stories260K has no template: the built-in Llama 2 format, system prompt included.
        QVERIFY2(controller->inspectedPrompt().contains("[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHello world [/INST]"),
                 qPrintable(controller->inspectedPrompt()));
        QVERIFY(controller->inspectedTokens() > controller->draftTokens());
        QCOMPARE(controller->draftTokens(), 6);  // "Hello world": ▁He ll o ▁w or ld
        controller->settings()->setSystemPrompt("");
    }

    void searchRenamePinAndDeleteWithUndo()
    {
        auto controller = makeController();
        QVERIFY(controller->modelController()->modelLoaded());
        controller->settings()->setMaxTokens(8);
        QSignalSpy finished(controller.get(), &ChatController::replyFinished);
        controller->newConversation();
        controller->send("A dragon named Quillbert");
        QVERIFY(finished.wait(60000));
        const qint64 id = controller->currentConversation();

        // Search finds the message, highlighted, and opening the hit reveals it.
        controller->search("quillbert");
        QVERIFY(controller->searchResults()->rowCount() >= 1);
        const QModelIndex hit = controller->searchResults()->index(0);
        QCOMPARE(controller->searchResults()->data(hit, SearchResultModel::ConversationIdRole).toLongLong(), id);
        QVERIFY(controller->searchResults()->data(hit, SearchResultModel::SnippetRole).toString().contains("<b>Quillbert</b>"));
        QSignalSpy reveal(controller.get(), &ChatController::revealMessage);
        controller->newConversation();
        controller->openSearchHit(id, controller->searchResults()->data(hit, SearchResultModel::MessageIdRole).toLongLong());
        QCOMPARE(controller->currentConversation(), id);
        QCOMPARE(reveal.count(), 1);
        QCOMPARE(reveal.first().first().toInt(), 0);  // the user's message is row 0

        // Rename and pin.
        controller->renameConversation(id, "  Quillbert's tale ");
        controller->setPinned(id, true);
        const auto* list = controller->conversations();
        QCOMPARE(list->data(list->index(0), ConversationListModel::TitleRole).toString(), QString("Quillbert's tale"));
        QCOMPARE(list->data(list->index(0), ConversationListModel::SectionRole).toString(), QString("Pinned"));

        // Delete hides it at once; Undo brings it back; without undo it is gone for good.
        const int before = list->rowCount();
        controller->deleteConversation(id);
        QVERIFY(controller->canUndoDelete());
        QCOMPARE(list->rowCount(), before - 1);
        controller->undoDelete();
        QCOMPARE(list->rowCount(), before);
        QCOMPARE(controller->currentConversation(), id);
        controller->deleteConversation(id);
        controller.reset();  // closing the app completes the delete
        auto again = makeController();
        for (int i = 0; i < again->conversations()->rowCount(); ++i)
            QVERIFY(again->conversations()->data(again->conversations()->index(i), ConversationListModel::IdRole).toLongLong() != id);
    }

    void deleteAllHistoryErasesEveryChatButNotDuringAReply()
    {
        auto controller = makeController();
        QVERIFY(controller->modelController()->modelLoaded());
        controller->settings()->setMaxTokens(8);
        QSignalSpy finished(controller.get(), &ChatController::replyFinished);
        for (const char* text : {"A tale of Glimmerwick", "Another about Glimmerwick"}) {
            controller->newConversation();
            controller->send(text);
            QVERIFY(finished.wait(60000));
        }
        QVERIFY(controller->conversations()->rowCount() >= 2);
        // While a reply is being written the history stays, with a message.
        controller->settings()->setMaxTokens(400);
        controller->send("One more about Glimmerwick");
        QTRY_VERIFY_WITH_TIMEOUT(controller->generating(), 10000);
        QVERIFY(!controller->deleteAllHistory());
        QVERIFY(!controller->errorMessage().isEmpty());
        controller->stop();
        QVERIFY(finished.wait(60000));
        controller->clearError();
        QVERIFY(controller->deleteAllHistory());
        QCOMPARE(controller->conversations()->rowCount(), 0);
        QCOMPARE(controller->currentConversation(), qint64(0));
        controller->search("glimmerwick");
        QCOMPARE(controller->searchResults()->rowCount(), 0);
        controller.reset();
        QCOMPARE(storage::Store::open(dbPath())->listConversations().size(), size_t(0));
    }

    void anIncognitoChatNeverReachesTheHistoryOrTheFiles()
    {
        auto controller = makeController();
        QVERIFY(controller->modelController()->modelLoaded());
        controller->settings()->setMaxTokens(8);
        QSignalSpy finished(controller.get(), &ChatController::replyFinished);
        controller->newConversation();
        controller->send("A saved chat about lanterns");
        QVERIFY(finished.wait(60000));
        const qint64 saved = controller->currentConversation();
        const int listed = controller->conversations()->rowCount();

        QSignalSpy incognitoChanged(controller.get(), &ChatController::incognitoChanged);
        controller->newIncognitoConversation();
        QVERIFY(controller->incognito());
        QCOMPARE(incognitoChanged.count(), 1);
        QVERIFY(controller->send("My secret word is quetzalmarmalade"));
        QVERIFY(finished.wait(60000));
        QCOMPARE(controller->messages()->rowCount(), 2);
        controller->regenerate();  // branches work as in any chat
        QVERIFY(finished.wait(60000));
        QCOMPARE(controller->messages()->rowCount(), 2);
        QCOMPARE(controller->conversations()->rowCount(), listed);  // not in the list
        controller->search("quetzalmarmalade");
        QCOMPARE(controller->searchResults()->rowCount(), 0);  // nor in the search
        // Deleting a listed chat whose id the incognito one happens to share leaves it open.
        controller->deleteConversation(saved);
        QVERIFY(controller->incognito());
        QCOMPARE(controller->messages()->rowCount(), 2);
        controller->undoDelete();

        auto onDisk = [&] {
            std::string all;
            for (const char* suffix : {"", "-wal", "-journal"}) {
                std::ifstream in(dbPath() + suffix, std::ios::binary);
                all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
            }
            return all;
        };
        QVERIFY(onDisk().find("lanterns") != std::string::npos);  // the check can see what is saved
        QVERIFY(onDisk().find("quetzalmarmalade") == std::string::npos);

        controller->newConversation();  // leaving it forgets it
        QVERIFY(!controller->incognito());
        QCOMPARE(controller->messages()->rowCount(), 0);
        controller->openConversation(saved);
        QCOMPARE(controller->messages()->rowCount(), 2);
        controller.reset();
        QVERIFY(onDisk().find("quetzalmarmalade") == std::string::npos);
    }

    void copyCodeCopiesOneCodeBlockAndOtherLinksOpenNothingUnsafe()
    {
        {
            auto store = storage::Store::open(dbPath());
            const int64_t id = store->createConversation("code");
            const int64_t q = store->addMessage(id, std::nullopt, {"user", "code please"});
            store->addMessage(id, q, {"assistant", "One:\n\n```js\nlet a = 1;\n```\n\nTwo:\n\n```\nplain text\nsecond line\n```\n"});
        }
        auto controller = makeController();
        const qint64 id =
            controller->conversations()->data(controller->conversations()->index(0), ConversationListModel::IdRole).toLongLong();
        controller->openConversation(id);
        QCOMPARE(controller->messages()->rowCount(), 2);
        QCOMPARE(controller->codeBlockText(1, 1), QString("plain text\nsecond line"));
        QCOMPARE(controller->codeBlockText(1, 0), QString("let a = 1;"));
        QVERIFY(controller->codeBlockText(1, 7).isNull());  // no such block
        controller->activateLink(1, "hearth-copy:1");  // copies (no clipboard here: nothing happens, nothing opens)
        QVERIFY(controller->errorMessage().isEmpty());
        controller->activateLink(1, "file:///etc/passwd");  // still refused, with a message
        QVERIFY(controller->errorMessage().contains("file:///etc/passwd"));
        controller->clearError();
    }

    void anAssistantStartsChatsWithItsSettingsAndTravelsAsAFile()
    {
        auto controller = makeController();
        QVERIFY(controller->modelController()->modelLoaded());
        QSignalSpy finished(controller.get(), &ChatController::replyFinished);
        controller->newConversation();
        controller->settings()->setSystemPrompt("You are a pirate.");
        controller->settings()->setTemperature(0.3);
        controller->settings()->setMaxTokens(6);
        QVERIFY(controller->saveAssistant("Pirate"));
        QVERIFY(!controller->saveAssistant("Pirate"));  // taken: refused with a message
        QVERIFY(controller->errorMessage().contains("Pirate"));
        controller->clearError();
        QCOMPARE(controller->assistants().size(), 1);
        const qint64 pirate = controller->assistants()[0].toMap().value("id").toLongLong();

        // Other settings now; a chat started with the assistant still gets the assistant's.
        controller->settings()->setSystemPrompt("Be formal.");
        controller->settings()->setTemperature(1.1);
        controller->newConversationWithAssistant(pirate);
        QVERIFY(controller->send("Ahoy"));
        QVERIFY(finished.wait(60000));
        const auto chat = storage::Store::open(dbPath())->conversation(controller->currentConversation());
        QVERIFY(chat.settingsJson);
        const QJsonObject settings = QJsonDocument::fromJson(QByteArray::fromStdString(*chat.settingsJson)).object();
        QCOMPARE(settings.value("system_prompt").toString(), QString("You are a pirate."));
        QCOMPARE(settings.value("temperature").toDouble(), 0.3);
        QCOMPARE(controller->messages()->rowCount(), 2);
        // The next new chat is a plain one again.
        controller->newConversation();
        controller->send("Hello");
        QVERIFY(finished.wait(60000));
        const auto plain = storage::Store::open(dbPath())->conversation(controller->currentConversation());
        QCOMPARE(QJsonDocument::fromJson(QByteArray::fromStdString(*plain.settingsJson)).object().value("system_prompt").toString(),
                 QString("Be formal."));

        // Export and import: the copy gets a free name.
        const QString file = m_dir.path() + "/pirate.json";
        QVERIFY(controller->exportAssistant(pirate, QUrl::fromLocalFile(file).toString()));
        QVERIFY(controller->importAssistant(file));
        QCOMPARE(controller->assistants().size(), 2);
        QCOMPARE(controller->assistants()[1].toMap().value("name").toString(), QString("Pirate (2)"));
        QFile broken(m_dir.path() + "/broken.json");
        QVERIFY(broken.open(QIODevice::WriteOnly));
        broken.write(R"({"name": "x", "settings": {"temperature": "hot"}})");
        broken.close();
        QVERIFY(!controller->importAssistant(broken.fileName()));
        QVERIFY(controller->errorMessage().contains("temperature"));
        controller->clearError();
        controller->deleteAssistant(pirate);
        QCOMPARE(controller->assistants().size(), 1);
    }

    void editAndResendMakesABranchAndArrowsMoveBetweenVersions()
    {
        auto controller = makeController();
        QVERIFY(controller->modelController()->modelLoaded());
        controller->settings()->setMaxTokens(6);
        QSignalSpy finished(controller.get(), &ChatController::replyFinished);
        controller->newConversation();
        controller->send("Once upon a time");
        QVERIFY(finished.wait(60000));
        QCOMPARE(controller->lastUserRow(), 0);
        controller->editAndResend(0, "Once upon a midnight");
        QVERIFY(finished.wait(60000));
        const auto* messages = controller->messages();
        QCOMPARE(messages->rowCount(), 2);
        QCOMPARE(messages->items()[0].message.content, std::string("Once upon a midnight"));
        QCOMPARE(messages->items()[0].siblings, 2);
        QCOMPARE(messages->items()[0].branch, 1);
        controller->switchBranch(0, -1);  // back to the original question and its reply
        QCOMPARE(messages->items()[0].message.content, std::string("Once upon a time"));
        QCOMPARE(messages->items()[0].branch, 0);
        QCOMPARE(messages->rowCount(), 2);
        controller->switchBranch(0, -1);  // no version before the first: nothing happens
        QCOMPARE(messages->items()[0].branch, 0);
        controller->switchBranch(0, 1);
        QCOMPARE(messages->items()[0].message.content, std::string("Once upon a midnight"));
    }

    void samplingSettingsArePersistedAndAFixedSeedRepeatsAReply()
    {
        auto controller = makeController();
        QVERIFY(controller->modelController()->modelLoaded());
        controller->settings()->setTemperature(0.9);
        controller->settings()->setTopK(20);
        controller->settings()->setTopP(0.9);
        controller->settings()->setMinP(0.02);
        controller->settings()->setRepeatPenalty(1.1);
        controller->settings()->setSeed(1234);
        controller->settings()->setMaxTokens(24);
        controller->settings()->setTheme("dark");
        controller->settings()->setFontSize(13);
        QSignalSpy finished(controller.get(), &ChatController::replyFinished);
        std::string replies[2];
        for (auto& reply : replies) {
            controller->newConversation();
            controller->send("Once upon a time");
            QVERIFY(finished.wait(60000));
            reply = controller->messages()->items().back().message.content;
        }
        QCOMPARE(replies[1], replies[0]);  // same seed, same settings: same sampled story
        controller.reset();
        auto again = makeController();
        QCOMPARE(again->settings()->topK(), 20);
        QCOMPARE(again->settings()->topP(), 0.9);
        QCOMPARE(again->settings()->minP(), 0.02);
        QCOMPARE(again->settings()->repeatPenalty(), 1.1);
        QCOMPARE(again->settings()->seed(), 1234);
        QCOMPARE(again->settings()->theme(), QString("dark"));
        QCOMPARE(again->settings()->fontSize(), 13);
        again->settings()->setSeed(-1);
        again->settings()->setTheme("system");
        again->settings()->setFontSize(0);
    }

    void aConversationDeletedElsewhereWhileStreamingIsClosedWithANote()
    {
        auto controller = makeController();
        QVERIFY(controller->modelController()->modelLoaded());
        controller->settings()->setMaxTokens(4000);
        controller->newConversation();
        QSignalSpy tokens(controller->messages(), &QAbstractItemModel::dataChanged);
        QVERIFY(controller->send("Tell me a long story"));
        QVERIFY(tokens.wait(20000));
        const qint64 open = controller->currentConversation();
        storage::Store::open(dbPath())->deleteConversation(open);  // what `hearth-cli chats delete` does
        // Before: "Could not save the reply: no message with id …", then std::terminate.
        QTRY_VERIFY_WITH_TIMEOUT(!controller->generating() && controller->currentConversation() == 0, 30000);
        QVERIFY2(controller->notice().contains("deleted outside this window"), qPrintable(controller->notice()));
        QCOMPARE(controller->messages()->rowCount(), 0);
        for (int row = 0; row < controller->conversations()->rowCount(); ++row)
            QVERIFY(
                controller->conversations()->data(controller->conversations()->index(row), ConversationListModel::IdRole).toLongLong() !=
                open);
        // And the app goes on working.
        controller->settings()->setMaxTokens(8);
        QSignalSpy finished(controller.get(), &ChatController::replyFinished);
        QVERIFY(controller->send("Once upon a time"));
        QVERIFY(finished.wait(30000));
        QCOMPARE(controller->messages()->rowCount(), 2);
    }

    void changesByAnotherProcessReachTheSidebar()
    {
        ChatController controller(storage::Store::open(dbPath()));
        const int before = controller.conversations()->rowCount();
        auto other = storage::Store::open(dbPath());  // hearth-cli, another window
        const int64_t added = other->createConversation("made elsewhere");
        QTRY_COMPARE_WITH_TIMEOUT(controller.conversations()->rowCount(), before + 1, 10000);
        other->deleteConversation(added);
        QTRY_COMPARE_WITH_TIMEOUT(controller.conversations()->rowCount(), before, 10000);
    }

    void aMessageThatCannotBeSavedStaysInTheComposer()
    {
        auto store = storage::Store::open((m_dir.path() + "/full.db").toStdString());
        store->setMaxPages(1);  // a full disk: nothing more can be written
        ChatController controller(std::move(store));
        controller.modelController()->loadModel(m_model);
        QTRY_VERIFY_WITH_TIMEOUT(controller.modelController()->modelLoaded(), 60000);
        QVERIFY2(!controller.send(QString(20000, 'x')), "send reports the failure, so the composer keeps the draft");
        QVERIFY2(controller.errorMessage().contains("Could not save your message"), qPrintable(controller.errorMessage()));
        QVERIFY(!controller.generating());
    }

    void anInterruptedReplyIsMarkedAndCanBeContinued()
    {
        const std::string path = (m_dir.path() + "/interrupted.db").toStdString();
        {
            auto store = storage::Store::open(path);  // what a kill -9 mid-reply leaves behind
            const int64_t c = store->createConversation("killed");
            const int64_t user = store->addMessage(c, std::nullopt, {"user", "Once upon a time"});
            store->addMessage(c, user, {"assistant", "there was a little girl", std::nullopt, std::nullopt, /*streaming=*/true});
        }
        ChatController controller(storage::Store::open(path));
        QCOMPARE(controller.messages()->rowCount(), 2);
        const QModelIndex last = controller.messages()->index(1);
        QVERIFY2(controller.messages()->data(last, MessageListModel::InterruptedRole).toBool(),
                 "shown as interrupted, not as a normal reply");
        QVERIFY(!controller.messages()->data(last, MessageListModel::StreamingRole).toBool());
        controller.modelController()->loadModel(m_model);
        QTRY_VERIFY_WITH_TIMEOUT(controller.modelController()->modelLoaded(), 60000);
        controller.settings()->setMaxTokens(16);
        QSignalSpy finished(&controller, &ChatController::replyFinished);
        controller.continueReply();
        QVERIFY(controller.generating());
        QVERIFY(finished.wait(30000));
        const auto& reply = controller.messages()->items().back().message;
        QVERIFY2(reply.content.rfind("there was a little girl", 0) == 0 && reply.content.size() > 24, reply.content.c_str());
        QVERIFY(!controller.messages()->data(controller.messages()->index(1), MessageListModel::InterruptedRole).toBool());
        QCOMPARE(controller.messages()->rowCount(), 2);  // the same message went on, no new one
        QVERIFY(!storage::Store::open(path)->message(reply.id).streaming);
    }

    void controlStringsInMessagesStayText()
    {
        auto controller = makeController();
        QVERIFY(controller->modelController()->modelLoaded());
        controller->newConversation();
        QSignalSpy inspected(controller.get(), &ChatController::inspectedChanged);
        const QString attack = QString("</s>").repeated(10);
        controller->inspect("abc");
        QVERIFY(inspected.wait(30000));
        const int plainPrompt = controller->inspectedTokens(), plainDraft = controller->draftTokens();
        controller->inspect(attack);
        QVERIFY(inspected.wait(30000));
        // The draft alone is tokenized as text (60 tokens); in the prompt it must cost the same
        // (before: 10 control tokens, the prompt 39 tokens where plain text gives 73).
        const int promptGrowth = controller->inspectedTokens() - plainPrompt, draftGrowth = controller->draftTokens() - plainDraft;
        qInfo("</s> x 10: the draft grows by %d tokens, the prompt by %d", draftGrowth, promptGrowth);
        QVERIFY(draftGrowth > 30);
        QVERIFY2(std::abs(promptGrowth - draftGrowth) <= 2, "the prompt tokenized the message's </s> as control tokens");
    }

    void aModelFileThatShrinksMidReplyFailsTheReplyAndKeepsTheHistory()
    {
        // The CPU backend reads weights in place from the mapped file; a file cut short under it
        // was SIGBUS (the app died, the reply stayed "streaming").
        const QString copy = m_dir.path() + "/shrinks.gguf";
        QFile::remove(copy);
        QVERIFY(QFile::copy(m_model, copy));
        ChatController controller(storage::Store::open((m_dir.path() + "/shrink.db").toStdString()));
        controller.modelController()->setDeviceIndex(int(controller.modelController()->devices().size()) - 1);  // CPU
        controller.modelController()->loadModel(copy);
        QTRY_VERIFY_WITH_TIMEOUT(controller.modelController()->modelLoaded(), 60000);
        controller.settings()->setMaxTokens(100000);
        QSignalSpy tokens(controller.messages(), &QAbstractItemModel::dataChanged);
        QSignalSpy finished(&controller, &ChatController::replyFinished);
        QVERIFY(controller.send("Once upon a time"));
        QVERIFY(tokens.wait(20000));
        QVERIFY(QFile::resize(copy, 100000));
        QVERIFY(finished.wait(30000));
        QCOMPARE(finished.first().first().toString(), QString("error"));
        QVERIFY2(controller.errorMessage().contains("truncated or rewritten on disk while in use"), qPrintable(controller.errorMessage()));
        const auto thread =
            storage::Store::open((m_dir.path() + "/shrink.db").toStdString())->activeThread(controller.currentConversation());
        QCOMPARE(thread.size(), size_t(2));
        QCOMPARE(thread[0].content, std::string("Once upon a time"));
        QVERIFY(!thread[1].streaming);
        QCOMPARE(thread[1].finishReason, std::optional<std::string>("error"));
    }

    void aChatKeepsItsModelSystemPromptAndSamplingSettings()
    {
        const std::string path = (m_dir.path() + "/perchat.db").toStdString();
        qint64 first = 0, second = 0;
        {
            ChatController controller(storage::Store::open(path));
            controller.modelController()->loadModel(m_model);
            QTRY_VERIFY_WITH_TIMEOUT(controller.modelController()->modelLoaded(), 60000);
            AppSettings& settings = *controller.settings();
            settings.setMaxTokens(4);
            settings.setTemperature(0.3);
            settings.setSystemPrompt("You are A.");
            settings.setThink("off");
            QCOMPARE(settings.thinking(), std::optional<bool>(false));
            settings.setThink("maybe");  // anything else is the model's default
            QCOMPARE(settings.think(), QString());
            settings.setThink("off");
            QVERIFY2(!controller.modelController()->thinkingSwitch(), "stories260K has no template, so no switch");
            QSignalSpy finished(&controller, &ChatController::replyFinished);
            controller.newConversation();
            QVERIFY(controller.send("Once upon a time"));
            QVERIFY(finished.wait(30000));
            first = controller.currentConversation();
            controller.newConversation();  // a new chat starts from the latest values
            QCOMPARE(settings.temperature(), 0.3);
            QVERIFY(!settings.chatScoped());
            settings.setTemperature(0.9);
            settings.setSystemPrompt("You are B.");
            settings.setThink("on");
            QVERIFY(controller.send("Once upon a time"));
            QVERIFY(finished.wait(30000));
            second = controller.currentConversation();
            QVERIFY(settings.chatScoped());
            controller.openConversation(first);
            QCOMPARE(settings.temperature(), 0.3);
            QCOMPARE(settings.systemPrompt(), QString("You are A."));
            QCOMPARE(settings.think(), QString("off"));
            QVERIFY2(controller.chatModelPath().isEmpty(), "the chat's model is the one loaded: nothing to offer");
            settings.setTemperature(0.5);  // changes this chat (and the defaults), not the other one
            controller.openConversation(second);
            QCOMPARE(settings.temperature(), 0.9);
            QCOMPARE(settings.systemPrompt(), QString("You are B."));
        }
        // After a restart, each chat still has its own; and with another model loaded, an older
        // chat offers the one it was written with.
        ChatController controller(storage::Store::open(path));
        controller.openConversation(first);
        QCOMPARE(controller.settings()->temperature(), 0.5);
        QCOMPARE(controller.settings()->systemPrompt(), QString("You are A."));
        QCOMPARE(QFileInfo(controller.chatModelPath()).fileName(), QFileInfo(m_model).fileName());  // nothing loaded yet
        controller.modelController()->loadModel(m_model);
        QTRY_VERIFY_WITH_TIMEOUT(controller.modelController()->modelLoaded(), 60000);
        QVERIFY(controller.chatModelPath().isEmpty());
        controller.openConversation(second);
        QCOMPARE(controller.settings()->temperature(), 0.9);
        QCOMPARE(controller.settings()->think(), QString("on"));
    }

    void aStopPressedWhileTheRequestIsQueuedStopsIt()
    {
        auto controller = makeController();
        QVERIFY(controller->modelController()->modelLoaded());
        controller->settings()->setMaxTokens(4000);
        controller->newConversation();
        QSignalSpy finished(controller.get(), &ChatController::replyFinished);
        // Stop right after Send, before the worker has taken the request from its queue (the
        // worker used to clear the stop flag when it started, and the Stop was lost).
        QVERIFY(controller->send("Tell me a long story"));
        controller->stop();
        QVERIFY(finished.wait(30000));
        QCOMPARE(finished.first().first().toString(), QString("cancelled"));
        QVERIFY2(controller->messages()->items().back().message.completionTokens.value_or(0) <= 1,
                 "the queued request stopped before generating");
    }

    void quittingDuringALoadDoesNotWaitForTheUpload()
    {
        const QString big = QFileInfo(m_model).dir().filePath("ktest-qwen2-F16.gguf");
        if (!QFile::exists(big)) QSKIP("ktest-qwen2-F16.gguf is absent");
        auto controller = std::make_unique<ChatController>(storage::Store::open((m_dir.path() + "/quit.db").toStdString()));
        controller->modelController()->loadModel(big);
        QTest::qWait(20);
        QElapsedTimer clock;
        clock.start();
        controller->shutdown();
        controller.reset();  // joins the inference thread
        qInfo("quitting during a load took %lld ms", clock.elapsed());
        QVERIFY2(clock.elapsed() < 5000, "quitting waited for the whole model upload");
    }

    void sendingWithoutAModelExplainsWhy()
    {
        ChatController controller(storage::Store::open((m_dir.path() + "/empty.db").toStdString()));
        controller.send("hello?");
        QCOMPARE(controller.errorMessage(), QString("Load a model first."));
        QCOMPARE(controller.messages()->rowCount(), 0);
    }
};

QTEST_GUILESS_MAIN(ChatControllerTest)
#include "chatcontroller_test.moc"
