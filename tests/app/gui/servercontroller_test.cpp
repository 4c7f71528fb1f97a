// The API server inside the app: off by default; on, it serves the app's loaded model through
// the app's inference thread (a chat reply and API requests take turns, the GUI thread never
// waits), honours the API key, names the loaded model when asked for another, and stops
// listening when turned off. Real HTTP over 127.0.0.1 with Qt Network as the client.
#include "chatcontroller.h"
#include "servercontroller.h"

#include "storage/store.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace hearth;
using namespace hearth::app;

class ServerControllerTest : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_model;
    QNetworkAccessManager m_network;

    static int freePort()
    {
        QTcpServer probe;
        probe.listen(QHostAddress::LocalHost, 0);
        return probe.serverPort();
    }
    struct Answer {
        int status = 0;
        QJsonObject body;
    };
    Answer request(const QString& url, const QByteArray& body = {}, const QByteArray& key = {})
    {
        QNetworkRequest r {QUrl(url)};
        r.setHeader(QNetworkRequest::ContentTypeHeader, "application/json");
        if (!key.isEmpty()) r.setRawHeader("Authorization", "Bearer " + key);
        QNetworkReply* reply = body.isEmpty() ? m_network.get(r) : m_network.post(r, body);
        QSignalSpy done(reply, &QNetworkReply::finished);
        if (!done.wait(60000)) return {};
        Answer a {reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), QJsonDocument::fromJson(reply->readAll()).object()};
        reply->deleteLater();
        return a;
    }

private slots:
    void initTestCase()
    {
        const QByteArray shared =
            qEnvironmentVariableIsEmpty("HEARTH_SHARED_DIR") ? QByteArray(HEARTH_DEFAULT_SHARED_DIR) : qgetenv("HEARTH_SHARED_DIR");
        m_model = QString::fromUtf8(shared) + "/models/stories260K.gguf";
        if (!QFile::exists(m_model)) QSKIP("../shared/models/stories260K.gguf is absent");
    }

    void servesTheLoadedModelBesideTheChat()
    {
        ChatController chat(storage::Store::open((m_dir.path() + "/hearth.db").toStdString()));
        ServerController server(chat.store(), *chat.modelController());
        QVERIFY2(!server.running(), "off by default");
        QCOMPARE(server.status(), QStringLiteral("Off"));

        const int port = freePort();
        chat.store().setSetting("server.port", int64_t(port));
        server.setEnabled(true);
        QVERIFY2(server.running(), qPrintable(server.status()));
        const QString base = QStringLiteral("http://127.0.0.1:%1").arg(port);
        QCOMPARE(server.address(), base);

        // No model yet: a clear 503.
        QCOMPARE(request(base + "/v1/chat/completions", R"({"messages":[{"role":"user","content":"hi"}]})").status, 503);

        chat.modelController()->loadModel(m_model);
        QTRY_VERIFY_WITH_TIMEOUT(chat.modelController()->modelLoaded(), 60000);
        QVERIFY(server.status().contains(QLatin1String("stories260K")));
        Answer models = request(base + "/v1/models");
        QCOMPARE(models.status, 200);
        QCOMPARE(models.body["data"].toArray().first().toObject()["id"].toString(), QStringLiteral("stories260K"));
        QCOMPARE(request(base + "/v1/chat/completions", R"({"model":"other","messages":[{"role":"user","content":"hi"}]})").status, 404);

        // A long API generation runs on the inference thread; the GUI thread keeps ticking.
        int ticks = 0;
        QTimer ticker;
        connect(&ticker, &QTimer::timeout, [&] { ++ticks; });
        ticker.start(20);
        QElapsedTimer clock;
        clock.start();
        Answer reply = request(base + "/v1/chat/completions",
                               R"({"messages":[{"role":"user","content":"Once upon a time"}],"max_tokens":400,"temperature":0})");
        const qint64 elapsed = clock.elapsed();
        QCOMPARE(reply.status, 200);
        QCOMPARE(reply.body["usage"].toObject()["completion_tokens"].toInt(), 400);
        QVERIFY2(ticks >= elapsed / 20 / 3, qPrintable(QStringLiteral("%1 ticks in %2 ms").arg(ticks).arg(elapsed)));

        // The chat still works after (and between) API requests.
        chat.newConversation();
        chat.send(QStringLiteral("Once upon a time"));
        QTRY_VERIFY_WITH_TIMEOUT(!chat.generating(), 60000);
        QCOMPARE(chat.messages()->rowCount(), 2);
        QTRY_VERIFY_WITH_TIMEOUT(server.requests() >= 4, 3000);

        // API chats stay out of the history unless the user turns that on.
        const auto countApiChats = [&] {
            int n = 0;
            for (const auto& c : chat.store().listConversations())
                if (c.title.rfind("API: ", 0) == 0) ++n;
            return n;
        };
        QCOMPARE(countApiChats(), 0);
        server.setSaveChats(true);
        QCOMPARE(
            request(base + "/v1/chat/completions", R"({"messages":[{"role":"user","content":"Tell me a story"}],"max_tokens":8})").status,
            200);
        QTRY_COMPARE_WITH_TIMEOUT(countApiChats(), 1, 5000);
        server.setSaveChats(false);
        QCOMPARE(request(base + "/v1/chat/completions", R"({"messages":[{"role":"user","content":"Another"}],"max_tokens":8})").status,
                 200);
        QTest::qWait(300);
        QCOMPARE(countApiChats(), 1);

        // A key guards it once created; it is shown once and kept owner-only.
        const QString key = server.createApiKey();
        QVERIFY(key.startsWith(QLatin1String("hearth-")) && key.size() > 40);
        QVERIFY(server.hasApiKey());
        QCOMPARE(QFile(m_dir.path() + "/api-key").permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther),
                 QFileDevice::Permissions());
        QCOMPARE(request(base + "/v1/models").status, 401);
        QCOMPARE(request(base + "/v1/models", {}, key.toUtf8()).status, 200);

        // Off: nothing listens.
        server.setEnabled(false);
        QVERIFY(!server.running());
        QCOMPARE(request(base + "/v1/models", {}, key.toUtf8()).status, 0);
    }
};

QTEST_MAIN(ServerControllerTest)
#include "servercontroller_test.moc"
