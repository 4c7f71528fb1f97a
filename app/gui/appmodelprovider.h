// The API server inside the app serves the model the app has loaded, on the app's inference
// thread: an API request takes its turn between chat replies (the GUI thread never waits), and
// the app's model is not swapped by a request (another model is a 404 that names the loaded one).
#pragma once

#include "model_provider.h"

#include <QString>

#include <mutex>
#include <optional>

namespace hearth::app {

class InferenceWorker;

class AppModelProvider : public server::ModelProvider {
public:
    explicit AppModelProvider(InferenceWorker& worker) : m_worker(worker) { }

    // GUI thread: the app loaded `path` ("" when none is loaded).
    void setLoaded(const QString& path);

    // Any thread (the server's).
    std::vector<server::ServedModel> models() const override;
    server::ServedModel resolve(const std::string& requested) const override;
    std::string loadedId() const override;
    void withModel(const server::ServedModel& model, const std::function<void(Engine&)>& fn) override;

private:
    InferenceWorker& m_worker;
    mutable std::mutex m_mutex;
    std::optional<server::ServedModel> m_loaded;
};

}  // namespace hearth::app
