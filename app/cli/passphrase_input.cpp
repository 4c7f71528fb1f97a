#include "passphrase_input.h"

#include "storage/keychain_slot.h"
#include "storage/store_keyring.h"

#include <QCoreApplication>

#include <cstdio>
#include <iostream>
#include <memory>
#include <stdexcept>

#ifndef _WIN32
#include <termios.h>
#include <unistd.h>
#endif

namespace hearth::cli {

bool stdinIsTerminal()
{
#ifndef _WIN32
    return ::isatty(STDIN_FILENO) == 1;
#else
    return false;
#endif
}

std::string readPassphrase(const std::string& prompt)
{
    std::string line;
#ifndef _WIN32
    if (stdinIsTerminal()) {
        std::fprintf(stderr, "%s", prompt.c_str());
        std::fflush(stderr);
        termios saved {};
        ::tcgetattr(STDIN_FILENO, &saved);
        termios quiet = saved;
        quiet.c_lflag &= ~tcflag_t(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        std::getline(std::cin, line);
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        std::fprintf(stderr, "\n");
        return line;
    }
#endif
    (void)prompt;
    if (!std::getline(std::cin, line)) throw std::invalid_argument("expected a passphrase on standard input (one line)");
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

void unlockIfEncrypted(const CliArgs& args, const std::string& dbPath)
{
    if (!storage::isSealedStore(dbPath) || storage::sealedVfsFor(dbPath)) return;
    // The key in the system keychain (kept there by the app or `store keychain on`) comes first.
    if (!args.flag("--passphrase-stdin") && storage::KeychainSlot(dbPath).inUse()) {
        std::unique_ptr<QCoreApplication> app;
        static int argc = 1;
        static char name[] = "hearth-cli";
        static char* argv[] = {name, nullptr};
        if (!QCoreApplication::instance()) app = std::make_unique<QCoreApplication>(argc, argv);  // the keychain's D-Bus
        if (storage::KeychainSlot(dbPath).unlock()) return;
    }
    if (!args.flag("--passphrase-stdin") && !stdinIsTerminal()) return;  // Store::open says it is locked
    storage::unlockStore(dbPath, readPassphrase("Passphrase for the encrypted history: "));
}

}  // namespace hearth::cli
