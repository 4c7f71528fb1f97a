// Encryption of the history as the app sees it (Settings → Privacy): whether it is on, turning
// it on or off, a new passphrase, "lock now" and locking after a stretch without input.
// A migration needs every connection to the database closed, so the request ends the session
// (QCoreApplication::exit(kRestartSession)); main() runs it with everything closed and starts a
// new session: the window comes back, unlocked by the key just made, or asks for the
// passphrase after a lock.
#pragma once

#include "cppownedsingleton.h"

#include <QObject>
#include <QTimer>
#include <QtQml/qqmlregistration.h>

#include <string>

namespace hearth::storage {
class Store;
}

namespace hearth::app {

class HistoryEncryption : public QObject, public CppOwnedSingleton<HistoryEncryption> {
    Q_OBJECT
    QML_ELEMENT
    QML_SINGLETON
    Q_PROPERTY(bool encrypted READ encrypted CONSTANT)
    // Minutes without keyboard or mouse input before the history locks itself (0: never).
    Q_PROPERTY(int lockAfterMinutes READ lockAfterMinutes WRITE setLockAfterMinutes NOTIFY lockAfterMinutesChanged)
    // The key is in the system keychain, so the history opens at start without the passphrase.
    Q_PROPERTY(bool keyInKeychain READ keyInKeychain NOTIFY keyInKeychainChanged)

public:
    static constexpr int kRestartSession = 0x4845;

    HistoryEncryption(storage::Store& store, QObject* parent = nullptr);
    ~HistoryEncryption() override;

    bool encrypted() const { return m_encrypted; }
    int lockAfterMinutes() const { return m_lockAfterMinutes; }
    void setLockAfterMinutes(int minutes);

    // Each returns an error to show beside the fields, or "" when the session is ending to do it.
    Q_INVOKABLE QString encrypt(const QString& passphrase, const QString& repeat);
    Q_INVOKABLE QString decrypt(const QString& passphrase);
    Q_INVOKABLE QString changePassphrase(const QString& current, const QString& passphrase, const QString& repeat);
    Q_INVOKABLE void lockNow();
    // Puts the key in the keychain or takes it out. Returns the problem, or "".
    Q_INVOKABLE QString setKeyInKeychain(bool keep);
    bool keyInKeychain() const;
    // Whether the last request was a lock (the next start of the session must not use the keychain).
    bool lockRequested() const { return m_lastRequestWasLock; }

    // For main(), with every connection closed: does what was asked. Returns what went wrong
    // (for the next session's error banner), or "".
    QString runPending();

signals:
    void lockAfterMinutesChanged();
    void keyInKeychainChanged();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    enum class Request { None, Encrypt, Decrypt, ChangePassphrase, Lock };
    QString endSessionFor(Request request);

    storage::Store& m_store;
    std::string m_path;
    bool m_encrypted = false;
    int m_lockAfterMinutes = 0;
    QTimer m_idle;
    Request m_request = Request::None;
    bool m_lastRequestWasLock = false;
    std::string m_passphrase, m_newPassphrase;
};

}  // namespace hearth::app
