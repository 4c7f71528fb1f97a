#include "datafolderprompt.h"

#include "localonlynetwork.h"

#include "storage/data_location.h"

#include <QCoreApplication>
#include <QDir>
#include <QQmlApplicationEngine>

namespace hearth::app {

std::unique_ptr<storage::Store> DataFolderPrompt::run(const std::string& dataDir, const QString& problem, Opener open)
{
    DataFolderPrompt prompt(std::move(open));
    LocalOnlyNetworkAccessManagerFactory localOnly;  // outlives the engine
    QQmlApplicationEngine engine;
    engine.setNetworkAccessManagerFactory(&localOnly);
    engine.setInitialProperties({{"problem", problem}, {"folder", QDir::toNativeSeparators(QString::fromStdString(dataDir))}});
    engine.load(QUrl(QStringLiteral("qrc:/Hearth/DataFolderProblem.qml")));
    if (engine.rootObjects().isEmpty()) return nullptr;
    prompt.m_window = engine.rootObjects().first();
    connect(prompt.m_window, SIGNAL(folderChosen(QString)), &prompt, SLOT(onFolderChosen(QString)));
    connect(prompt.m_window, SIGNAL(quitRequested()), &prompt, SLOT(onQuitRequested()));
    connect(QCoreApplication::instance(), &QCoreApplication::aboutToQuit, &prompt.m_loop, &QEventLoop::quit);
    prompt.m_loop.exec();
    return std::move(prompt.m_store);
}

void DataFolderPrompt::onFolderChosen(const QString& folder)
{
    QString problem;
    m_store = m_open(folder.toStdString(), problem);
    if (m_store) {
        storage::rememberDataDirectory(folder.toStdString());
        m_loop.quit();
        return;
    }
    m_window->setProperty("folder", QDir::toNativeSeparators(folder));
    m_window->setProperty("problem", problem);
}

}  // namespace hearth::app
