// Qt Quick Test runner for the views (tst_*.qml): the real QML modules (Hearth, Hearth.Core),
// a real ChatController on a temporary database, and the real engine with stories260K
// (its path reaches QML as `hearthTestModel`, empty when ../shared is absent).
#include "chatcontroller.h"
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

public slots:
    void qmlEngineAvailable(QQmlEngine* engine)
    {
        engine->addImportPath(QStringLiteral("qrc:/"));
        if (!m_controller) {
            m_controller = std::make_unique<hearth::app::ChatController>(
                hearth::storage::Store::open((m_dir.path() + "/hearth.db").toStdString()));
            hearth::app::ChatController::setInstance(m_controller.get());
        }
        const QByteArray shared = qEnvironmentVariableIsEmpty("HEARTH_SHARED_DIR") ? QByteArray(HEARTH_DEFAULT_SHARED_DIR)
                                                                                  : qgetenv("HEARTH_SHARED_DIR");
        const QString model = QString::fromUtf8(shared) + "/models/stories260K.gguf";
        engine->rootContext()->setContextProperty("hearthTestModel", QFile::exists(model) ? model : QString());
    }
    void cleanupTestCase() { m_controller.reset(); }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<hearth::app::ChatController> m_controller;
};

QUICK_TEST_MAIN_WITH_SETUP(hearth_views, Setup)

#include "quick_test_main.moc"
