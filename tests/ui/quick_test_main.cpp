// Qt Quick Test runner for the views (tst_*.qml): the real QML modules (Hearth, Hearth.Core),
// a real ChatController and DownloadController on a temporary database, and the real engine with stories260K
// (its path reaches QML as `hearthTestModel`, empty when ../shared is absent). The QML engine
// gets the app's local-only network access (`hearthRefusedRequests()` counts what it refused).
// HEARTH_TEST_SEED_DIR: every *.json in it is imported first, and `interrupted.txt` becomes a
// reply left streaming by a killed app (an interrupted reply).
#include "chatcontroller.h"
#include "downloadcontroller.h"
#include "historyencryption.h"
#include "localonlynetwork.h"
#include "servercontroller.h"
#include "storage/chat_export.h"
#include "storage/store.h"

#include <QDir>
#include <QFile>
#include <QQmlContext>
#include <QQmlEngine>
#include <QTemporaryDir>
#include <QtQml/qqmlextensionplugin.h>
#include <QtQuickTest>

#include <memory>

Q_IMPORT_QML_PLUGIN(HearthPlugin)
Q_IMPORT_QML_PLUGIN(Hearth_CorePlugin)

class Setup : public QObject {
    Q_OBJECT

public:
    Q_INVOKABLE int refusedRequests() const { return hearth::app::refusedRemoteRequests(); }

public slots:
    void qmlEngineAvailable(QQmlEngine* engine)
    {
        engine->addImportPath(QStringLiteral("qrc:/"));
        engine->setNetworkAccessManagerFactory(&m_network);
        if (!m_controller) {
            auto store = hearth::storage::Store::open((m_dir.path() + "/hearth.db").toStdString());
            seed(*store, qEnvironmentVariable("HEARTH_TEST_SEED_DIR"));
            m_controller = std::make_unique<hearth::app::ChatController>(std::move(store));
            hearth::app::ChatController::setInstance(m_controller.get());
            m_downloads = std::make_unique<hearth::app::DownloadController>(m_controller->store(), *m_controller->modelController());
            hearth::app::DownloadController::setInstance(m_downloads.get());
            m_server = std::make_unique<hearth::app::ServerController>(m_controller->store(), *m_controller->modelController());
            hearth::app::ServerController::setInstance(m_server.get());
            m_encryption = std::make_unique<hearth::app::HistoryEncryption>(m_controller->store());
            hearth::app::HistoryEncryption::setInstance(m_encryption.get());
        }
        engine->rootContext()->setContextProperty("hearthTestSetup", this);
        const QByteArray shared =
            qEnvironmentVariableIsEmpty("HEARTH_SHARED_DIR") ? QByteArray(HEARTH_DEFAULT_SHARED_DIR) : qgetenv("HEARTH_SHARED_DIR");
        const QString model = QString::fromUtf8(shared) + "/models/stories260K.gguf";
        engine->rootContext()->setContextProperty("hearthTestModel", QFile::exists(model) ? model : QString());
    }
    void cleanupTestCase()
    {
        m_encryption.reset();
        m_server.reset();
        m_downloads.reset();
        m_controller.reset();
    }

private:
    static void seed(hearth::storage::Store& store, const QString& folder)
    {
        if (folder.isEmpty()) return;
        const QDir dir(folder);
        for (const QString& name : dir.entryList({"*.json"}, QDir::Files, QDir::Name))
            hearth::storage::importJson(store, hearth::storage::readConversationFile(dir.filePath(name).toStdString()));
        QFile interrupted(dir.filePath("interrupted.txt"));
        if (interrupted.open(QIODevice::ReadOnly)) {
            const int64_t c = store.createConversation("Interrupted reply");
            const int64_t user = store.addMessage(c, std::nullopt, {"user", "Once upon a time"});
            store.addMessage(c, user, {"assistant", interrupted.readAll().toStdString(), std::nullopt, std::nullopt, /*streaming=*/true});
        }
    }

    hearth::app::LocalOnlyNetworkAccessManagerFactory m_network;
    QTemporaryDir m_dir;
    std::unique_ptr<hearth::app::ChatController> m_controller;
    std::unique_ptr<hearth::app::DownloadController> m_downloads;  // after the controller: destroyed first
    std::unique_ptr<hearth::app::ServerController> m_server;
    std::unique_ptr<hearth::app::HistoryEncryption> m_encryption;
};

QUICK_TEST_MAIN_WITH_SETUP(hearth_views, Setup)

#include "quick_test_main.moc"
