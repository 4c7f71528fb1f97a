// hearth-cli serve (--model F ... | --data-dir D) [--host 127.0.0.1] [--port 8080] [--api-key K]
//                  [--cors-origin O ...] [--port-file P] [--backend … --ctx N --threads N]
// The local API server (OpenAI's /v1 and Ollama's /api) for scripts and other programs. The
// models: each --model, and with --data-dir (or HEARTH_DATA_DIR) the app's registered ones; the
// first --model is loaded at start, others when a request names them.
#include "cli_args.h"
#include "passphrase_input.h"
#include "commands.h"
#include "engine_options.h"

#include "api_server.h"
#include "model_host.h"
#include "storage/data_location.h"
#include "storage/store.h"

#include <csignal>
#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace hearth::cli {

namespace {

server::ApiServer* g_server = nullptr;

void stopOnSignal(int)
{
    if (g_server) g_server->stop();  // httplib's stop only shuts the listening socket down
}

}  // namespace

int runServe(const std::vector<std::string>& argv)
{
    std::set<std::string> options = engineValueOptions();
    options.insert({"--host", "--port", "--api-key", "--cors-origin", "--port-file", "--data-dir", "--max-body"});
    CliArgs args(argv, options, {"--f32-cache", "--registered", "--passphrase-stdin"});

    std::vector<std::string> paths;
    for (const auto& [name, value] : args.values())
        if (name == "--model") paths.push_back(value);
    if (args.flag("--registered") || args.value("--data-dir")) {
        const std::string dbPath = storage::databasePath(storage::dataDirectory(args.value("--data-dir").value_or("")));
        unlockIfEncrypted(args, dbPath);
        auto store = storage::Store::open(dbPath);
        for (const auto& m : store->listModels())
            if (std::find(paths.begin(), paths.end(), m.path) == paths.end()) paths.push_back(m.path);
    }
    if (paths.empty())
        throw std::invalid_argument(
            "usage: hearth-cli serve --model F [--model F2 ...] [--registered] [--host H] [--port N] [--api-key K]");

    server::ServerOptions serverOptions;
    serverOptions.host = args.value("--host").value_or("127.0.0.1");
    const uint64_t port = args.unsignedValue("--port", 8080);
    if (port > 65535) throw std::invalid_argument("--port must be 0..65535");
    serverOptions.port = int(port);
    serverOptions.apiKey = args.value("--api-key").value_or("");
    if (serverOptions.apiKey.empty()) {
        if (const char* key = std::getenv("HEARTH_API_KEY")) serverOptions.apiKey = key;
    }
    for (const auto& [name, value] : args.values())
        if (name == "--cors-origin") serverOptions.corsOrigins.push_back(value);
    serverOptions.maxBodyBytes = size_t(args.unsignedValue("--max-body", serverOptions.maxBodyBytes));

    auto models = server::describeModels(paths);
    if (models.empty()) throw std::runtime_error("none of the models could be read");
    const std::string preload = models.front().path == paths.front() ? models.front().id : std::string();
    EngineOptions engine = engineOptions(args);
    server::ModelHost host(std::move(models), engine, preload);
    server::ApiServer api(host, serverOptions);
    const int bound = api.bind();
    if (auto file = args.value("--port-file")) {
        std::ofstream(*file + ".tmp") << bound << "\n";
        std::rename((*file + ".tmp").c_str(), file->c_str());
    }
    if (serverOptions.host != "127.0.0.1" && serverOptions.host != "localhost" && serverOptions.host != "::1")
        std::fprintf(stderr, "hearth-cli serve: listening on %s: other computers on the network can reach it%s\n",
                     serverOptions.host.c_str(), serverOptions.apiKey.empty() ? ", and no API key is set" : "");
    const auto served = host.models();
    std::fprintf(stderr, "hearth-cli serve: http://%s:%d/v1 (OpenAI) and /api (Ollama); model%s: ", serverOptions.host.c_str(), bound,
                 served.size() > 1 ? "s" : "");
    for (size_t i = 0; i < served.size(); ++i) std::fprintf(stderr, "%s%s", i ? ", " : "", served[i].id.c_str());
    std::fprintf(stderr, "\n");
    g_server = &api;
    std::signal(SIGINT, stopOnSignal);
    std::signal(SIGTERM, stopOnSignal);
    api.run();
    g_server = nullptr;
    std::fprintf(stderr, "hearth-cli serve: stopped after %lld requests\n", static_cast<long long>(api.requestsServed()));
    return 0;
}

}  // namespace hearth::cli
