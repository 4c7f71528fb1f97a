// The chat store: CRUD, the message tree, search, settings, the model registry, export and
// import, migrations from every schema version, and its behaviour on damaged or full disks.
#include "storage/assistant_file.h"
#include "storage/chat_export.h"
#include "storage/schema.h"
#include "storage/store.h"

#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>
#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <random>
#include <fstream>

using namespace hearth::storage;

class StoreTest : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::string dbPath(const char* name) const { return (m_dir.path() + "/" + name).toStdString(); }

    // Every file of the database (the main file, its WAL and journal) as raw bytes.
    std::string rawBytes(const std::string& path) const
    {
        std::string all;
        for (const char* suffix : {"", "-wal", "-journal", "-shm"}) {
            std::ifstream in(path + suffix, std::ios::binary);
            all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        }
        return all;
    }

private slots:
    void deletedChatsLeaveNothingInTheFiles()
    {
        // Forgetting is a property of the bytes on disk: a deleted chat's words (its text, its
        // title and its full-text index terms) are nowhere in the database file or its WAL.
        const std::string path = dbPath("forget.db");
        auto store = Store::open(path);
        const int64_t keep = store->createConversation("kept");
        store->addMessage(keep, std::nullopt, {"user", "keepsake words stay"});
        std::vector<int64_t> gone;
        for (int i = 0; i < 3; ++i) {
            const int64_t id = store->createConversation("zanzibarquokkatitle" + std::to_string(i));
            int64_t parent = store->addMessage(id, std::nullopt, {"user", "my secret is xylophonewombat" + std::to_string(i) + " indeed"});
            store->addMessage(id, parent, {"assistant", "noted: xylophonewombat" + std::to_string(i) + " and more"});
            gone.push_back(id);
        }
        QVERIFY(rawBytes(path).find("xylophonewombat") != std::string::npos);  // the check can fail
        store->deleteConversation(gone[0]);
        QVERIFY2(rawBytes(path).find("xylophonewombat0") == std::string::npos, "one deleted chat's words are still on disk");
        QVERIFY(rawBytes(path).find("zanzibarquokkatitle0") == std::string::npos);
        QVERIFY(rawBytes(path).find("xylophonewombat1") != std::string::npos);  // the others are still there
        store->deleteAllConversations();
        const std::string after = rawBytes(path);
        QVERIFY2(after.find("xylophonewombat") == std::string::npos, "deleted chats' words are still on disk");
        QVERIFY(after.find("zanzibarquokka") == std::string::npos);
        QCOMPARE(store->listConversations().size(), size_t(0));
        QCOMPARE(store->search("xylophonewombat1").size(), size_t(0));
        // The store still works afterwards, search included.
        const int64_t again = store->createConversation();
        store->addMessage(again, std::nullopt, {"user", "fresh start"});
        const auto hits = store->search("fresh");
        QVERIFY(!hits.empty());
        for (const auto& hit : hits) QCOMPARE(hit.conversationId, again);
        QVERIFY(store->integrityOk());
    }

    void assistantsAreNamedSettingsThatTravelAsFiles()
    {
        auto store = Store::open(dbPath("assistants.db"));
        const int64_t a = store->addAssistant("  Code reviewer ", R"({"system_prompt":"Review code.","temperature":0.2,"think":"on"})");
        store->addAssistant("Brief", R"({"max_tokens":64})");
        QVERIFY_THROWS_EXCEPTION(StoreError, store->addAssistant("Code reviewer", "{}"));  // names are unique
        QVERIFY_THROWS_EXCEPTION(StoreError, store->addAssistant("   ", "{}"));
        QVERIFY_THROWS_EXCEPTION(StoreError, store->addAssistant(std::string(81, 'x'), "{}"));
        auto list = store->listAssistants();
        QCOMPARE(list.size(), size_t(2));
        QCOMPARE(list[0].name, std::string("Brief"));  // by name
        QCOMPARE(list[1].name, std::string("Code reviewer"));  // trimmed

        // A file and back: the same name and settings; unknown or out-of-range settings refused by name.
        const std::string file = exportAssistantJson(store->assistant(a));
        const Assistant back = parseAssistantJson(file);
        QCOMPARE(back.name, std::string("Code reviewer"));
        QVERIFY(nlohmann::json::parse(back.settingsJson) == nlohmann::json::parse(store->assistant(a).settingsJson));
        auto refused = [](const std::string& text, const char* why) {
            try {
                parseAssistantJson(text);
                QFAIL(("accepted: " + text).c_str());
            } catch (const StoreError& e) {
                QVERIFY2(std::string(e.what()).find(why) != std::string::npos, e.what());
            }
        };
        refused(R"({"name": "x", "settings": {"temperature": 99}})", "\"temperature\" must be a number from 0");
        refused(R"({"name": "x", "settings": {"rm_rf": true}})", "unknown setting \"rm_rf\"");
        refused(R"({"name": "x", "settings": {"think": "maybe"}})", "\"think\"");
        refused(R"({"format": "hearth.conversation", "name": "x"})", "hearth.assistant");
        refused(R"({"name": "x", "version": 2})", "version 2");
        refused(R"({"settings": {}})", "\"name\"");
        refused("[1, 2", "invalid JSON");

        store->deleteAssistant(a);
        QCOMPARE(store->listAssistants().size(), size_t(1));
        QVERIFY_THROWS_EXCEPTION(StoreError, store->assistant(a));
    }

    void conversationsCrudAndOrdering()
    {
        auto store = Store::open(dbPath("crud.db"));
        const int64_t a = store->createConversation();
        const int64_t b = store->createConversation("Named", std::string("model.gguf"), std::string("Be brief."));
        QTest::qWait(2);
        store->addMessage(a, std::nullopt, {"user", "How do I bake bread?\nI have flour and yeast."});
        auto list = store->listConversations();
        QCOMPARE(list.size(), size_t(2));
        QCOMPARE(list[0].id, a);  // most recently updated first
        QCOMPARE(list[0].title, std::string("How do I bake bread?"));  // auto title: first line
        QVERIFY(list[0].titleIsAuto);
        QCOMPARE(list[1].systemPrompt, std::optional<std::string>("Be brief."));
        store->setPinned(b, true);
        QCOMPARE(store->listConversations()[0].id, b);  // pinned first
        store->renameConversation(a, "Bread");
        QCOMPARE(store->conversation(a).title, std::string("Bread"));
        QVERIFY(!store->conversation(a).titleIsAuto);
        store->setConversationModel(a, std::string("qwen.gguf"));
        store->setConversationSettings(a, std::string("{\"temperature\":0.7}"));
        QCOMPARE(store->conversation(a).settingsJson, std::optional<std::string>("{\"temperature\":0.7}"));
        store->deleteConversation(a);
        QCOMPARE(store->listConversations().size(), size_t(1));
        QVERIFY_THROWS_EXCEPTION(StoreError, store->conversation(a));
        QVERIFY_THROWS_EXCEPTION(StoreError, store->addMessage(a, std::nullopt, {"user", "x"}));
        QVERIFY_THROWS_EXCEPTION(StoreError, store->addMessage(b, std::nullopt, {"robot", "x"}));

        const int64_t c = store->createConversation();
        store->addMessage(c, std::nullopt, {"user", std::string(100, 'a') + " tail words that make this long"});
        QVERIFY(store->conversation(c).title.size() <= 64);
        QVERIFY(store->conversation(c).title.ends_with("…"));
    }

    void messageTreeBranchesAndSubtreeDeletion()
    {
        auto store = Store::open(dbPath("tree.db"));
        const int64_t c = store->createConversation();
        const int64_t u1 = store->addMessage(c, std::nullopt, {"user", "Tell me a joke"});
        const int64_t a1 = store->addMessage(c, u1, {"assistant", "Why did the chicken..."});
        const int64_t a2 = store->addMessage(c, u1, {"assistant", "Knock knock."});  // regenerate
        auto thread = store->activeThread(c);
        QCOMPARE(thread.size(), size_t(2));
        QCOMPARE(thread[1].id, a2);  // the newest version is shown
        QCOMPARE(store->children(c, u1).size(), size_t(2));
        store->selectBranch(a1);
        QCOMPARE(store->activeThread(c)[1].id, a1);
        const int64_t u2 = store->addMessage(c, a1, {"user", "Another one"});
        QCOMPARE(store->activeThread(c).size(), size_t(3));
        QCOMPARE(store->activeThread(c)[2].id, u2);

        // Edit-and-resend of the first message: a new root, and the thread follows it.
        const int64_t u1b = store->addMessage(c, std::nullopt, {"user", "Tell me a pun"});
        QCOMPARE(store->activeThread(c).size(), size_t(1));
        QCOMPARE(store->activeThread(c)[0].id, u1b);
        store->selectBranch(u1);
        QCOMPARE(store->activeThread(c).size(), size_t(3));

        // Deleting u1 removes its whole subtree, and its search entries.
        QVERIFY(!store->search("chicken").empty());
        store->deleteMessage(u1);
        QVERIFY_THROWS_EXCEPTION(StoreError, store->message(a1));
        QVERIFY_THROWS_EXCEPTION(StoreError, store->message(a2));
        QVERIFY_THROWS_EXCEPTION(StoreError, store->message(u2));
        QVERIFY(store->search("chicken").empty());
        QCOMPARE(store->activeThread(c).size(), size_t(1));  // falls back to the remaining root
        QCOMPARE(store->conversation(c).messageCount, int64_t(1));
    }

    void streamingRepliesAndStats()
    {
        auto store = Store::open(dbPath("stream.db"));
        const int64_t c = store->createConversation();
        const int64_t u = store->addMessage(c, std::nullopt, {"user", "Explain RoPE"});
        NewMessage reply {"assistant", "", std::nullopt, std::string("r1.gguf"), true};
        const int64_t a = store->addMessage(c, u, reply);
        QVERIFY(store->message(a).streaming);
        store->updateMessageText(a, "Rotary", std::string("Think about angles"));
        store->updateMessageText(a, "Rotary position embeddings rotate", std::string("Think about angles."));
        store->finishMessage(a, {12, 40, 55.5, "length"});
        Message m = store->message(a);
        QVERIFY(!m.streaming);
        QCOMPARE(m.content, std::string("Rotary position embeddings rotate"));
        QCOMPARE(m.reasoning, std::optional<std::string>("Think about angles."));
        QCOMPARE(m.completionTokens, std::optional<int64_t>(40));
        QCOMPARE(m.tokensPerSecond, std::optional<double>(55.5));
        QCOMPARE(m.finishReason, std::optional<std::string>("length"));
        QCOMPARE(m.model, std::optional<std::string>("r1.gguf"));
        QVERIFY_THROWS_EXCEPTION(StoreError, store->finishMessage(a, {0, 0, 0, "exploded"}));
        QVERIFY_THROWS_EXCEPTION(StoreError, store->updateMessageText(999999, "x", std::nullopt));
    }

    void searchFindsRanksAndHighlights()
    {
        auto store = Store::open(dbPath("search.db"));
        const int64_t pasta = store->createConversation("Pasta recipes");
        store->addMessage(pasta, std::nullopt, {"user", "How long should I boil spaghetti?"});
        const int64_t trip = store->createConversation("Weekend trip");
        const int64_t many = store->addMessage(trip, std::nullopt, {"user", "Spaghetti, spaghetti and more spaghetti in Naples"});
        const int64_t once = store->addMessage(trip, many, {"assistant", "Naples has great food, including spaghetti alla puttanesca."});
        store->addMessage(trip, once, {"user", "Café au lait in Paris?"});

        auto hits = store->search("spaghetti");
        QCOMPARE(hits.size(), size_t(3));
        QCOMPARE(hits[0].messageId, std::optional<int64_t>(many));  // three mentions rank first
        QVERIFY(hits[0].snippet.find(std::string(kMatchStart) + "Spaghetti" + kMatchEnd) != std::string::npos);

        auto title = store->search("recipes");
        QCOMPARE(title.size(), size_t(1));
        QCOMPARE(title[0].conversationId, pasta);
        QVERIFY(!title[0].messageId);

        QCOMPARE(store->search("spag").size(), size_t(3));  // prefix of the last word
        QCOMPARE(store->search("naples spaghetti").size(), size_t(2));  // every word must match
        QCOMPARE(store->search("cafe").size(), size_t(1));  // diacritics folded
        QVERIFY(store->search("").empty());
        for (const char* hostile : {"\"", "AND", "NEAR(a b)", "*", "a OR", "title:x", "' OR 1=1 --", "(("})
            store->search(hostile);  // user text is quoted: no query syntax reaches FTS5
    }

    void settingsTypedWithDefaults()
    {
        auto store = Store::open(dbPath("settings.db"));
        QCOMPARE(store->stringSetting("theme", "system"), std::string("system"));
        store->setSetting("theme", std::string("dark"));
        store->setSetting("context_length", int64_t(8192));
        store->setSetting("temperature", 0.7);
        store->setSetting("show_reasoning", true);
        QCOMPARE(store->stringSetting("theme", "system"), std::string("dark"));
        QCOMPARE(store->intSetting("context_length", 4096), int64_t(8192));
        QCOMPARE(store->doubleSetting("temperature", 1.0), 0.7);
        QCOMPARE(store->boolSetting("show_reasoning", false), true);
        QCOMPARE(store->intSetting("theme", 5), int64_t(5));  // wrong type: the default
        store->removeSetting("theme");
        QVERIFY(!store->setting("theme"));
    }

    void modelRegistry()
    {
        auto store = Store::open(dbPath("models.db"));
        const int64_t a = store->upsertModel("/m/a.gguf", 100, 1, std::string("{\"architecture\":\"llama\"}"));
        const int64_t b = store->upsertModel("/m/b.gguf", 200, 2, std::nullopt);
        store->setModelHash(a, "abc");
        QCOMPARE(store->upsertModel("/m/a.gguf", 100, 1, std::string("{}")), a);
        QCOMPARE(store->listModels().size(), size_t(2));
        store->markModelUsed(b);
        QCOMPARE(store->listModels()[0].id, b);
        auto find = [&](int64_t id) {
            for (auto& m : store->listModels())
                if (m.id == id) return m;
            return ModelRecord {};
        };
        QCOMPARE(find(a).sha256, std::optional<std::string>("abc"));
        store->upsertModel("/m/a.gguf", 101, 5, std::nullopt);  // the file changed
        QVERIFY(!find(a).sha256);
        store->removeModel(a);
        QCOMPARE(store->listModels().size(), size_t(1));
    }

    void exportImportRoundTrip()
    {
        auto store = Store::open(dbPath("export.db"));
        const std::string file = R"({"title": "Über Quaternions ✓",
            "messages": [{"role": "system", "content": "You are terse."},
                         {"role": "user", "content": "What is a quaternion?\n\nShort answer."},
                         {"role": "assistant", "content": "A 4-D number: w + xi + yj + zk.", "reasoning": "Keep it short.", "finish_reason": "stop"}]})";
        const int64_t id = importJson(*store, file);
        auto exported = exportJson(*store, id);
        const int64_t again = importJson(*store, exported);
        auto a = store->activeThread(id), b = store->activeThread(again);
        QCOMPARE(store->conversation(again).title, std::string("Über Quaternions ✓"));
        QCOMPARE(a.size(), size_t(3));
        QCOMPARE(b.size(), a.size());
        for (size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(b[i].role, a[i].role);
            QCOMPARE(b[i].content, a[i].content);
            QCOMPARE(b[i].reasoning, a[i].reasoning);
        }
        QCOMPARE(b[2].finishReason, std::optional<std::string>("stop"));
        const std::string md = exportMarkdown(*store, id);
        QVERIFY(md.starts_with("# Über Quaternions ✓\n"));
        QVERIFY(md.find("<details><summary>Reasoning</summary>") != std::string::npos);

        const size_t before = store->listConversations().size();
        const char* bad[] = {
            "not json",
            "[]",
            R"({"title": "x"})",
            R"({"messages": {}})",
            R"({"messages": [1]})",
            R"({"messages": [{"role": "wizard", "content": "x"}]})",
            R"({"messages": [{"role": "user"}]})",
            R"({"messages": [{"role": "user", "content": 5}]})",
            R"({"title": 7, "messages": []})",
            R"({"messages": [{"role": "user", "content": "ok"}, {"role": "assistant", "content": "x", "finish_reason": "boom"}]})",
        };
        for (const char* text : bad) {
            try {
                importJson(*store, text);
                QFAIL(text);
            } catch (const StoreError& e) {
                QCOMPARE(e.code(), StoreErrorCode::InvalidInput);
                QVERIFY2(std::string(e.what()).find("not a Hearth conversation file") != std::string::npos, e.what());
            }
        }
        QCOMPARE(store->listConversations().size(), before);  // nothing half-imported
    }

    void attachmentsTravelWithTheirMessage()
    {
        const std::string path = dbPath("attachments.db");
        auto store = Store::open(path);
        const int64_t c = store->createConversation("files");
        NewMessage question {"user", "Summarise these"};
        question.attachments = {{"notes.md", "markdown", "# Notes\nquasarpelican lives here", 40}, {"data.csv", "csv", "a,b\n1,2", 7}};
        const int64_t u = store->addMessage(c, std::nullopt, question);
        store->addMessage(c, u, {"assistant", "Done."});
        auto thread = store->activeThread(c);
        QCOMPARE(thread[0].attachments.size(), size_t(2));
        QCOMPARE(thread[0].attachments[0].name, std::string("notes.md"));
        QCOMPARE(thread[0].attachments[1].content, std::string("a,b\n1,2"));
        QCOMPARE(thread[0].attachments[0].bytes, int64_t(40));
        QVERIFY(thread[1].attachments.empty());
        // Export and import keep them.
        const int64_t copy = importJson(*store, exportJson(*store, c));
        auto copied = store->activeThread(copy);
        QCOMPARE(copied[0].attachments.size(), size_t(2));
        QCOMPARE(copied[0].attachments[0].kind, std::string("markdown"));
        QVERIFY(exportMarkdown(*store, c).find("_Attached: notes.md_") != std::string::npos);
        // Deleting forgets them like the message text.
        QVERIFY(rawBytes(path).find("quasarpelican") != std::string::npos);
        store->deleteConversation(c);
        store->deleteConversation(copy);
        QVERIFY2(rawBytes(path).find("quasarpelican") == std::string::npos, "a deleted attachment's text is still on disk");
        // A malformed attachment in an import is refused by name.
        const auto bad =
            nlohmann::json::parse(R"({"title": "x", "messages": [{"role": "user", "content": "hi", "attachments": [{"name": "a"}]}]})");
        try {
            importJson(*store, bad.dump());
            QFAIL("accepted an attachment without content");
        } catch (const StoreError& e) {
            QVERIFY2(std::string(e.what()).find("attachment 1") != std::string::npos, e.what());
        }
    }

    void migratesFromEveryEarlierVersion()
    {
        for (int from = 0; from < latestSchemaVersion(); ++from) {
            const std::string path = dbPath(("migrate-" + std::to_string(from) + ".db").c_str());
            {
                auto old = Store::openAtVersion(path, from);
                QCOMPARE(old->schemaVersion(), from);
                if (from >= 1) {  // conversations and messages exist from version 1 on
                    const int64_t c = old->createConversation("Old chat");
                    const int64_t u = old->addMessage(c, std::nullopt, {"user", "Remember the zeppelin"});
                    old->addMessage(c, u, {"assistant", "Noted."});
                    old->setSetting("theme", std::string("dark"));
                }
            }
            auto store = Store::open(path);
            QCOMPARE(store->schemaVersion(), latestSchemaVersion());
            QVERIFY(store->integrityOk());
            if (from >= 1) {
                QCOMPARE(store->listConversations().size(), size_t(1));
                QCOMPARE(store->activeThread(store->listConversations()[0].id).size(), size_t(2));
                QCOMPARE(store->search("zeppelin").size(), size_t(1));  // indexed by the FTS migration
                QCOMPARE(store->search("old chat").size(), size_t(1));
                QCOMPARE(store->stringSetting("theme", ""), std::string("dark"));
            }
            store->upsertModel("/m.gguf", 1, 1, std::nullopt);  // the newest table works
        }
    }

    void refusesADatabaseFromTheFuture()
    {
        const std::string path = dbPath("future.db");
        Store::open(path);
        sqlite3* db = nullptr;
        sqlite3_open(path.c_str(), &db);
        sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr);
        sqlite3_close(db);
        try {
            Store::open(path);
            QFAIL("opened a newer schema");
        } catch (const StoreError& e) {
            QVERIFY2(std::string(e.what()).find("newer Hearth") != std::string::npos, e.what());
        }
    }

    void fileIsPrivate()
    {
        // Even with a umask that allows everything, the folders are owner-only like the file.
        const mode_t previous = ::umask(0);
        const std::string path = dbPath("private/deep/hearth.db");
        Store::open(path)->createConversation("x");
        ::umask(previous);
        struct stat st { };
        QCOMPARE(::stat(path.c_str(), &st), 0);
        QCOMPARE(int(st.st_mode & 0777), 0600);
        for (const char* folder : {"private", "private/deep"}) {
            QCOMPARE(::stat(dbPath(folder).c_str(), &st), 0);
            QCOMPARE(int(st.st_mode & 0777), 0700);
        }
    }

    void corruptFilesAreKeptAsideAndAFreshDatabaseStarts()
    {
        // 1: not a database at all.
        const std::string garbage = dbPath("garbage.db");
        std::ofstream(garbage) << std::string(8192, 'x');
        auto store = Store::open(garbage);
        QVERIFY(store->recoveredCorruptFile());
        QVERIFY(std::filesystem::file_size(*store->recoveredCorruptFile()) == 8192);  // kept, untouched
        store->createConversation("works");
        QVERIFY(store->integrityOk());

        // 2: a real database with damaged pages.
        const std::string damaged = dbPath("damaged.db");
        {
            auto s = Store::open(damaged);
            const int64_t c = s->createConversation("x");
            for (int i = 0; i < 200; ++i) s->addMessage(c, std::nullopt, {"user", std::string(500, char('a' + i % 26))});
        }
        {
            std::fstream f(damaged, std::ios::in | std::ios::out | std::ios::binary);
            f.seekp(4096 * 3);
            const std::string noise(4096 * 4, '\x5a');
            f.write(noise.data(), std::streamsize(noise.size()));
        }
        auto recovered = Store::open(damaged);
        QVERIFY(recovered->recoveredCorruptFile());
        QVERIFY(std::filesystem::exists(*recovered->recoveredCorruptFile()));
        QVERIFY(recovered->integrityOk());
    }

    // 30 conversations of 20 messages, 20 random pages overwritten (the file header kept): a
    // read-only open refuses and moves nothing; the app's open recovers every row a plain
    // SELECT by id can still read from the damaged file, each exactly as it was.
    void damagedDatabasesAreSalvagedAndOnlyMovedWhenAsked()
    {
        const std::string path = dbPath("salvage.db");
        std::map<int64_t, std::string> written;
        {
            auto s = Store::open(path);
            for (int c = 0; c < 30; ++c) {
                const int64_t conversation = s->createConversation("conversation " + std::to_string(c));
                std::optional<int64_t> parent;
                for (int m = 0; m < 20; ++m) {
                    const std::string text =
                        "message " + std::to_string(m) + " of " + std::to_string(c) + " " + std::string(300, char('a' + m));
                    parent = s->addMessage(conversation, parent, {m % 2 ? "assistant" : "user", text});
                    written[*parent] = text;
                }
            }
        }
        const auto pages = std::filesystem::file_size(path) / 4096;
        {
            std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
            std::mt19937 rng(21);
            for (int i = 0; i < 20; ++i) {
                f.seekp(std::streamoff(4096 * std::uniform_int_distribution<uint64_t>(1, pages - 1)(rng)));
                const std::string noise(4096, char(std::uniform_int_distribution<int>(0, 255)(rng)));
                f.write(noise.data(), std::streamsize(noise.size()));
            }
        }
        // The oracle: what plain SELECTs by id read from the damaged file (a copy, read-only).
        const std::string oracleCopy = dbPath("salvage-oracle.db");
        std::filesystem::copy_file(path, oracleCopy);
        std::map<int64_t, std::string> readable;
        {
            sqlite3* db = nullptr;
            QCOMPARE(sqlite3_open_v2(oracleCopy.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
            sqlite3_stmt* q = nullptr;
            sqlite3_prepare_v2(db, "SELECT m.content FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.id = ?1", -1,
                               &q, nullptr);
            for (const auto& [id, text] : written) {
                sqlite3_reset(q);
                sqlite3_bind_int64(q, 1, id);
                if (q && sqlite3_step(q) == SQLITE_ROW)
                    readable[id] =
                        std::string(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)), size_t(sqlite3_column_bytes(q, 0)));
            }
            sqlite3_finalize(q);
            sqlite3_close(db);
        }
        QVERIFY2(readable.size() < written.size(), "the damage must hit some messages for this test to test");

        // A read-only command refuses and leaves the file where it is.
        const auto size = std::filesystem::file_size(path);
        try {
            Store::open(path, Store::OnDamage::Refuse);
            QFAIL("a damaged database opened without complaint");
        } catch (const StoreError& e) {
            QCOMPARE(e.code(), StoreErrorCode::Corrupt);
            QVERIFY(QString(e.what()).contains("hearth-cli chats recover"));
        }
        QCOMPARE(std::filesystem::file_size(path), size);
        for (const auto& entry : std::filesystem::directory_iterator(m_dir.path().toStdString()))
            QVERIFY(entry.path().filename().string().find("salvage.db.corrupt") == std::string::npos);

        // The app's open: set aside, salvaged.
        auto store = Store::open(path);
        QVERIFY(store->recoveredCorruptFile());
        QVERIFY(store->integrityOk());
        int64_t recovered = 0;
        for (const auto& c : store->listConversations())
            for (const Message& m : store->activeThread(c.id)) {
                QVERIFY2(written.count(m.id) && written[m.id] == m.content, "a recovered message differs from what was written");
                ++recovered;
            }
        QCOMPARE(store->salvaged().messages, int64_t(readable.size()));
        for (const auto& [id, text] : readable) QCOMPARE(store->message(id).content, text);
        qInfo("salvaged %lld conversations and %lld of %zu messages (%zu readable by id); %lld on the active threads",
              static_cast<long long>(store->salvaged().conversations), static_cast<long long>(store->salvaged().messages), written.size(),
              readable.size(), static_cast<long long>(recovered));
        QVERIFY(!store->search("message").empty());  // the full-text index covers what came back
    }

    void fullDiskFailsCleanlyAndKeepsWhatWasSaved()
    {
        auto store = Store::open(dbPath("full.db"));
        const int64_t c = store->createConversation("kept");
        const int64_t u = store->addMessage(c, std::nullopt, {"user", "saved before the disk filled"});
        store->setMaxPages(40);  // SQLite's own size limit stands in for a full disk
        bool full = false;
        for (int i = 0; i < 200 && !full; ++i) {
            try {
                store->addMessage(c, u, {"assistant", std::string(4000, 'z')});
            } catch (const StoreError& e) {
                QCOMPARE(e.code(), StoreErrorCode::DiskFull);
                QVERIFY2(std::string(e.what()).find("disk is full") != std::string::npos, e.what());
                full = true;
            }
        }
        QVERIFY(full);
        QCOMPARE(store->message(u).content, std::string("saved before the disk filled"));
        QVERIFY(store->integrityOk());
    }

    void lockedDatabaseGivesBusyAfterTheTimeout()
    {
        const std::string path = dbPath("locked.db");
        auto store = Store::open(path);
        const int64_t c = store->createConversation("locked");
        sqlite3* other = nullptr;
        QCOMPARE(sqlite3_open(path.c_str(), &other), SQLITE_OK);
        QCOMPARE(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
        store->setBusyTimeout(200);
        try {
            store->addMessage(c, std::nullopt, {"user", "blocked"});
            QFAIL("wrote through an exclusive lock");
        } catch (const StoreError& e) {
            QCOMPARE(e.code(), StoreErrorCode::Busy);
            QVERIFY2(std::string(e.what()).find("another program is using the database") != std::string::npos, e.what());
        }
        sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
        sqlite3_close(other);
        store->addMessage(c, std::nullopt, {"user", "free again"});  // and it recovers
        QCOMPARE(store->conversation(c).messageCount, int64_t(1));
    }

    void readOnlyLocationGivesAClearError()
    {
        // /proc refuses new files even for root, unlike a chmod'ed folder.
        try {
            Store::open("/proc/hearth-test/hearth.db");
            QFAIL("opened a database in /proc");
        } catch (const StoreError& e) {
            QCOMPARE(e.code(), StoreErrorCode::ReadOnly);
            QVERIFY2(std::string(e.what()).find("/proc/hearth-test") != std::string::npos, e.what());
        }
    }
};

QTEST_GUILESS_MAIN(StoreTest)
#include "store_test.moc"
