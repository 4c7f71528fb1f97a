// hearth: the desktop app. A thin executable: parses the command line, opens the store (or
// says why it cannot, in a window), starts the chat controller (which starts the inference
// thread) and loads the QML UI.
#include "chatcontroller.h"
#include "datafolderprompt.h"
#include "downloadcontroller.h"
#include "servercontroller.h"
#include "guardedapplication.h"
#include "historyencryption.h"
#include "unlockprompt.h"
#include "localonlynetwork.h"

#include "storage/data_location.h"
#include "storage/store.h"

#include <QCommandLineParser>
#include <QQmlApplicationEngine>
#include <QQuickStyle>
#include <QtQml/QQmlExtensionPlugin>

#include <cstdio>
#include <filesystem>
#include <string_view>

Q_IMPORT_QML_PLUGIN(HearthPlugin)
Q_IMPORT_QML_PLUGIN(Hearth_CorePlugin)

namespace {

using hearth::storage::Store;

std::unique_ptr<Store> openStore(const std::string& dataDir, QString& problem)
{
    try {
        return Store::open(hearth::storage::databasePath(dataDir));
    } catch (const std::exception& e) {
        problem = QString::fromUtf8(e.what());
        std::fprintf(stderr, "hearth: cannot open the chat database: %s\n", e.what());
        return nullptr;
    }
}

// One session of the app on an open store, until the window closes (the exit code) or the
// history's encryption asks for everything to be closed (HistoryEncryption::kRestartSession).
int runSession(hearth::app::GuardedApplication& app, std::unique_ptr<Store> store, hearth::app::HistoryEncryption& encryption,
               const QString& modelPath, const QString& problem)
{
    hearth::app::ChatController controller(std::move(store));
    hearth::app::ChatController::setInstance(&controller);
    hearth::app::HistoryEncryption::setInstance(&encryption);
    app.setErrorSink([&controller](const QString& message) { controller.showError(message); });
    QObject::connect(&app, &QGuiApplication::aboutToQuit, &controller, &hearth::app::ChatController::shutdown);
    // Downloads: destroyed before the controller (declared after it); quitting pauses them.
    hearth::app::DownloadController downloads(controller.store(), *controller.modelController());
    hearth::app::DownloadController::setInstance(&downloads);
    downloads.resumeQueued();
    // The local API server (off unless the user turned it on); stopped before the inference
    // thread, whose turns its requests wait for.
    hearth::app::ServerController apiServer(controller.store(), *controller.modelController());
    hearth::app::ServerController::setInstance(&apiServer);
    QObject::connect(&app, &QGuiApplication::aboutToQuit, &apiServer, &hearth::app::ServerController::shutdown);

    // Nothing the UI shows may reach the network (README "Privacy"). The factory outlives the engine.
    hearth::app::LocalOnlyNetworkAccessManagerFactory localOnly;
    QQmlApplicationEngine engine;
    engine.setNetworkAccessManagerFactory(&localOnly);
    QObject::connect(
        &engine, &QQmlApplicationEngine::objectCreationFailed, &app, [] { QCoreApplication::exit(1); }, Qt::QueuedConnection);
    engine.load(QUrl(QStringLiteral("qrc:/Hearth/Main.qml")));
    if (!problem.isEmpty()) controller.showError(problem);

    // --model, else the model used last time.
    QString model = modelPath;
    if (model.isEmpty()) model = controller.modelController()->defaultModel();
    if (!model.isEmpty()) controller.modelController()->loadModel(model);
    const int code = QGuiApplication::exec();
    app.setErrorSink({});
    return code;
}

}  // namespace

int main(int argc, char** argv)
{
    // --version must work without a display (packaging checks, scripts).
    for (int i = 1; i < argc; ++i)
        if (std::string_view(argv[i]) == "--version" || std::string_view(argv[i]) == "-v") {
            std::printf("hearth %s\n", HEARTH_VERSION);
            return 0;
        }
    // Fusion: a desktop style that draws every control from the palette, so the light and dark
    // themes (and the system's palette) reach windows, dialogs and controls alike.
    if (qEnvironmentVariableIsEmpty("QT_QUICK_CONTROLS_STYLE")) QQuickStyle::setStyle(QStringLiteral("Fusion"));
    hearth::app::GuardedApplication app(argc, argv);
    QGuiApplication::setApplicationName("Hearth");
    QGuiApplication::setApplicationVersion(HEARTH_VERSION);
    QGuiApplication::setDesktopFileName("hearth");
    hearth::app::quitOnTerminationSignals(app);

    QCommandLineParser parser;
    parser.setApplicationDescription("Private, local LLM chat");
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption modelOption("model", "Open with this GGUF model loaded.", "path");
    QCommandLineOption dataDirOption("data-dir", "Keep the database and settings in this folder.", "dir");
    parser.addOption(modelOption);
    parser.addOption(dataDirOption);
    parser.process(app);

    std::string dataDir = hearth::storage::dataDirectory(parser.value(dataDirOption).toStdString());
    QString model = parser.value(modelOption);
    QString carriedProblem;  // from a migration between sessions, shown in the next one's banner
    bool useKeychain = true;  // not after "lock now": that would unlock again at once
    for (;;) {
        if (!hearth::app::UnlockPrompt::run(hearth::storage::databasePath(dataDir), useKeychain)) return 0;
        QString problem;
        std::unique_ptr<Store> store = openStore(dataDir, problem);
        if (!store) store = hearth::app::DataFolderPrompt::run(dataDir, problem, openStore);
        if (!store) return 1;
        dataDir = std::filesystem::path(store->path()).parent_path().string();
        hearth::app::HistoryEncryption encryption(*store);
        const int code = runSession(app, std::move(store), encryption, model, carriedProblem);
        if (code != hearth::app::HistoryEncryption::kRestartSession) return code;
        // Every connection is closed now: encrypt, decrypt or lock, then start again.
        carriedProblem = encryption.runPending();
        useKeychain = !encryption.lockRequested();
        model.clear();  // the next session loads the model used last
    }
}
