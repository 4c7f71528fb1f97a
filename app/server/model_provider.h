// What the API server serves from: the models it offers and a turn on the engine. Two kinds:
// ModelHost (hearth-cli serve: its own engine, any registered model loaded on request) and the
// app's (the model the app has loaded, run on the app's inference thread between chat replies).
#pragma once

#include "engine/engine.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace hearth::server {

struct ServedModel {
    std::string id;  // what clients send as "model": the file name without .gguf
    std::string path;
    ModelSummary summary;  // from the header, read when the list is made
    int64_t modifiedMs = 0;
};

class ModelProvider {
public:
    virtual ~ModelProvider() = default;
    virtual std::vector<ServedModel> models() const = 0;
    // The model a request names ("" = the loaded one; Ollama's ":latest" tag accepted); throws a
    // 404 ApiError listing the ids when there is no such model.
    virtual ServedModel resolve(const std::string& requested) const = 0;
    virtual std::string loadedId() const = 0;
    // Waits for this request's turn and runs fn with the engine that has `model` loaded.
    virtual void withModel(const ServedModel& model, const std::function<void(Engine&)>& fn) = 0;
};

// The model named `requested` among `models` (the rules of ModelProvider::resolve).
ServedModel findModel(const std::vector<ServedModel>& models, const std::string& requested, const std::string& fallback);

// The models in `paths` (GGUF files; headers read, unreadable ones skipped with a note on stderr).
std::vector<ServedModel> describeModels(const std::vector<std::string>& paths);

}  // namespace hearth::server
