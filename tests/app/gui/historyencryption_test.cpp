// Settings → Privacy's encryption controller: passphrase rules, a wrong passphrase said before
// the window closes, and the session-ending requests carried out by runPending() once every
// connection is closed (as main() does), each leaving the history readable.
#include "historyencryption.h"
#include "storage/keychain_slot.h"
#include "unlockprompt.h"

#include "storage/store.h"
#include "storage/store_keyring.h"

#include <QCoreApplication>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace hearth;

class HistoryEncryptionTest : public QObject {
    Q_OBJECT

    static storage::KdfParams cheapParams()
    {
        storage::KdfParams p = storage::newKdfParams();
        p.opsLimit = 1;
        p.memLimitKiB = 8 * 1024;
        return p;
    }

    // Whether a request ended the session: it exits the event loop with kRestartSession.
    static int sessionExitCode()
    {
        QTimer timeout;
        timeout.setSingleShot(true);
        QObject::connect(&timeout, &QTimer::timeout, [] { QCoreApplication::exit(-1); });
        timeout.start(2000);
        return QCoreApplication::exec();
    }

private slots:
    void encryptLockDecrypt()
    {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/hearth.db").toStdString();
        auto store = storage::Store::open(path);
        store->createConversation("kept through it all");
        {
            app::HistoryEncryption encryption(*store);
            QVERIFY(!encryption.encrypted());
            QVERIFY(encryption.encrypt("short", "short").contains("at least 8"));
            QVERIFY(encryption.encrypt("long enough", "long enougH").contains("differ"));
            QCOMPARE(encryption.decrypt("anything"), QString("The history is not encrypted."));
            QCOMPARE(encryption.encrypt("long enough", "long enough"), QString());
            QCOMPARE(sessionExitCode(), app::HistoryEncryption::kRestartSession);
            store.reset();  // main() closes everything before running the request
            QCOMPARE(encryption.runPending(), QString());
        }
        QVERIFY(storage::isSealedStore(path));
        store = storage::Store::open(path);  // unlocked by the key just made: no prompt
        QCOMPARE(store->listConversations().size(), size_t(1));
        {
            app::HistoryEncryption encryption(*store);
            QVERIFY(encryption.encrypted());
            // No keychain on a test machine (no session bus): it says so and nothing changes.
            const QString problem = encryption.setKeyInKeychain(true);
            QVERIFY2(problem.contains("keychain") && problem.contains("ask for the passphrase"), qPrintable(problem));
            QVERIFY(!encryption.keyInKeychain());
            QVERIFY(!QFile::exists(QString::fromStdString(path + ".keychain")));
            encryption.setLockAfterMinutes(15);
            QCOMPARE(store->intSetting("lock_after_idle_minutes", 0), int64_t(15));
            encryption.lockNow();
            QCOMPARE(sessionExitCode(), app::HistoryEncryption::kRestartSession);
            store.reset();
            QCOMPARE(encryption.runPending(), QString());
        }
        QVERIFY(!storage::sealedVfsFor(path));  // the key is gone: the next start asks for it
        storage::unlockStore(path, "long enough");
        store = storage::Store::open(path);
        {
            app::HistoryEncryption encryption(*store);
            QCOMPARE(encryption.lockAfterMinutes(), 15);
            QCOMPARE(encryption.decrypt("not the one"), QString("That passphrase does not open the history."));
            QVERIFY(encryption.changePassphrase("not the one", "another one", "another one").contains("not right"));
            QCOMPARE(encryption.decrypt("long enough"), QString());
            QCOMPARE(sessionExitCode(), app::HistoryEncryption::kRestartSession);
            store.reset();
            QCOMPARE(encryption.runPending(), QString());
        }
        QVERIFY(!storage::isSealedStore(path));
        QCOMPARE(storage::Store::open(path)->listConversations().front().title, std::string("kept through it all"));
    }

    // With a real Secret Service (keychain_test.sh starts gnome-keyring on a private session bus):
    // the key goes in, opens the history at the next start without a window, and comes out.
    void keychainKeepsTheKey()
    {
        if (qEnvironmentVariableIsEmpty("HEARTH_TEST_KEYCHAIN"))
            QSKIP("needs a Secret Service: keychain_test.sh runs this under gnome-keyring");
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/hearth.db").toStdString();
        storage::rememberStoreKey(path, storage::StoreKey::derive("pass phrase", cheapParams()));
        auto store = storage::Store::open(path);
        store->createConversation("opened by the keychain");
        app::HistoryEncryption encryption(*store);
        QCOMPARE(encryption.setKeyInKeychain(true), QString());
        QVERIFY(encryption.keyInKeychain());
        store.reset();
        storage::lockStore(path);
        QVERIFY(app::UnlockPrompt::run(path, /*useKeychain=*/true));  // opened by the keychain: no window
        QVERIFY(storage::sealedVfsFor(path));
        QCOMPARE(storage::Store::open(path)->listConversations().size(), size_t(1));
        QCOMPARE(encryption.setKeyInKeychain(false), QString());
        QVERIFY(!encryption.keyInKeychain());
        storage::lockStore(path);
        QVERIFY(!storage::KeychainSlot(path).unlock());
    }

    void failedMigrationIsReportedAndChangesNothing()
    {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/hearth.db").toStdString();
        auto store = storage::Store::open(path);
        app::HistoryEncryption encryption(*store);
        QCOMPARE(encryption.encrypt("long enough", "long enough"), QString());
        QCOMPARE(sessionExitCode(), app::HistoryEncryption::kRestartSession);
        // The store stays open (another connection): the migration must refuse, and say why.
        const QString problem = encryption.runPending();
        QVERIFY2(problem.contains("left as it was") && problem.contains("close it first"), qPrintable(problem));
        QVERIFY(!storage::isSealedStore(path));
    }
};

QTEST_GUILESS_MAIN(HistoryEncryptionTest)
#include "historyencryption_test.moc"
