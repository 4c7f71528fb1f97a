// The window shown at start when the history is encrypted: the passphrase, a clear word when it
// is wrong, or quit. Nothing else of the app starts until the history is unlocked.
#pragma once

#include <QEventLoop>
#include <QObject>

#include <string>

namespace hearth::app {

class UnlockPrompt : public QObject {
    Q_OBJECT

public:
    // True at once when dbPath is not encrypted, is unlocked already, or (useKeychain) its key
    // in the system keychain opens it; otherwise runs the window until the passphrase unlocks
    // it (true) or the user quits (false).
    static bool run(const std::string& dbPath, bool useKeychain);

private slots:
    void onPassphraseEntered(const QString& passphrase);
    void onQuitRequested() { m_loop.quit(); }

private:
    explicit UnlockPrompt(std::string dbPath) : m_path(std::move(dbPath)) { }
    std::string m_path;
    QObject* m_window = nullptr;
    QEventLoop m_loop;
    bool m_unlocked = false;
};

}  // namespace hearth::app
