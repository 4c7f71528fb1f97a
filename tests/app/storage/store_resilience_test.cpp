// The store under stress: a writer killed with SIGKILL mid-reply, and a writer and a reader
// working at once on the same file.
#include "storage/store.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <csignal>
#include <random>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace hearth::storage;

class StoreResilienceTest : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    // The child: streams replies, reporting "message-id length finished" after each save.
    [[noreturn]] static void writeUntilKilled(const std::string& path, int reportFd)
    {
        try {
            auto store = Store::open(path);
            const int64_t c = store->createConversation("crash test");
            int64_t parent = store->addMessage(c, std::nullopt, {"user", "Tell me everything"});
            for (int reply = 0;; ++reply) {
                const int64_t id = store->addMessage(c, parent, {"assistant", "", std::nullopt, std::nullopt, true});
                std::string text;
                for (int piece = 0; piece < 20; ++piece) {
                    text += "token" + std::to_string(piece) + " ";
                    store->updateMessageText(id, text, std::nullopt);  // the once-a-second save
                    const std::string line = std::to_string(id) + " " + std::to_string(text.size()) + " 0\n";
                    if (::write(reportFd, line.data(), line.size()) < 0) _exit(3);
                }
                store->finishMessage(id, {1, 20, 10.0, "stop"});
                const std::string line = std::to_string(id) + " " + std::to_string(text.size()) + " 1\n";
                if (::write(reportFd, line.data(), line.size()) < 0) _exit(3);
                parent = store->addMessage(c, id, {"user", "go on " + std::to_string(reply)});
            }
        } catch (...) {
            _exit(2);
        }
    }

private slots:
    void killedWritersLoseNothingReportedSaved()
    {
        const std::string path = (m_dir.path() + "/crash.db").toStdString();
        std::mt19937 rng(7);
        int kills = 0, checked = 0, awaited = 0;
        for (int round = 0; round < 50; ++round) {
            int fds[2];
            QCOMPARE(::pipe(fds), 0);
            const pid_t child = ::fork();
            if (child == 0) {
                ::close(fds[0]);
                writeUntilKilled(path, fds[1]);
            }
            ::close(fds[1]);
            // Kill after a number of reported saves, not after a time: on a loaded machine the
            // writer may not have started at all after 30 ms, and the test must still test.
            const int target = std::uniform_int_distribution<int>(1, 40)(rng);
            std::string reports;
            char buf[4096];
            while (std::count(reports.begin(), reports.end(), '\n') < target) {
                const ssize_t n = ::read(fds[0], buf, sizeof buf);
                if (n <= 0) break;  // the writer died on its own: caught below
                reports.append(buf, size_t(n));
            }
            awaited += target;
            ::kill(child, SIGKILL);
            int status = 0;
            ::waitpid(child, &status, 0);
            kills += WIFSIGNALED(status) ? 1 : 0;
            QVERIFY2(!WIFEXITED(status), "the writer failed on its own instead of being killed");
            for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) reports.append(buf, size_t(n));
            ::close(fds[0]);

            auto store = Store::open(path);
            QVERIFY(!store->recoveredCorruptFile());
            QVERIFY(store->integrityOk());
            std::istringstream lines(reports);
            int64_t id = 0;
            size_t length = 0;
            int finished = 0;
            while (lines >> id >> length >> finished) {
                Message m = store->message(id);  // throws if a reported message vanished
                QVERIFY(m.content.size() >= length);
                if (finished) QVERIFY(!m.streaming);
                ++checked;
            }
        }
        QCOMPARE(kills, 50);
        QVERIFY2(checked >= awaited, "every save reported before a kill was checked");
        qInfo("%d reported saves checked after 50 kills", checked);
    }

    void writerAndReaderTogetherNeverSeeBusy()
    {
        const std::string path = (m_dir.path() + "/concurrent.db").toStdString();
        const int64_t c = Store::open(path)->createConversation("busy");
        std::atomic<bool> writing = true;
        std::string writerError, readerError;
        std::thread writer([&] {
            try {
                auto store = Store::open(path);
                int64_t parent = store->addMessage(c, std::nullopt, {"user", "stream please"});
                for (int reply = 0; reply < 30; ++reply) {
                    const int64_t id = store->addMessage(c, parent, {"assistant", "", std::nullopt, std::nullopt, true});
                    std::string text;
                    for (int t = 0; t < 20; ++t) {
                        text += "word" + std::to_string(t) + " ";
                        store->updateMessageText(id, text, std::nullopt);
                    }
                    store->finishMessage(id, {});
                    parent = id;
                }
            } catch (const std::exception& e) {
                writerError = e.what();
            }
            writing = false;
        });
        std::thread reader([&] {
            try {
                auto store = Store::open(path);
                while (writing) {
                    store->listConversations();
                    store->search("word1");
                    store->activeThread(c);
                }
            } catch (const std::exception& e) {
                readerError = e.what();
            }
        });
        writer.join();
        reader.join();
        QVERIFY2(writerError.empty(), writerError.c_str());
        QVERIFY2(readerError.empty(), readerError.c_str());
        auto store = Store::open(path);
        QCOMPARE(store->activeThread(c).size(), size_t(31));
    }
};

QTEST_GUILESS_MAIN(StoreResilienceTest)
#include "store_resilience_test.moc"
