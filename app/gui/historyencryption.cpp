#include "historyencryption.h"
#include "storage/keychain_slot.h"

#include "storage/store.h"
#include "storage/store_encryption.h"
#include "storage/store_keyring.h"

#include <QCoreApplication>
#include <QEvent>

#include <sodium.h>

namespace hearth::app {

namespace {

constexpr int kMinimumPassphrase = 8;
const char* kLockSetting = "lock_after_idle_minutes";

// Overwrites a passphrase before its memory is released.
void wipe(std::string& s)
{
    if (!s.empty()) sodium_memzero(s.data(), s.size());
    s.clear();
}

QString newPassphraseProblem(const QString& passphrase, const QString& repeat)
{
    if (passphrase.size() < kMinimumPassphrase)
        return QObject::tr("Use at least %1 characters: a short passphrase can be guessed.").arg(kMinimumPassphrase);
    if (passphrase != repeat) return QObject::tr("The two passphrases differ.");
    return {};
}

}  // namespace

HistoryEncryption::HistoryEncryption(storage::Store& store, QObject* parent)
    : QObject(parent), m_store(store), m_path(store.path()), m_encrypted(storage::isSealedStore(m_path))
{
    m_lockAfterMinutes = int(m_store.intSetting(kLockSetting, 0));
    m_idle.setSingleShot(true);
    connect(&m_idle, &QTimer::timeout, this, &HistoryEncryption::lockNow);
    if (m_encrypted && m_lockAfterMinutes > 0) m_idle.start(m_lockAfterMinutes * 60 * 1000);
    QCoreApplication::instance()->installEventFilter(this);
}

HistoryEncryption::~HistoryEncryption()
{
    wipe(m_passphrase);
    wipe(m_newPassphrase);
}

void HistoryEncryption::setLockAfterMinutes(int minutes)
{
    minutes = std::max(0, minutes);
    if (minutes == m_lockAfterMinutes) return;
    m_lockAfterMinutes = minutes;
    m_store.setSetting(kLockSetting, int64_t(minutes));
    if (m_encrypted && minutes > 0) {
        m_idle.start(minutes * 60 * 1000);
    } else {
        m_idle.stop();
    }
    emit lockAfterMinutesChanged();
}

bool HistoryEncryption::eventFilter(QObject* watched, QEvent* event)
{
    switch (event->type()) {
    case QEvent::KeyPress:
    case QEvent::MouseButtonPress:
    case QEvent::MouseMove:
    case QEvent::Wheel:
    case QEvent::TouchBegin:
        if (m_idle.isActive()) m_idle.start();
        break;
    default: break;
    }
    return QObject::eventFilter(watched, event);
}

QString HistoryEncryption::endSessionFor(Request request)
{
    m_request = request;
    // Queued: the QML handler that asked returns first.
    QMetaObject::invokeMethod(
        QCoreApplication::instance(), [] { QCoreApplication::exit(kRestartSession); }, Qt::QueuedConnection);
    return {};
}

QString HistoryEncryption::encrypt(const QString& passphrase, const QString& repeat)
{
    if (m_encrypted) return tr("The history is encrypted already.");
    if (QString problem = newPassphraseProblem(passphrase, repeat); !problem.isEmpty()) return problem;
    m_passphrase = passphrase.toStdString();
    return endSessionFor(Request::Encrypt);
}

QString HistoryEncryption::decrypt(const QString& passphrase)
{
    if (!m_encrypted) return tr("The history is not encrypted.");
    try {  // a wrong passphrase is said here, before the window closes
        storage::unlockStore(m_path, passphrase.toStdString());
    } catch (const std::exception& e) {
        return tr("That passphrase does not open the history.");
    }
    m_passphrase = passphrase.toStdString();
    return endSessionFor(Request::Decrypt);
}

QString HistoryEncryption::changePassphrase(const QString& current, const QString& passphrase, const QString& repeat)
{
    if (!m_encrypted) return tr("The history is not encrypted.");
    if (QString problem = newPassphraseProblem(passphrase, repeat); !problem.isEmpty()) return problem;
    try {
        storage::unlockStore(m_path, current.toStdString());
    } catch (const std::exception&) {
        return tr("The current passphrase is not right.");
    }
    m_passphrase = current.toStdString();
    m_newPassphrase = passphrase.toStdString();
    return endSessionFor(Request::ChangePassphrase);
}

void HistoryEncryption::lockNow()
{
    if (m_encrypted) endSessionFor(Request::Lock);
}

bool HistoryEncryption::keyInKeychain() const { return storage::KeychainSlot(m_path).inUse(); }

QString HistoryEncryption::setKeyInKeychain(bool keep)
{
    storage::KeychainSlot slot(m_path);
    QString problem;
    if (!keep) {
        slot.forget();
    } else if (!m_encrypted) {
        problem = tr("The history is not encrypted.");
    } else if (QString why = slot.store(); !why.isEmpty()) {
        problem = tr("The system keychain cannot keep the key (%1): Hearth will ask for the passphrase.").arg(why);
    }
    emit keyInKeychainChanged();
    return problem;
}

QString HistoryEncryption::runPending()
{
    const Request request = m_request;
    m_request = Request::None;
    m_lastRequestWasLock = request == Request::Lock;
    QString problem;
    try {
        storage::KeychainSlot keychain(m_path);
        switch (request) {
        case Request::None: break;
        case Request::Encrypt: storage::encryptStore(m_path, m_passphrase); break;
        case Request::Decrypt:
            storage::decryptStore(m_path, m_passphrase);
            keychain.forget();
            break;
        case Request::ChangePassphrase:
            storage::changeStorePassphrase(m_path, m_passphrase, m_newPassphrase);
            if (keychain.inUse()) {  // the old key opens nothing now
                if (QString why = keychain.store(); !why.isEmpty()) {
                    keychain.forget();
                    problem = tr("The passphrase was changed, but the system keychain cannot keep the new key (%1).").arg(why);
                }
            }
            break;
        case Request::Lock: storage::lockStore(m_path); break;
        }
    } catch (const std::exception& e) {
        problem = tr("The history was left as it was: %1").arg(QString::fromUtf8(e.what()));
    }
    wipe(m_passphrase);
    wipe(m_newPassphrase);
    return problem;
}

}  // namespace hearth::app
