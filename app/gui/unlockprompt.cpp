#include "unlockprompt.h"

#include "storage/keychain_slot.h"
#include "localonlynetwork.h"

#include "storage/store_error.h"
#include "storage/store_keyring.h"

#include <QCoreApplication>
#include <QDir>
#include <QQmlApplicationEngine>

namespace hearth::app {

bool UnlockPrompt::run(const std::string& dbPath, bool useKeychain)
{
    if (!storage::isSealedStore(dbPath)) return true;
    try {
        if (storage::sealedVfsFor(dbPath)) return true;
    } catch (const storage::StoreError&) {
        storage::lockStore(dbPath);  // re-encrypted elsewhere: ask again
    }
    if (useKeychain && storage::KeychainSlot(dbPath).unlock()) return true;
    UnlockPrompt prompt(dbPath);
    LocalOnlyNetworkAccessManagerFactory localOnly;  // outlives the engine
    QQmlApplicationEngine engine;
    engine.setNetworkAccessManagerFactory(&localOnly);
    engine.setInitialProperties({{"folder", QDir::toNativeSeparators(QString::fromStdString(dbPath))}});
    engine.load(QUrl(QStringLiteral("qrc:/Hearth/UnlockHistory.qml")));
    if (engine.rootObjects().isEmpty()) return false;
    prompt.m_window = engine.rootObjects().first();
    connect(prompt.m_window, SIGNAL(passphraseEntered(QString)), &prompt, SLOT(onPassphraseEntered(QString)));
    connect(prompt.m_window, SIGNAL(quitRequested()), &prompt, SLOT(onQuitRequested()));
    connect(QCoreApplication::instance(), &QCoreApplication::aboutToQuit, &prompt.m_loop, &QEventLoop::quit);
    prompt.m_loop.exec();
    return prompt.m_unlocked;
}

void UnlockPrompt::onPassphraseEntered(const QString& passphrase)
{
    try {
        storage::unlockStore(m_path, passphrase.toStdString());
        m_unlocked = true;
        m_loop.quit();
    } catch (const storage::StoreError& e) {
        m_window->setProperty("problem",
                              e.code() == storage::StoreErrorCode::WrongPassphrase
                                  ? tr("That passphrase does not open your history. Try again.")
                                  : QString::fromUtf8(e.what()));
    }
}

}  // namespace hearth::app
