// Encrypted history: no plaintext in any file (after a session and after a crash mid-write),
// right/wrong passphrase, a flipped byte caught, migrations both ways that keep every row and
// survive SIGKILL at each step, and the encrypting VFS against a plain model of a file.
#include "storage/sealed_vfs.h"
#include "storage/store.h"
#include "storage/store_encryption.h"
#include "storage/store_keyring.h"

#include <QTemporaryDir>
#include <QTest>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sodium.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace hearth::storage;
namespace fs = std::filesystem;

namespace {

const std::string kCanary = "PLAINTEXT-CANARY-7f3e";

std::string readAll(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// Every file in the folder whose bytes contain `needle` (the database, WAL, SHM, journals).
std::vector<std::string> filesContaining(const std::string& dir, const std::string& needle)
{
    std::vector<std::string> hits;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file() && readAll(e.path()).find(needle) != std::string::npos) hits.push_back(e.path().filename().string());
    return hits;
}

// Cheap Argon2id parameters for tests that only need some key (the header records them).
std::shared_ptr<const StoreKey> testKey(const std::string& passphrase)
{
    KdfParams p = newKdfParams();
    p.opsLimit = 1;
    p.memLimitKiB = 8 * 1024;
    return StoreKey::derive(passphrase, p);
}

void fillHistory(Store& store, int conversations)
{
    for (int c = 0; c < conversations; ++c) {
        const int64_t id = store.createConversation("chat " + std::to_string(c));
        std::optional<int64_t> parent;
        for (int m = 0; m < 6; ++m) {
            const std::string text = (m == 3 && c == 1 ? kCanary + " " : std::string()) + "message " + std::to_string(m) + " of chat " +
                std::to_string(c) + " " + std::string(200, char('a' + m));
            parent = store.addMessage(id, parent, {m % 2 ? "assistant" : "user", text});
        }
    }
}

int64_t messageCount(Store& store)
{
    int64_t n = 0;
    for (const auto& c : store.listConversations()) n += c.messageCount;
    return n;
}

std::string digestOf(const std::string& path, const std::string& vfs = {})
{
    SqliteDb db(path, false, vfs);
    return contentDigest(db);
}

}  // namespace

