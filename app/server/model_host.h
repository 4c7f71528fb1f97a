// The models the server offers and the one it has loaded. Requests take turns on the model in
// arrival order (a ticket queue: one generation at a time on one KV cache, the way the app's
// chat uses it); asking for another model loads it in that turn.
#pragma once

#include "engine/engine.h"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace hearth::server {

struct ServedModel {
    std::string id;  // what clients send as "model": the file name without .gguf
    std::string path;
    ModelSummary summary;  // from the header, read when the list is made
    int64_t modifiedMs = 0;
};

class ModelHost {
public:
    // `preload`: the id of the model to load now (the one `serve --model` names); may be empty.
    ModelHost(std::vector<ServedModel> models, EngineOptions options, const std::string& preload);
    ~ModelHost();

    const std::vector<ServedModel>& models() const { return m_models; }
    // The model a request names ("" or unknown-but-":latest"-suffixed forms resolved); throws a
    // 404 ApiError listing the ids when there is no such model.
    const ServedModel& resolve(const std::string& requested) const;
    std::string loadedId() const;

    // Waits for this request's turn, loads `model` if another one is loaded, and runs fn with
    // the engine. Nothing else uses the engine meanwhile.
    void withModel(const ServedModel& model, const std::function<void(Engine&)>& fn);
    int64_t waiting() const;  // requests queued behind the running one

private:
    std::vector<ServedModel> m_models;
    EngineOptions m_options;
    std::unique_ptr<Engine> m_engine;
    std::string m_loaded;
    mutable std::mutex m_mutex;
    std::condition_variable m_turn;
    uint64_t m_nextTicket = 0, m_serving = 0;
};

// The models in `paths` (GGUF files; headers read, unreadable ones skipped with a note on stderr).
std::vector<ServedModel> describeModels(const std::vector<std::string>& paths);

}  // namespace hearth::server
