// hearth-cli store: encryption of the chat history at rest (status, encrypt, decrypt, passphrase).
#include "cli_args.h"
#include "commands.h"
#include "passphrase_input.h"

#include "storage/data_location.h"
#include "storage/keychain_slot.h"
#include "storage/store.h"
#include "storage/store_encryption.h"
#include "storage/store_keyring.h"

#include <QCoreApplication>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <stdexcept>

namespace hearth::cli {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

int64_t fileBytes(const std::string& path)
{
    std::error_code ec;
    int64_t total = 0;
    for (const char* suffix : {"", "-wal"}) {
        const auto n = fs::file_size(path + suffix, ec);
        if (!ec) total += int64_t(n);
    }
    return total;
}

// A new passphrase: typed twice at a terminal; one line on standard input in scripts.
std::string newPassphrase(const char* what)
{
    const std::string first = readPassphrase(std::string("New passphrase for ") + what + ": ");
    if (stdinIsTerminal() && readPassphrase("Repeat it: ") != first) throw std::invalid_argument("the two passphrases differ");
    if (first.empty()) throw std::invalid_argument("the passphrase is empty");
    return first;
}

void printReport(const char* done, const std::string& path, const storage::MigrationReport& r, bool asJson)
{
    if (asJson) {
        std::printf(
            "%s\n",
            json({{"path", path}, {"result", done}, {"conversations", r.conversations}, {"messages", r.messages}, {"digest", r.digest}})
                .dump()
                .c_str());
        return;
    }
    std::printf("%s %s: %lld conversations and %lld messages, every row checked against the original (digest %.16s…)\n", done, path.c_str(),
                static_cast<long long>(r.conversations), static_cast<long long>(r.messages), r.digest.c_str());
}

}  // namespace

int runStore(const std::vector<std::string>& argv)
{
    CliArgs args(argv, {"--data-dir"}, {"--json", "--passphrase-stdin"});
    const auto& p = args.positionals();
    const char* usage =
        "usage: hearth-cli store [--data-dir DIR] [--passphrase-stdin] status [--json] | encrypt | decrypt | passphrase | keychain on|off";
    if (p.empty() || p.size() > 2 || (p.size() == 2 && p[0] != "keychain")) throw std::invalid_argument(usage);
    const std::string path = storage::databasePath(storage::dataDirectory(args.value("--data-dir").value_or("")));
    const bool asJson = args.flag("--json");
    const std::string& action = p[0];

    if (action == "status") {
        if (!fs::exists(path)) throw storage::StoreError(storage::StoreErrorCode::NotFound, path + ": no history yet");
        unlockIfEncrypted(args, path);
        const storage::EncryptionStatus s = storage::encryptionStatus(path);
        json j = {{"path", path}, {"encrypted", s.encrypted}, {"unlocked", s.encrypted ? s.unlocked : true}, {"bytes", fileBytes(path)}};
        if (s.encrypted) j["kdf"] = {{"algorithm", "argon2id"}, {"passes", s.kdfOpsLimit}, {"memory_kib", s.kdfMemLimitKiB}};
        if (!s.encrypted || s.unlocked) {
            auto store = storage::Store::open(path, storage::Store::OnDamage::Refuse);
            int64_t messages = 0;
            const auto conversations = store->listConversations();
            for (const auto& c : conversations) messages += c.messageCount;
            j["conversations"] = conversations.size();
            j["messages"] = messages;
        }
        if (asJson) {
            std::printf("%s\n", j.dump(2).c_str());
            return 0;
        }
        std::printf("history: %s (%lld bytes)\n", path.c_str(), static_cast<long long>(fileBytes(path)));
        if (s.encrypted)
            std::printf("encrypted: yes (XChaCha20-Poly1305 per page; key from the passphrase by Argon2id, %u passes over %u MiB)%s\n",
                        s.kdfOpsLimit, s.kdfMemLimitKiB / 1024, s.unlocked ? "" : "; locked (give --passphrase-stdin to count its chats)");
        else std::printf("encrypted: no (plain SQLite: `hearth-cli store encrypt` turns encryption on)\n");
        if (j.contains("messages"))
            std::printf("conversations: %lld, messages: %lld\n", static_cast<long long>(j["conversations"].get<int64_t>()),
                        static_cast<long long>(j["messages"].get<int64_t>()));
        return 0;
    }
    if (!fs::exists(path)) throw storage::StoreError(storage::StoreErrorCode::NotFound, path + ": no history yet");
    if (action == "encrypt") {
        if (storage::isSealedStore(path)) throw storage::StoreError(storage::StoreErrorCode::InvalidInput, path + " is encrypted already");
        printReport("encrypted", path, storage::encryptStore(path, newPassphrase("the history")), asJson);
        return 0;
    }
    if (action == "decrypt") {
        if (!storage::isSealedStore(path)) throw storage::StoreError(storage::StoreErrorCode::InvalidInput, path + " is not encrypted");
        const std::string passphrase = readPassphrase("Passphrase for the encrypted history: ");
        printReport("decrypted", path, storage::decryptStore(path, passphrase), asJson);
        return 0;
    }
    if (action == "passphrase") {
        if (!storage::isSealedStore(path)) throw storage::StoreError(storage::StoreErrorCode::InvalidInput, path + " is not encrypted");
        const std::string old = readPassphrase("Current passphrase: ");
        printReport("re-encrypted", path, storage::changeStorePassphrase(path, old, newPassphrase("the history")), asJson);
        return 0;
    }
    if (action == "keychain") {
        // The key in the system keychain: the app and these commands then open the history
        // without the passphrase. The keychain's D-Bus needs an event loop.
        if (p.size() != 2 || (p[1] != "on" && p[1] != "off")) throw std::invalid_argument(usage);
        int qtArgc = 1;
        char qtName[] = "hearth-cli";
        char* qtArgv[] = {qtName, nullptr};
        QCoreApplication app(qtArgc, qtArgv);
        storage::KeychainSlot slot(path);
        if (p[1] == "off") {
            slot.forget();
            std::printf("the key is no longer kept in the system keychain; the passphrase is needed to open the history\n");
            return 0;
        }
        if (!storage::isSealedStore(path)) throw storage::StoreError(storage::StoreErrorCode::InvalidInput, path + " is not encrypted");
        storage::unlockStore(path, readPassphrase("Passphrase for the encrypted history: "));
        if (const QString problem = slot.store(); !problem.isEmpty())
            throw storage::StoreError(storage::StoreErrorCode::Io, "the system keychain cannot keep the key: " + problem.toStdString());
        std::printf("the key is in the system keychain: Hearth and hearth-cli open the history without the passphrase\n");
        return 0;
    }
    throw std::invalid_argument(usage);
}

}  // namespace hearth::cli
