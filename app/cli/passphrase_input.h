// Passphrases for an encrypted history on the command line: read from standard input (one per
// line, for scripts and tests) or typed at a terminal without echo. Never from an argument or
// an environment variable, where other processes could read them.
#pragma once

#include "cli_args.h"

#include <string>

namespace hearth::cli {

bool stdinIsTerminal();

// The next passphrase: a line of standard input, or typed at the terminal after `prompt`.
std::string readPassphrase(const std::string& prompt);

// Unlocks the database at dbPath when it is encrypted and a passphrase can be had
// (--passphrase-stdin, or a terminal). Otherwise opening it reports that it is locked.
void unlockIfEncrypted(const CliArgs& args, const std::string& dbPath);

}  // namespace hearth::cli
