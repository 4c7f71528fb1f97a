#include "storage/keychain_slot.h"

#include "storage/store_key.h"
#include "storage/store_keyring.h"

#include <QEventLoop>
#include <QFile>
#include <QTimer>

#include <qt6keychain/keychain.h>

#include <sodium.h>

namespace hearth::storage {

namespace {

const QString kService = QStringLiteral("Hearth");
constexpr int kTimeoutMs = 5000;  // a keychain that asks the user may take a moment; never forever

// Runs a keychain job to its end. Returns its error text, or "".
QString runJob(QKeychain::Job& job)
{
    job.setAutoDelete(false);
    job.setInsecureFallback(false);
    QEventLoop loop;
    QObject::connect(&job, &QKeychain::Job::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(kTimeoutMs, &loop, &QEventLoop::quit);
    bool finished = false;
    QObject::connect(&job, &QKeychain::Job::finished, [&finished] { finished = true; });
    job.start();
    if (!finished) loop.exec();
    if (!finished) return QObject::tr("the system keychain did not answer");
    return job.error() == QKeychain::NoError ? QString() : job.errorString();
}

}  // namespace

QString KeychainSlot::entryName() const { return QStringLiteral("history key: ") + QString::fromStdString(m_path); }

bool KeychainSlot::inUse() const { return QFile::exists(QString::fromStdString(markerPath())); }

QString KeychainSlot::store()
{
    auto key = storeKeyFor(m_path);
    if (!key) return QObject::tr("the history is not unlocked");
    QKeychain::WritePasswordJob job(kService);
    job.setKey(entryName());
    job.setBinaryData(QByteArray(reinterpret_cast<const char*>(key->bytes()), int(kSealedKeyBytes)));
    const QString problem = runJob(job);
    if (!problem.isEmpty()) return problem;
    QFile marker(QString::fromStdString(markerPath()));
    if (!marker.open(QIODevice::WriteOnly)) return QObject::tr("cannot write %1").arg(marker.fileName());
    marker.write("The key of the encrypted history next to this file is in the system keychain (service Hearth).\n");
    return {};
}

bool KeychainSlot::unlock()
{
    if (!inUse()) return false;
    QKeychain::ReadPasswordJob job(kService);
    job.setKey(entryName());
    if (!runJob(job).isEmpty()) return false;
    QByteArray data = job.binaryData();
    bool ok = data.size() == int(kSealedKeyBytes) && unlockStoreWithKey(m_path, reinterpret_cast<const uint8_t*>(data.constData()));
    sodium_memzero(data.data(), size_t(data.size()));
    return ok;
}

void KeychainSlot::forget()
{
    if (!inUse()) return;
    QKeychain::DeletePasswordJob job(kService);
    job.setKey(entryName());
    runJob(job);
    QFile::remove(QString::fromStdString(markerPath()));
}

}  // namespace hearth::storage
