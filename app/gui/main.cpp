// hearth: the desktop app. A thin executable: parses the command line, opens the store, starts
// the chat controller (which starts the inference thread) and loads the QML UI.
#include "chatcontroller.h"

#include "storage/data_location.h"
#include "storage/store.h"

#include <QCommandLineParser>
#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QQuickStyle>
#include <QtQml/QQmlExtensionPlugin>

#include <cstdio>
#include <string_view>

#ifndef _WIN32
#include <QSocketNotifier>
#include <csignal>
#include <unistd.h>

namespace {
int g_signalPipe[2] = {-1, -1};
void onTerminate(int) { [[maybe_unused]] auto n = ::write(g_signalPipe[1], "x", 1); }  // async-signal-safe

// SIGTERM/SIGINT quit like closing the window: the running reply is stopped and saved.
void quitOnTerminationSignals(QGuiApplication& app)
{
    if (::pipe(g_signalPipe) != 0) return;
    auto* notifier = new QSocketNotifier(g_signalPipe[0], QSocketNotifier::Read, &app);
    QObject::connect(notifier, &QSocketNotifier::activated, &app, [] { QCoreApplication::quit(); });
    std::signal(SIGTERM, onTerminate);
    std::signal(SIGINT, onTerminate);
}
}  // namespace
#endif

Q_IMPORT_QML_PLUGIN(HearthPlugin)
Q_IMPORT_QML_PLUGIN(Hearth_CorePlugin)

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
    QGuiApplication app(argc, argv);
    QGuiApplication::setApplicationName("Hearth");
    QGuiApplication::setApplicationVersion(HEARTH_VERSION);
    QGuiApplication::setDesktopFileName("hearth");

#ifndef _WIN32
    quitOnTerminationSignals(app);
#endif

    QCommandLineParser parser;
    parser.setApplicationDescription("Private, local LLM chat");
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption modelOption("model", "Open with this GGUF model loaded.", "path");
    QCommandLineOption dataDirOption("data-dir", "Keep the database and settings in this folder.", "dir");
    parser.addOption(modelOption);
    parser.addOption(dataDirOption);
    parser.process(app);

    std::unique_ptr<hearth::storage::Store> store;
    const std::string dataDir = hearth::storage::dataDirectory(parser.value(dataDirOption).toStdString());
    try {
        store = hearth::storage::Store::open(hearth::storage::databasePath(dataDir));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "hearth: cannot open the chat database: %s\n", e.what());
        return 1;
    }
    hearth::app::ChatController controller(std::move(store));
    hearth::app::ChatController::setInstance(&controller);
    QObject::connect(&app, &QGuiApplication::aboutToQuit, &controller, &hearth::app::ChatController::shutdown);

    QQmlApplicationEngine engine;
    QObject::connect(&engine, &QQmlApplicationEngine::objectCreationFailed, &app, [] { QCoreApplication::exit(1); },
                     Qt::QueuedConnection);
    engine.load(QUrl(QStringLiteral("qrc:/Hearth/Main.qml")));

    // --model, else the model used last time.
    QString model = parser.value(modelOption);
    if (model.isEmpty()) model = controller.defaultModel();
    if (!model.isEmpty()) controller.loadModel(model);
    return QGuiApplication::exec();
}
