// hearth-cli: Hearth's engine from the command line: model info, devices, tokenize, run,
// perplexity.
#include "commands.h"

#include "engine/engine.h"
#include "storage/store_error.h"

#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

void printUsage(std::FILE* out)
{
    std::fputs(
        "usage: hearth-cli <command> [options]\n"
        "\n"
        "commands:\n"
        "  info FILE [--json] [--ctx N]   summarize a GGUF model file (memory estimate for N tokens)\n"
        "  devices [--json]               list Vulkan devices, the CPU backend and the automatic choice\n"
        "  selftest [--device D] [--model F] [--json]   every Vulkan kernel (the model's types) against the CPU\n"
        "  run --model F --prompt TEXT [-n N] [--temp T --top-k K --top-p P --min-p M\n"
        "      --repeat-penalty R --seed S --stop TEXT] [--ctx N] [--backend auto|vulkan|cpu|cpu-reference] [--device D] [--threads N]\n"
        "      [--parse-special]          generate text, streamed to stdout; speed on stderr\n"
        "  perplexity --model F --file TEXT [--ctx N] [--chunks N] [--kl-divergence-base OUT]\n"
        "             | --model F --kl-divergence BASE   llama.cpp-compatible perplexity and KL divergence\n"
        "  tokenize --model F [--no-bos] [--parse-special] [--json] (TEXT | -)\n"
        "  template (--model F | --template FILE.jinja) --messages conv.json [--no-generation-prompt]\n"
        "           [--bos-token S --eos-token S]   print exactly the formatted prompt\n"
        "  bench --model F [-p N] [-n N] [--repetitions R] [--threads N] [--llama-cpp NODE_MODULES]\n"
        "                                 tokens/s and peak memory, optionally beside llama.cpp\n"
        "  store [--data-dir DIR] [--passphrase-stdin] status [--json] | encrypt | decrypt | passphrase | keychain on|off\n"
        "                                 encrypt the chat history at rest (passphrases: one line each on stdin)\n"
        "  chats [--data-dir DIR] [--passphrase-stdin] list [--json] | show ID [--json] | search QUERY [--json]\n"
        "        | export ID --format md|json | import FILE.json | delete ID | delete --all --yes | recover\n"
        "                                 the app's conversations (HEARTH_DATA_DIR selects another folder)\n"
        "  models [--data-dir DIR] [--passphrase-stdin] catalog | search QUERY | files REPO | preview REPO:FILE\n"
        "         | pull (REPO[:FILE|:QUANT] | CATALOG-ID[:QUANT]) | list | scan | rm NAME   [--json]\n"
        "                                 find, download (resumable, verified) and list models\n"
        "  serve --model F [--model F2 ...] [--registered] [--host 127.0.0.1] [--port 8080] [--api-key K]\n"
        "        [--cors-origin O] [--backend ...] [--ctx N]   OpenAI- and Ollama-compatible API server\n"
        "  --version                      print the version\n"
        "  help                           this text\n",
        out);
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc < 2) {
        printUsage(stderr);
        return 2;
    }
    std::string command = argv[1];
    std::vector<std::string> args(argv + 2, argv + argc);
    try {
        if (command == "--version" || command == "version") {
            std::printf("hearth-cli %s\n", HEARTH_VERSION);
            return 0;
        }
        if (command == "help" || command == "--help" || command == "-h") {
            printUsage(stdout);
            return 0;
        }
        if (command == "info") return hearth::cli::runInfo(args);
        if (command == "devices") return hearth::cli::runDevices(args);
        if (command == "run") return hearth::cli::runGenerate(args);
        if (command == "perplexity") return hearth::cli::runPerplexity(args);
        if (command == "tokenize") return hearth::cli::runTokenize(args);
        if (command == "bench") return hearth::cli::runBench(args);
        if (command == "chats") return hearth::cli::runChats(args);
        if (command == "template") return hearth::cli::runTemplate(args);
        if (command == "models") return hearth::cli::runModels(args);
        if (command == "serve") return hearth::cli::runServe(args);
        if (command == "selftest") return hearth::cli::runSelfTest(args);
        if (command == "store") return hearth::cli::runStore(args);
        std::fprintf(stderr, "hearth-cli: unknown command '%s'\n\n", command.c_str());
        printUsage(stderr);
        return 2;
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "hearth-cli %s: %s\n", command.c_str(), e.what());
        return 2;
    } catch (const hearth::storage::StoreError& e) {
        std::fprintf(stderr, "hearth-cli %s: error (%s): %s\n", command.c_str(), hearth::storage::storeErrorCodeName(e.code()), e.what());
        return 1;
    } catch (const hearth::Error& e) {
        std::fprintf(stderr, "hearth-cli %s: error (%s): %s\n", command.c_str(), hearth::errorCodeName(e.code()), e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "hearth-cli %s: error: %s\n", command.c_str(), e.what());
        return 1;
    }
}
