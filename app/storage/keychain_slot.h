// The encrypted history's key in the system keychain (Secret Service, macOS Keychain, Windows
// Credential Manager, through QtKeychain), so Hearth can open it at start without the passphrase.
// Only the derived key is kept, never the passphrase, and never in a plain file: QtKeychain's
// insecure fallback stays off. A marker file beside the database records that a key was put
// there, so a machine without a keychain never waits on one at start. The calls block on a
// local event loop (at most 5 s) and need a QCoreApplication.
#pragma once

#include <QString>

#include <string>

namespace hearth::storage {

class KeychainSlot {
public:
    explicit KeychainSlot(std::string dbPath) : m_path(std::move(dbPath)) { }

    // Whether a key was put in the keychain (the marker exists).
    bool inUse() const;
    // Puts this process's key for the history in the keychain. Returns the problem, or "".
    QString store();
    // Reads the key and unlocks the history with it; false (and nothing changed) when there is
    // none, the keychain cannot be reached, or the key does not open the file.
    bool unlock();
    // Removes the key from the keychain and the marker.
    void forget();

private:
    QString entryName() const;
    std::string markerPath() const { return m_path + ".keychain"; }
    std::string m_path;
};

}  // namespace hearth::storage
