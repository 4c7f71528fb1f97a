// The models the server offers and the one it has loaded. Requests take turns on the model in
// arrival order (a ticket queue: one generation at a time on one KV cache, the way the app's
// chat uses it); asking for another model loads it in that turn.
#pragma once

#include "model_provider.h"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace hearth::server {

class ModelHost : public ModelProvider {
public:
    // `preload`: the id of the model to load now (the one `serve --model` names); may be empty.
    ModelHost(std::vector<ServedModel> models, EngineOptions options, const std::string& preload);
    ~ModelHost();

    std::vector<ServedModel> models() const override { return m_models; }
    ServedModel resolve(const std::string& requested) const override;
    std::string loadedId() const override;
    // Waits for this request's turn, loads `model` if another one is loaded, and runs fn with
    // the engine. Nothing else uses the engine meanwhile.
    void withModel(const ServedModel& model, const std::function<void(Engine&)>& fn) override;
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

}  // namespace hearth::server
