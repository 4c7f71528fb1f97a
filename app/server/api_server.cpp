#include "api_server.h"

#include "api_error.h"
#include "reply_format.h"
#include "request_fields.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace hearth::server {

using json = nlohmann::ordered_json;

namespace {

constexpr const char* kOllamaVersion = "0.6.4";  // the Ollama API these endpoints follow

// OpenAI's shape, {"error": {"message", "type", "code"}}; Ollama's endpoints answer as Ollama
// does, {"error": "message"} (its clients read a string).
void sendError(const httplib::Request& req, httplib::Response& res, const ApiError& e)
{
    res.status = e.status();
    const bool ollama = req.path.rfind("/api/", 0) == 0;
    const json body =
        ollama ? json({{"error", e.what()}}) : json({{"error", {{"message", e.what()}, {"type", e.type()}, {"code", e.code()}}}});
    res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

std::string parameterLabel(uint64_t n)
{
    char buffer[32];
    if (n >= 1'000'000'000) std::snprintf(buffer, sizeof buffer, "%.1fB", double(n) / 1e9);
    else if (n >= 1'000'000) std::snprintf(buffer, sizeof buffer, "%.1fM", double(n) / 1e6);
    else std::snprintf(buffer, sizeof buffer, "%.0fK", double(n) / 1e3);
    return buffer;
}

std::string isoTime(int64_t ms)
{
    const std::time_t t = std::time_t(ms / 1000);
    std::tm tm {};
    gmtime_r(&t, &tm);
    char buffer[40];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

json ollamaDetails(const ServedModel& m)
{
    return {{"parent_model", ""},
            {"format", "gguf"},
            {"family", m.summary.architecture},
            {"families", json::array({m.summary.architecture})},
            {"parameter_size", parameterLabel(m.summary.parameterCount)},
            {"quantization_level", m.summary.dominantWeightType}};
}

}  // namespace

ApiServer::ApiServer(ModelProvider& host, ServerOptions options)
    : m_host(host), m_options(std::move(options)), m_http(std::make_unique<httplib::Server>())
{
    const int threads = std::max(2, m_options.threads);
    m_http->new_task_queue = [threads] { return new httplib::ThreadPool(size_t(threads)); };
    m_http->set_payload_max_length(m_options.maxBodyBytes);
    m_http->set_read_timeout(30, 0);
    m_http->set_write_timeout(30, 0);
    addRoutes();
}

ApiServer::~ApiServer() { stop(); }

int ApiServer::bind()
{
    const int port = m_options.port == 0 ? m_http->bind_to_any_port(m_options.host)
                                         : (m_http->bind_to_port(m_options.host, m_options.port) ? m_options.port : -1);
    if (port <= 0)
        throw std::runtime_error("cannot listen on " + m_options.host + ":" + std::to_string(m_options.port) +
                                 " (in use, or not an address of this computer)");
    return port;
}

void ApiServer::run() { m_http->listen_after_bind(); }

void ApiServer::stop()
{
    m_stopping = true;
    if (m_http) m_http->stop();
}

void ApiServer::addRoutes()
{
    httplib::Server& http = *m_http;

    // Every request: count it, answer CORS for allowed origins, check the key.
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
        ++m_requests;
        const std::string origin = req.get_header_value("Origin");
        if (!origin.empty() &&
            std::find(m_options.corsOrigins.begin(), m_options.corsOrigins.end(), origin) != m_options.corsOrigins.end()) {
            res.set_header("Access-Control-Allow-Origin", origin);
            res.set_header("Vary", "Origin");
            res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
            res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
        }
        if (req.method == "OPTIONS") {
            res.status = 204;
            return httplib::Server::HandlerResponse::Handled;
        }
        if (!m_options.apiKey.empty() && req.get_header_value("Authorization") != "Bearer " + m_options.apiKey) {
            sendError(req, res,
                      ApiError(401, "invalid_request_error", "invalid_api_key",
                               "this server needs an API key: send 'Authorization: Bearer <key>'"));
            return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
    });
    http.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        try {
            std::rethrow_exception(ep);
        } catch (const ApiError& e) {
            sendError(req, res, e);
        } catch (const Error& e) {
            // The engine refused (a prompt longer than the context, a model that cannot load).
            sendError(req, res,
                      ApiError(e.code() == ErrorCode::InvalidArgument ? 400 : 500, "server_error", errorCodeName(e.code()), e.what()));
        } catch (const std::exception& e) {
            sendError(req, res, ApiError(500, "server_error", "internal_error", e.what()));
        }
    });
    http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return;  // a handler's own error
        if (res.status == 404)
            sendError(req, res, ApiError(404, "invalid_request_error", "not_found", "no endpoint " + req.method + " " + req.path));
        else if (res.status == 413)
            sendError(req, res, ApiError(413, "invalid_request_error", "body_too_large", "the request body is too large"));
        else
            sendError(
                req, res,
                ApiError(res.status, "invalid_request_error", "http_" + std::to_string(res.status), "the request could not be served"));
    });

    // One line per generation: what a user debugging a client wants to see (no message text).
    auto logJob = [this](const std::string& path, const ServedModel& model, bool stream, const JobResult& r) {
        if (!m_options.logRequests) return;
        const double seconds = r.promptSeconds + r.generateSeconds;
        std::fprintf(stderr, "hearth serve: %s %s%s: %lld prompt + %lld reply tokens, %s, %.1f tokens/s\n", path.c_str(), model.id.c_str(),
                     stream ? " (stream)" : "", static_cast<long long>(r.promptTokens), static_cast<long long>(r.completionTokens),
                     r.reason == FinishReason::Cancelled ? "cancelled (the client left)" : finishReasonName(r.reason),
                     seconds > 0 ? double(r.completionTokens) / seconds : 0.0);
    };
    // A generation, whole or streamed, in any dialect.
    auto generate = [this, logJob](const httplib::Request& req, httplib::Response& res, GenerationJob job, ServedModel model,
                                   std::shared_ptr<ReplyFormat> format) {
        if (!job.stream) {
            JobResult result;
            m_host.withModel(model, [&](Engine& engine) {
                result = runJob(engine, job, [this](const std::string&, const std::string&) { return !m_stopping.load(); });
            });
            logJob(req.path, model, false, result);
            if (job.chat && m_options.onChatTurn && result.reason != FinishReason::Cancelled)
                m_options.onChatTurn(model.id, job.messages, result);
            res.set_content(format->whole(result), "application/json");
            return;
        }
        auto state = std::make_shared<GenerationJob>(std::move(job));
        res.set_header("Cache-Control", "no-cache");
        res.set_chunked_content_provider(
            format->streamContentType(), [this, state, model, format, logJob, path = req.path](size_t, httplib::DataSink& sink) {
                bool open = true;
                auto send = [&](const std::string& text) {
                    if (open && !text.empty()) open = sink.write(text.data(), text.size());
                    return open;
                };
                send(format->streamStart());
                try {
                    m_host.withModel(model, [&](Engine& engine) {
                        const JobResult result = runJob(engine, *state, [&](const std::string& answer, const std::string& reasoning) {
                            return send(format->streamDelta(answer, reasoning)) && !m_stopping.load();
                        });
                        send(format->streamEnd(result));
                        logJob(path, model, true, result);
                        if (state->chat && m_options.onChatTurn && result.reason != FinishReason::Cancelled)
                            m_options.onChatTurn(model.id, state->messages, result);
                    });
                } catch (const std::exception& e) {
                    // The status line has gone out: the error travels in the stream.
                    send("data: " +
                         json({{"error", {{"message", e.what()}, {"type", "server_error"}}}})
                             .dump(-1, ' ', false, json::error_handler_t::replace) +
                         "\n\n");
                }
                sink.done();
                return true;
            });
    };

    // ---- OpenAI
    http.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
        json data = json::array();
        for (const auto& m : m_host.models())
            data.push_back({{"id", m.id}, {"object", "model"}, {"created", m.modifiedMs / 1000}, {"owned_by", "hearth"}});
        res.set_content(json({{"object", "list"}, {"data", data}}).dump(), "application/json");
    });
    http.Get(R"(/v1/models/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
        const ServedModel m = m_host.resolve(req.matches[1]);
        res.set_content(json({{"id", m.id}, {"object", "model"}, {"created", m.modifiedMs / 1000}, {"owned_by", "hearth"}}).dump(),
                        "application/json");
    });
    http.Post("/v1/chat/completions", [this, generate](const httplib::Request& req, httplib::Response& res) {
        GenerationJob job = parseOpenAiChat(parseBody(req.body), m_options.limits);
        const ServedModel model = m_host.resolve(job.model);
        const bool usage = job.includeUsage, tools = !job.toolsJson.empty();
        generate(req, res, std::move(job), model, openAiChatFormat(model.id, usage, tools));
    });
    http.Post("/v1/completions", [this, generate](const httplib::Request& req, httplib::Response& res) {
        GenerationJob job = parseOpenAiCompletion(parseBody(req.body), m_options.limits);
        const ServedModel model = m_host.resolve(job.model);
        const bool usage = job.includeUsage;
        generate(req, res, std::move(job), model, openAiCompletionFormat(model.id, usage));
    });

    // ---- Ollama
    http.Get("/", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("Hearth is running (OpenAI- and Ollama-compatible API)", "text/plain");
    });
    http.Get("/api/version", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(json({{"version", kOllamaVersion}}).dump(), "application/json");
    });
    http.Get("/api/tags", [this](const httplib::Request&, httplib::Response& res) {
        json models = json::array();
        for (const auto& m : m_host.models())
            models.push_back({{"name", m.id + ":latest"},
                              {"model", m.id + ":latest"},
                              {"modified_at", isoTime(m.modifiedMs)},
                              {"size", m.summary.fileBytes},
                              {"digest", ""},
                              {"details", ollamaDetails(m)}});
        res.set_content(json({{"models", models}}).dump(), "application/json");
    });
    http.Get("/api/ps", [this](const httplib::Request&, httplib::Response& res) {
        json models = json::array();
        const std::string loaded = m_host.loadedId();
        for (const auto& m : m_host.models())
            if (m.id == loaded)
                models.push_back({{"name", m.id + ":latest"},
                                  {"model", m.id + ":latest"},
                                  {"size", m.summary.fileBytes},
                                  {"details", ollamaDetails(m)}});
        res.set_content(json({{"models", models}}).dump(), "application/json");
    });
    http.Post("/api/show", [this](const httplib::Request& req, httplib::Response& res) {
        const json body = parseBody(req.body);
        RequestFields f(body, "request");
        auto name = f.string("model");
        if (!name) name = f.string("name");
        f.ignore({"verbose"});
        f.rejectUnknown();
        if (!name) throw ApiError::badRequest("'model' is required");
        const ServedModel m = m_host.resolve(*name);
        const ModelSummary& s = m.summary;
        json info = {{"general.architecture", s.architecture},
                     {"general.name", s.name},
                     {"general.parameter_count", s.parameterCount},
                     {s.architecture + ".context_length", s.contextLength},
                     {s.architecture + ".embedding_length", s.embeddingLength},
                     {s.architecture + ".block_count", s.blockCount}};
        res.set_content(json({{"modelfile", ""},
                              {"parameters", ""},
                              {"template", ""},
                              {"details", ollamaDetails(m)},
                              {"model_info", info},
                              {"capabilities", json::array({"completion"})},
                              {"modified_at", isoTime(m.modifiedMs)}})
                            .dump(-1, ' ', false, json::error_handler_t::replace),
                        "application/json");
    });
    http.Post("/api/chat", [this, generate](const httplib::Request& req, httplib::Response& res) {
        GenerationJob job = parseOllamaChat(parseBody(req.body), m_options.limits);
        const ServedModel model = m_host.resolve(job.model);
        const bool tools = !job.toolsJson.empty();
        generate(req, res, std::move(job), model, ollamaChatFormat(model.id, tools));
    });
    http.Post("/api/generate", [this, generate](const httplib::Request& req, httplib::Response& res) {
        GenerationJob job = parseOllamaGenerate(parseBody(req.body), m_options.limits);
        const ServedModel model = m_host.resolve(job.model);
        generate(req, res, std::move(job), model, ollamaGenerateFormat(model.id));
    });
}

}  // namespace hearth::server