class StoreEncryptionTest : public QObject {
    Q_OBJECT

private slots:
    void createdEncryptedHasNoPlaintextEvenAfterACrash()
    {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/hearth.db").toStdString();
        rememberStoreKey(path, testKey("correct horse"));
        {
            auto store = Store::open(path);
            fillHistory(*store, 3);
            QCOMPARE(store->search(kCanary.substr(0, 17)).size(), size_t(1));  // full-text search works encrypted
        }
        QVERIFY(isSealedStore(path));
        // A writer killed mid-session: its WAL and SHM are left behind with committed frames.
        const pid_t child = ::fork();
        if (child == 0) {
            auto store = Store::open(path);
            const int64_t id = store->createConversation("crash");
            store->addMessage(id, std::nullopt, {"user", kCanary + " written before the crash"});
            _exit(0);  // no close, no checkpoint
        }
        int status = 0;
        QCOMPARE(::waitpid(child, &status, 0), child);
        QVERIFY(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        QVERIFY(fs::exists(path + "-wal"));
        QVERIFY(fs::file_size(path + "-wal") > 0);
        QCOMPARE(filesContaining(dir.path().toStdString(), kCanary), std::vector<std::string> {});
        QCOMPARE(filesContaining(dir.path().toStdString(), "message 2 of chat"), std::vector<std::string> {});
        auto store = Store::open(path);
        QCOMPARE(store->search("written before").size(), size_t(1));  // the crashed writer's commit survived
        QCOMPARE(messageCount(*store), int64_t(19));
    }

    void wrongPassphraseFailsClearlyAndRightOneOpens()
    {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/hearth.db").toStdString();
        rememberStoreKey(path, testKey("right one"));
        Store::open(path)->createConversation("secret");
        lockStore(path);
        try {
            Store::open(path);
            QFAIL("a locked store opened");
        } catch (const StoreError& e) {
            QCOMPARE(e.code(), StoreErrorCode::Locked);
            QVERIFY(std::string(e.what()).find("passphrase") != std::string::npos);
        }
        try {
            unlockStore(path, "wrong one");
            QFAIL("a wrong passphrase unlocked the store");
        } catch (const StoreError& e) {
            QCOMPARE(e.code(), StoreErrorCode::WrongPassphrase);
        }
        QVERIFY(!encryptionStatus(path).unlocked);
        unlockStore(path, "right one");
        // The raw key (what the system keychain keeps) opens it too; other bytes do not.
        std::array<uint8_t, kSealedKeyBytes> raw {};
        std::memcpy(raw.data(), storeKeyFor(path)->bytes(), raw.size());
        lockStore(path);
        QVERIFY(!storeKeyFor(path));
        raw[0] ^= 1;
        QVERIFY(!unlockStoreWithKey(path, raw.data()));
        raw[0] ^= 1;
        QVERIFY(unlockStoreWithKey(path, raw.data()));
        QCOMPARE(Store::open(path)->listConversations().size(), size_t(1));
        // The file was never replaced by a fresh one along the way.
        QVERIFY(!fs::exists(path + ".migrating"));
        for (const auto& e : fs::directory_iterator(dir.path().toStdString()))
            QVERIFY2(e.path().filename().string().find("corrupt") == std::string::npos, "moved aside");
    }

    void flippedByteIsDetected()
    {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/hearth.db").toStdString();
        rememberStoreKey(path, testKey("pass"));
        {
            auto store = Store::open(path);
            fillHistory(*store, 4);
        }
        const auto size = fs::file_size(path);
        QVERIFY(size > 64 + 4140 * 4);
        {
            std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
            f.seekp(64 + 4140 * 2 + 1000);
            char c = 0;
            f.read(&c, 1);
            f.seekp(64 + 4140 * 2 + 1000);
            c = char(c ^ 0x10);
            f.write(&c, 1);
        }
        try {
            Store::open(path, Store::OnDamage::Refuse);
            QFAIL("a tampered page went unnoticed");
        } catch (const StoreError& e) {
            QCOMPARE(e.code(), StoreErrorCode::Corrupt);
        }
        // The app's path: the damaged file is kept aside, readable rows move to a new encrypted file.
        auto store = Store::open(path);
        QVERIFY(store->recoveredCorruptFile().has_value());
        QVERIFY(fs::exists(*store->recoveredCorruptFile()));
        QVERIFY(store->salvaged().conversations > 0);
        QVERIFY(isSealedStore(path));
    }

    void migrationBothWaysKeepsEveryRow()
    {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/hearth.db").toStdString();
        {
            auto store = Store::open(path);
            fillHistory(*store, 5);
            store->setSetting("font_size", int64_t(14));
        }
        // The scan can see plaintext when there is some: otherwise its silence below proves nothing.
        QCOMPARE(filesContaining(dir.path().toStdString(), kCanary).size(), size_t(1));
        const std::string before = digestOf(path);

        const MigrationReport encrypted = encryptStore(path, "a long passphrase");
        QCOMPARE(encrypted.conversations, int64_t(5));
        QCOMPARE(encrypted.messages, int64_t(30));
        QCOMPARE(encrypted.digest, before);
        QVERIFY(isSealedStore(path));
        QCOMPARE(filesContaining(dir.path().toStdString(), kCanary), std::vector<std::string> {});
        QVERIFY(!fs::exists(path + ".migrating"));
        const EncryptionStatus status = encryptionStatus(path);
        QVERIFY(status.encrypted && status.unlocked);
        QCOMPARE(status.kdfMemLimitKiB, uint32_t(128 * 1024));
        QCOMPARE(digestOf(path, *sealedVfsFor(path)), before);
        {
            auto store = Store::open(path);
            QCOMPARE(messageCount(*store), int64_t(30));
            QCOMPARE(store->intSetting("font_size", 0), int64_t(14));
            QCOMPARE(store->search(kCanary.substr(0, 17)).size(), size_t(1));
            QVERIFY(store->integrityOk());
        }
        try {
            encryptStore(path, "again");
            QFAIL("encrypted twice");
        } catch (const StoreError& e) {
            QCOMPARE(e.code(), StoreErrorCode::InvalidInput);
        }
        try {
            decryptStore(path, "not it");
            QFAIL("decrypted with a wrong passphrase");
        } catch (const StoreError& e) {
            QCOMPARE(e.code(), StoreErrorCode::WrongPassphrase);
        }
        const MigrationReport plain = decryptStore(path, "a long passphrase");
        QCOMPARE(plain.digest, before);
        QVERIFY(!isSealedStore(path));
        QCOMPARE(digestOf(path), before);
        QCOMPARE(Store::open(path)->search(kCanary.substr(0, 17)).size(), size_t(1));
    }

    void migrationRefusesWhileAnotherConnectionIsOpen()
    {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/hearth.db").toStdString();
        auto store = Store::open(path);
        fillHistory(*store, 1);
        try {
            encryptStore(path, "pass");
            QFAIL("encrypted under an open connection");
        } catch (const StoreError& e) {
            QCOMPARE(e.code(), StoreErrorCode::Busy);
        }
        QVERIFY(!isSealedStore(path));
        QCOMPARE(messageCount(*store), int64_t(6));
        store->createConversation("still writable");
    }

    void sigkillDuringMigrationLeavesTheOriginal_data()
    {
        QTest::addColumn<QString>("step");
        QTest::addColumn<bool>("decrypting");
        for (bool decrypting : {false, true})
            for (const char* step : {"migration-copied", "migration-before-rename"})
                QTest::newRow((std::string(decrypting ? "decrypt " : "encrypt ") + step).c_str()) << QString(step) << decrypting;
    }

    void sigkillDuringMigrationLeavesTheOriginal()
    {
        QFETCH(QString, step);
        QFETCH(bool, decrypting);
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/hearth.db").toStdString();
        {
            auto store = Store::open(path);
            fillHistory(*store, 3);
        }
        if (decrypting) {
            encryptStore(path, "pass");
            lockStore(path);
        }
        const std::string before = readAll(path);
        const pid_t child = ::fork();
        if (child == 0) {
            ::setenv("HEARTH_TEST_CRASH_AT", step.toStdString().c_str(), 1);
            try {
                if (decrypting) decryptStore(path, "pass");
                else encryptStore(path, "pass");
            } catch (...) {
                _exit(2);
            }
            _exit(0);  // not reached: the hook kills it
        }
        int status = 0;
        QCOMPARE(::waitpid(child, &status, 0), child);
        QVERIFY2(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the crash hook did not fire");
        QVERIFY(readAll(path) == before);  // byte for byte
        QCOMPARE(isSealedStore(path), decrypting);
        if (decrypting) unlockStore(path, "pass");
        {
            auto store = Store::open(path, Store::OnDamage::Refuse);
            QCOMPARE(messageCount(*store), int64_t(18));
        }
        // The next attempt clears the crashed one's leftovers and completes.
        const MigrationReport report = decrypting ? decryptStore(path, "pass") : encryptStore(path, "pass");
        QCOMPARE(report.messages, int64_t(18));
        QCOMPARE(isSealedStore(path), !decrypting);
        QVERIFY(!fs::exists(path + ".migrating"));
    }

    // The VFS against a plain in-memory model: random writes (across blocks, past the end,
    // leaving holes), reads (short ones past the end) and truncations.
    void vfsMatchesAPlainFile()
    {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/raw.bin").toStdString();
        const std::string name = registerSealedVfs(testKey("vfs"));
        sqlite3_vfs* vfs = sqlite3_vfs_find(name.c_str());
        QVERIFY(vfs);
        std::vector<char> storage(size_t(vfs->szOsFile));
        auto* file = reinterpret_cast<sqlite3_file*>(storage.data());
        int outFlags = 0;
        QCOMPARE(vfs->xOpen(vfs, path.c_str(), file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_MAIN_JOURNAL, &outFlags),
                 SQLITE_OK);
        std::string model;
        std::mt19937 rng(11);
        for (int op = 0; op < 1500; ++op) {
            const int kind = int(rng() % 10);
            if (kind < 5) {
                const int64_t offset = int64_t(rng() % 20000);
                const int amount = 1 + int(rng() % 9000);
                std::string data(size_t(amount), '\0');
                for (auto& c : data) c = char('A' + rng() % 26);
                QCOMPARE(file->pMethods->xWrite(file, data.data(), amount, offset), SQLITE_OK);
                if (model.size() < size_t(offset + amount)) model.resize(size_t(offset + amount), '\0');
                model.replace(size_t(offset), size_t(amount), data);
            } else if (kind < 9) {
                const int64_t offset = int64_t(rng() % 22000);
                const int amount = 1 + int(rng() % 6000);
                std::string got(size_t(amount), 'x');
                const int rc = file->pMethods->xRead(file, got.data(), amount, offset);
                std::string want(size_t(amount), '\0');
                if (size_t(offset) < model.size()) {
                    const size_t n = std::min(model.size() - size_t(offset), size_t(amount));
                    want.replace(0, n, model, size_t(offset), n);
                }
                QCOMPARE(rc, size_t(offset + amount) > model.size() ? SQLITE_IOERR_SHORT_READ : SQLITE_OK);
                QVERIFY2(got == want, ("read mismatch at op " + std::to_string(op)).c_str());
            } else {
                const int64_t size = model.empty() ? 0 : int64_t(rng() % (model.size() + 1));
                QCOMPARE(file->pMethods->xTruncate(file, size), SQLITE_OK);
                model.resize(size_t(size));
            }
            sqlite3_int64 size = -1;
            QCOMPARE(file->pMethods->xFileSize(file, &size), SQLITE_OK);
            QCOMPARE(size, sqlite3_int64(model.size()));
        }
        file->pMethods->xClose(file);
        QVERIFY(readAll(path).find("HEARTH-SEALED-DB") == 0);
        unregisterSealedVfs(name);
    }

    // A WAL's last block torn by a crash is an incomplete frame SQLite discards: the file ends
    // before it. The same damage anywhere else, or in the database file, is reported.
    void aTornWalTailIsDroppedAndOtherDamageReported()
    {
        QTemporaryDir dir;
        const std::string name = registerSealedVfs(testKey("torn"));
        sqlite3_vfs* vfs = sqlite3_vfs_find(name.c_str());
        std::ofstream((dir.path() + "/wal-owner.db").toStdString());  // a WAL takes its database's permissions
        for (const int kind : {SQLITE_OPEN_WAL, SQLITE_OPEN_MAIN_DB}) {
            const std::string path = (dir.path() + (kind == SQLITE_OPEN_WAL ? "/wal-owner.db-wal" : "/x.db")).toStdString();
            std::vector<char> storage(size_t(vfs->szOsFile));
            auto* file = reinterpret_cast<sqlite3_file*>(storage.data());
            int outFlags = 0;
            QCOMPARE(vfs->xOpen(vfs, path.c_str(), file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | kind, &outFlags), SQLITE_OK);
            const std::string data(3 * 4096, 'w');
            QCOMPARE(file->pMethods->xWrite(file, data.data(), int(data.size()), 0), SQLITE_OK);
            file->pMethods->xClose(file);
            auto flip = [&](int64_t at) {
                std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
                f.seekp(at);
                char c = 0;
                f.read(&c, 1);
                f.seekp(at);
                c = char(c ^ 1);
                f.write(&c, 1);
            };
            flip(64 + 4140 * 2 + 100);  // the last block
            QCOMPARE(vfs->xOpen(vfs, path.c_str(), file, SQLITE_OPEN_READWRITE | kind, &outFlags), SQLITE_OK);
            sqlite3_int64 size = 0;
            std::string got(4096, 'x');
            if (kind == SQLITE_OPEN_WAL) {
                QCOMPARE(file->pMethods->xFileSize(file, &size), SQLITE_OK);
                QCOMPARE(size, sqlite3_int64(2 * 4096));
                QCOMPARE(file->pMethods->xRead(file, got.data(), 4096, 2 * 4096), SQLITE_IOERR_SHORT_READ);
                QCOMPARE(got, std::string(4096, '\0'));
                QCOMPARE(file->pMethods->xRead(file, got.data(), 4096, 4096), SQLITE_OK);
                QCOMPARE(got, std::string(4096, 'w'));
            } else {
                QCOMPARE(file->pMethods->xFileSize(file, &size), SQLITE_IOERR_DATA);
                QCOMPARE(file->pMethods->xRead(file, got.data(), 4096, 2 * 4096), SQLITE_IOERR_DATA);
            }
            file->pMethods->xClose(file);
            flip(64 + 4140 * 1 + 100);  // a block in the middle: damage in either kind
            QCOMPARE(vfs->xOpen(vfs, path.c_str(), file, SQLITE_OPEN_READWRITE | kind, &outFlags), SQLITE_OK);
            QCOMPARE(file->pMethods->xRead(file, got.data(), 4096, 4096), SQLITE_IOERR_DATA);
            file->pMethods->xClose(file);
        }
        unregisterSealedVfs(name);
    }
};

QTEST_GUILESS_MAIN(StoreEncryptionTest)
#include "store_encryption_test.moc"
