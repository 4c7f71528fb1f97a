// Files attached to a message: text and a PDF (written here with QPdfWriter) are read, counted
// in the model's tokens, reach the prompt (as the prompt inspector shows it) and are saved
// with the message; a binary file and one too big for the context are refused with a reason
// and the numbers.
#include "attachmentreader.h"
#include "chatcontroller.h"

#include "storage/store.h"

#include <QFile>
#include <QPainter>
#include <QPdfWriter>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace hearth;
using namespace hearth::app;

class AttachmentsTest : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_model;

    QString write(const QString& name, const QByteArray& bytes)
    {
        const QString path = m_dir.filePath(name);
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly)) return {};
        f.write(bytes);
        return path;
    }

    QString writePdf(const QString& name, const QStringList& pages)
    {
        const QString path = m_dir.filePath(name);
        QPdfWriter pdf(path);
        pdf.setTitle("fixture");
        QPainter painter(&pdf);
        QFont font = painter.font();
        font.setPointSize(14);
        painter.setFont(font);
        for (int i = 0; i < pages.size(); ++i) {
            if (i) pdf.newPage();
            painter.drawText(QRect(0, 0, pdf.width(), pdf.height() / 4), Qt::AlignLeft | Qt::TextWordWrap, pages[i]);
        }
        return path;
    }

    std::unique_ptr<ChatController> makeController()
    {
        auto controller = std::make_unique<ChatController>(storage::Store::open((m_dir.path() + "/hearth.db").toStdString()));
        controller->modelController()->waitForDevices();
        controller->modelController()->loadModel(m_model);
        for (int i = 0; i < 200 && !controller->modelController()->modelLoaded(); ++i) QTest::qWait(100);
        return controller;
    }

    static int tokensOf(ChatController& c, int index) { return c.attachments()->items().at(index).toMap().value("tokens").toInt(); }

