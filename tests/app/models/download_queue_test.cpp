// The download queue as the app drives it: pause keeps the bytes and resume continues from them,
// cancel leaves nothing, quitting mid-download leaves it queued for the next start, and a finished
// file joins the model registry with its verified hash. Against fake_hub.py on 127.0.0.1.
#include "models/download_queue.h"
#include "storage/store.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace hearth;
using namespace hearth::models;

class DownloadQueueTest : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QProcess m_hub;
    QString m_api;
    QString m_source;  // the served file
    QString m_sha;
    int64_t m_size = 0;

    void control(const QByteArray& json)
    {
        QNetworkAccessManager network;
        QNetworkRequest request(QUrl(m_api + "/_control"));
        request.setHeader(QNetworkRequest::ContentTypeHeader, "application/json");
        QNetworkReply* reply = network.post(request, json);
        QSignalSpy done(reply, &QNetworkReply::finished);
        QVERIFY(done.wait(5000));
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        reply->deleteLater();
    }
    DownloadRequest request(const QString& dataDir) const
    {
        return {QStringLiteral("test-org/KTest-GGUF"), QStringLiteral("ktest-qwen2-Q4_K_M.gguf"),
                dataDir + "/models/test-org/KTest-GGUF/ktest-qwen2-Q4_K_M.gguf", m_size, m_sha};
    }
    HubEndpoint endpoint() const { return {QUrl(m_api), {}}; }
    static DownloadTuning fast()
    {
        DownloadTuning t;
        t.firstBackoffMs = 20;
        t.maxBackoffMs = 100;
        t.stallTimeoutMs = 3000;
        return t;
    }
    static QString state(storage::Store& store, int64_t id) { return QString::fromStdString(store.download(id)->state); }

private slots:
    void initTestCase()
    {
        const QByteArray shared =
            qEnvironmentVariableIsEmpty("HEARTH_SHARED_DIR") ? QByteArray(HEARTH_DEFAULT_SHARED_DIR) : qgetenv("HEARTH_SHARED_DIR");
        const QString model = QString::fromUtf8(shared) + "/models/ktest-qwen2-Q4_K_M.gguf";
        if (!QFile::exists(model)) QSKIP("../shared/models/ktest-qwen2-Q4_K_M.gguf is absent");
        const QString repo = m_dir.path() + "/repos/test-org/KTest-GGUF";
        QVERIFY(QDir().mkpath(repo));
        m_source = repo + "/ktest-qwen2-Q4_K_M.gguf";
        QVERIFY(QFile::copy(model, m_source));
        QFile f(m_source);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray bytes = f.readAll();
        m_size = bytes.size();
        m_sha = QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
        m_hub.start(QStringLiteral("python3"), {QStringLiteral(HEARTH_FAKE_HUB), m_dir.path() + "/repos", m_dir.path() + "/ports"});
        QVERIFY(m_hub.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(m_dir.path() + "/ports"), 10000);
        QFile ports(m_dir.path() + "/ports");
        QVERIFY(ports.open(QIODevice::ReadOnly));
        m_api = "http://127.0.0.1:" + QString::fromLatin1(ports.readAll()).split(' ').first();
    }
    void cleanupTestCase()
    {
        m_hub.kill();
        m_hub.waitForFinished();
    }

    void pauseKeepsTheBytesAndResumeContinues()
    {
        const QString data = m_dir.path() + "/pause";
        auto store = storage::Store::open((data + "/hearth.db").toStdString());
        control(R"({"rate": 1000000})");
        DownloadQueue queue(*store, endpoint(), fast());
        QSignalSpy finished(&queue, &DownloadQueue::finished);
        QSignalSpy resumed(&queue, &DownloadQueue::resumedFrom);
        const auto req = request(data);
        const int64_t id = queue.enqueue(req);
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(req.dest + ".partial").size() > 300000, 10000);
        queue.pause(id);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 5000);
        QCOMPARE(finished.last().at(1).toBool(), false);
        QCOMPARE(state(*store, id), QStringLiteral("paused"));
        const int64_t kept = QFileInfo(req.dest + ".partial").size();
        QVERIFY(kept > 0 && kept < m_size);
        QVERIFY(!QFile::exists(req.dest));

        control("{}");
        queue.resume(id);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 20000);
        QCOMPARE(finished.last().at(1).toBool(), true);
        QCOMPARE(resumed.first().at(1).toLongLong(), kept);  // from the bytes on disk
        QCOMPARE(state(*store, id), QStringLiteral("done"));
        QFile got(req.dest);
        QVERIFY(got.open(QIODevice::ReadOnly));
        QCOMPARE(QString::fromLatin1(QCryptographicHash::hash(got.readAll(), QCryptographicHash::Sha256).toHex()), m_sha);
        const auto models = store->listModels();
        QCOMPARE(models.size(), size_t(1));
        QCOMPARE(QString::fromStdString(models[0].path), req.dest);
        QCOMPARE(QString::fromStdString(models[0].sha256.value_or("")), m_sha);
    }

    void cancelLeavesNothing()
    {
        const QString data = m_dir.path() + "/cancel";
        auto store = storage::Store::open((data + "/hearth.db").toStdString());
        control(R"({"rate": 1000000})");
        DownloadQueue queue(*store, endpoint(), fast());
        QSignalSpy finished(&queue, &DownloadQueue::finished);
        const auto req = request(data);
        const int64_t id = queue.enqueue(req);
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(req.dest + ".partial").size() > 100000, 10000);
        queue.cancel(id);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 5000);
        QVERIFY(!QFile::exists(req.dest + ".partial"));
        QVERIFY(!QFile::exists(req.dest));
        QVERIFY(!store->download(id));
        control("{}");
    }

    void quittingMidDownloadResumesAtTheNextStart()
    {
        const QString data = m_dir.path() + "/restart";
        auto store = storage::Store::open((data + "/hearth.db").toStdString());
        control(R"({"rate": 1000000})");
        const auto req = request(data);
        int64_t id = 0;
        {
            DownloadQueue queue(*store, endpoint(), fast());
            id = queue.enqueue(req);
            QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(req.dest + ".partial").size() > 200000, 10000);
        }  // the app quits
        QCOMPARE(state(*store, id), QStringLiteral("queued"));
        const int64_t kept = QFileInfo(req.dest + ".partial").size();
        control("{}");
        DownloadQueue next(*store, endpoint(), fast());
        QSignalSpy finished(&next, &DownloadQueue::finished);
        QSignalSpy resumed(&next, &DownloadQueue::resumedFrom);
        next.resumeQueued();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
        QVERIFY(finished.last().at(1).toBool());
        QCOMPARE(resumed.first().at(1).toLongLong(), kept);
        QCOMPARE(QFileInfo(req.dest).size(), m_size);
    }
};

QTEST_GUILESS_MAIN(DownloadQueueTest)
#include "download_queue_test.moc"
