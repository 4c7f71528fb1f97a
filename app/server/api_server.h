// Hearth's local API server: OpenAI's /v1 endpoints and Ollama's /api endpoints over the models
// a ModelProvider offers, on cpp-httplib. Safe by default: it binds 127.0.0.1 unless told otherwise,
// an API key (when set) guards every request, request bodies and conversations are bounded,
// CORS is answered only for the origins allowed, and no request path reads a file.
#pragma once

#include "generation_job.h"
#include "model_provider.h"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace httplib {
class Server;
}

namespace hearth::server {

struct ServerOptions {
    std::string host = "127.0.0.1";
    int port = 8080;  // 0: any free port (bind() says which)
    std::string apiKey;  // empty: no key needed
    std::vector<std::string> corsOrigins;  // exact origins allowed to call from a browser
    size_t maxBodyBytes = 4u << 20;
    int threads = 32;  // connections served at once (streams waiting for the model hold one each)
    RequestLimits limits;
    bool logRequests = true;  // one line per generation on stderr (tokens, speed, how it ended)
    // Called (on a server thread) after each chat turn completes: the app saves API chats to
    // its history with it when the user asked for that.
    std::function<void(const std::string& modelId, const std::vector<ChatMessage>& messages, const JobResult& reply)> onChatTurn;
};

class ApiServer {
public:
    ApiServer(ModelProvider& host, ServerOptions options);
    ~ApiServer();

    // Binds the address; returns the port. Throws std::runtime_error when it cannot.
    int bind();
    void run();  // serves until stop()
    // Stops listening, and every generation in progress stops at its next token.
    void stop();
    int64_t requestsServed() const { return m_requests.load(); }

private:
    void addRoutes();

    ModelProvider& m_host;
    ServerOptions m_options;
    std::unique_ptr<httplib::Server> m_http;
    std::atomic<int64_t> m_requests {0};
    std::atomic<bool> m_stopping {false};
};

}  // namespace hearth::server