private slots:
    void initTestCase()
    {
        const QByteArray shared =
            qgetenv("HEARTH_SHARED_DIR").isEmpty() ? QByteArray(HEARTH_DEFAULT_SHARED_DIR) : qgetenv("HEARTH_SHARED_DIR");
        m_model = QString::fromUtf8(shared) + "/models/stories260K.gguf";
    }

    void readerTakesTextAndPdfAndRefusesTheRest()
    {
        const auto md = readAttachment(write("notes.md", "\xEF\xBB\xBF# Notes\r\nThe secret ingredient is cardamom.\r\n"));
        QCOMPARE(md.kind, std::string("markdown"));
        QCOMPARE(md.content, std::string("# Notes\nThe secret ingredient is cardamom.\n"));  // no BOM, no CR
        QCOMPARE(readAttachment(write("data.csv", "a,b\n1,2\n")).kind, std::string("csv"));
        QCOMPARE(readAttachment(write("main.rs", "fn main() {}\n")).kind, std::string("code"));
        const auto pdf = readAttachment(writePdf("report.pdf", {"Quarterly revenue rose nine percent.", "Costs fell on page two."}));
        QCOMPARE(pdf.kind, std::string("pdf"));
        QVERIFY2(pdf.content.find("Quarterly revenue rose nine percent.") != std::string::npos, pdf.content.c_str());
        QVERIFY(pdf.content.find("[page 2]") != std::string::npos);
        QVERIFY(pdf.content.find("Costs fell") != std::string::npos);
        const auto refused = [&](const QString& path, const char* why) {
            try {
                readAttachment(path);
                QFAIL(qPrintable("accepted " + path));
            } catch (const std::exception& e) {
                QVERIFY2(QString::fromUtf8(e.what()).contains(why), e.what());
            }
        };
        refused(write("photo.png", QByteArray("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16)), "not a text file");
        refused(write("latin1.txt", "caf\xE9\n"), "not a text file in UTF-8");
        refused(write("empty.txt", ""), "empty");
        refused(write("fake.pdf", "%PDF-1.4 not really"), "PDF");
        refused(m_dir.filePath("missing.txt"), "no such file");
        refused(m_dir.path(), "not a regular file");
        writePdf("blank.pdf", {""});
        refused(m_dir.filePath("blank.pdf"), "no text");
    }

    void attachmentsAreCountedReachThePromptAndAreSavedWithTheMessage()
    {
        if (!QFile::exists(m_model)) QSKIP("../shared/models/stories260K.gguf is absent");
        auto controller = makeController();
        QVERIFY(controller->modelController()->modelLoaded());
        controller->settings()->setMaxTokens(16);
        controller->settings()->setTemperature(0.0);
        QVERIFY(controller->attachFile(QUrl::fromLocalFile(write("notes.md", "The secret ingredient is cardamom.\n")).toString()));
        QVERIFY(controller->attachFile(writePdf("report.pdf", {"Quarterly revenue rose nine percent."})));
        QVERIFY(!controller->attachFile(write("photo.png", QByteArray("\x89PNG\r\n\x1a\n\0\0", 10))));
        QVERIFY(controller->errorMessage().contains("photo.png: not a text file"));
        QVERIFY(!controller->attachFile(m_dir.filePath("notes.md")));  // the same file twice
        QVERIFY(controller->errorMessage().contains("attached already"));
        QCOMPARE(controller->attachments()->count(), 2);
        QTRY_VERIFY_WITH_TIMEOUT(tokensOf(*controller, 0) > 0 && tokensOf(*controller, 1) > 0, 30000);
        QCOMPARE(controller->attachments()->tokens(), tokensOf(*controller, 0) + tokensOf(*controller, 1));

        // The prompt inspector shows exactly what the model will read.
        QSignalSpy inspected(controller.get(), &ChatController::inspectedChanged);
        controller->newConversation();
        controller->inspect("What do these say?");
        QVERIFY(inspected.wait(30000));
        const QString prompt = controller->inspectedPrompt();
        QVERIFY2(prompt.contains("<file name=\"notes.md\">\nThe secret ingredient is cardamom.\n</file>"), qPrintable(prompt));
        QVERIFY2(prompt.contains("<file name=\"report.pdf\">\n[page 1]\nQuarterly revenue rose nine percent."), qPrintable(prompt));
        QVERIFY(prompt.indexOf("report.pdf") < prompt.indexOf("What do these say?"));  // the question after the files
        QVERIFY(controller->draftTokens() >= controller->attachments()->tokens());

        QSignalSpy finished(controller.get(), &ChatController::replyFinished);
        QVERIFY(controller->send("What do these say?"));
        QCOMPARE(controller->attachments()->count(), 0);  // they went with the message
        QVERIFY(finished.wait(60000));
        const QModelIndex question = controller->messages()->index(0);
        const QVariantList chips = controller->messages()->data(question, MessageListModel::AttachmentsRole).toList();
        QCOMPARE(chips.size(), 2);
        QCOMPARE(chips[0].toMap().value("name").toString(), QString("notes.md"));
        QCOMPARE(chips[1].toMap().value("kind").toString(), QString("pdf"));
        // Saved: another connection reads them back with the message.
        auto store = storage::Store::open((m_dir.path() + "/hearth.db").toStdString());
        const auto thread = store->activeThread(store->listConversations().front().id);
        QCOMPARE(thread.front().attachments.size(), size_t(2));
        QVERIFY(thread.front().attachments[1].content.find("Quarterly revenue") != std::string::npos);
        QCOMPARE(thread.front().content, std::string("What do these say?"));  // the text itself stays the user's
    }

    void aFileTooBigForTheContextIsRefusedWithTheNumbers()
    {
        if (!QFile::exists(m_model)) QSKIP("../shared/models/stories260K.gguf is absent");
        auto controller = makeController();
        QByteArray story;
        for (int i = 0; i < 400; ++i) story += "Once upon a time there was a little dog who liked to run in the park. ";
        QVERIFY(controller->attachFile(write("long-story.txt", story)));
        QTRY_VERIFY_WITH_TIMEOUT(controller->attachments()->count() == 0, 30000);
        const QString error = controller->errorMessage();
        const QString context = QLocale().toString(controller->modelController()->contextLength());
        QVERIFY2(error.startsWith("long-story.txt is ") && error.contains(" tokens; one message can take ") &&
                     error.contains(context + "-token context"),
                 qPrintable(error));
        // A file that fits on its own but not with a long draft: refused at send, with the numbers.
        controller->clearError();
        QVERIFY(controller->attachFile(write("short.txt", "A dog ran.")));
        QTRY_VERIFY_WITH_TIMEOUT(tokensOf(*controller, 0) > 0, 30000);
        QString draft;
        for (int i = 0; i < 400; ++i) draft += "The dog ran far. ";
        QSignalSpy inspected(controller.get(), &ChatController::inspectedChanged);
        controller->inspect(draft);
        QVERIFY(inspected.wait(30000));
        QVERIFY(!controller->send(draft));
        QVERIFY2(controller->errorMessage().contains("The attached files and your text come to"), qPrintable(controller->errorMessage()));
        QCOMPARE(controller->attachments()->count(), 1);  // nothing lost: the draft and the file stay
    }
};

QTEST_MAIN(AttachmentsTest)
#include "attachments_test.moc"
