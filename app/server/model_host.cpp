#include "model_host.h"

#include "api_error.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

namespace hearth::server {

namespace {

std::string idFromPath(const std::string& path)
{
    std::string name = std::filesystem::path(path).filename().string();
    if (name.size() > 5 && name.compare(name.size() - 5, 5, ".gguf") == 0) name.resize(name.size() - 5);
    return name;
}

}  // namespace

std::vector<ServedModel> describeModels(const std::vector<std::string>& paths)
{
    std::vector<ServedModel> out;
    for (const auto& path : paths) {
        try {
            ServedModel m;
            m.path = path;
            m.summary = readModelSummary(path);
            m.id = idFromPath(path);
            std::error_code ec;
            const auto time = std::filesystem::last_write_time(path, ec);
            if (!ec)
                m.modifiedMs =
                    std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::file_clock::to_sys(time).time_since_epoch()).count();
            // Two files with one name: the later one is told apart by its folder.
            for (const auto& other : out)
                if (other.id == m.id) m.id = std::filesystem::path(path).parent_path().filename().string() + "/" + m.id;
            out.push_back(std::move(m));
        } catch (const std::exception& e) {
            std::fprintf(stderr, "hearth-cli serve: skipping %s: %s\n", path.c_str(), e.what());
        }
    }
    return out;
}

ModelHost::ModelHost(std::vector<ServedModel> models, EngineOptions options, const std::string& preload)
    : m_models(std::move(models)), m_options(std::move(options))
{
    if (!preload.empty()) {
        const ServedModel m = resolve(preload);
        m_engine = Engine::open(m.path, m_options);
        m_loaded = m.id;
    }
}

ModelHost::~ModelHost() = default;

ServedModel findModel(const std::vector<ServedModel>& models, const std::string& requested, const std::string& fallback)
{
    std::string name = requested.empty() ? fallback : requested;
    // Ollama's clients add a tag; Hearth's models have one version each.
    if (name.size() > 7 && name.compare(name.size() - 7, 7, ":latest") == 0) name.resize(name.size() - 7);
    for (const auto& m : models)
        if (m.id == name) return m;
    std::string list;
    for (const auto& m : models) list += (list.empty() ? "" : ", ") + m.id;
    throw ApiError(404, "invalid_request_error", "model_not_found",
                   "The model '" + (requested.empty() ? name : requested) +
                       "' does not exist here. Available: " + (list.empty() ? "none" : list));
}

ServedModel ModelHost::resolve(const std::string& requested) const
{
    std::string fallback;
    {
        std::lock_guard lock(m_mutex);
        fallback = m_loaded.empty() && !m_models.empty() ? m_models.front().id : m_loaded;
    }
    return findModel(m_models, requested, fallback);
}

std::string ModelHost::loadedId() const
{
    std::lock_guard lock(m_mutex);
    return m_loaded;
}

int64_t ModelHost::waiting() const
{
    std::lock_guard lock(m_mutex);
    return int64_t(m_nextTicket - m_serving) - 1;
}

void ModelHost::withModel(const ServedModel& model, const std::function<void(Engine&)>& fn)
{
    std::unique_lock lock(m_mutex);
    const uint64_t ticket = m_nextTicket++;
    m_turn.wait(lock, [&] { return m_serving == ticket; });
    // Whatever happens, the next ticket gets its turn.
    struct NextTurn {
        ModelHost& host;
        ~NextTurn()
        {
            std::lock_guard relock(host.m_mutex);
            ++host.m_serving;
            host.m_turn.notify_all();
        }
    } next {*this};
    if (m_loaded != model.id || !m_engine) {
        m_engine.reset();  // the old one's memory goes before the new one's arrives
        m_loaded.clear();
        lock.unlock();
        auto engine = Engine::open(model.path, m_options);
        lock.lock();
        m_engine = std::move(engine);
        m_loaded = model.id;
    }
    Engine& engine = *m_engine;
    lock.unlock();
    try {
        fn(engine);
    } catch (const Error& e) {
        if (e.code() == ErrorCode::DeviceLost) {  // its GPU memory is gone: the next request loads it again
            std::fprintf(stderr, "hearth-cli serve: %s; the model will be loaded again for the next request\n", e.what());
            std::lock_guard relock(m_mutex);
            m_engine.reset();
            m_loaded.clear();
        }
        throw;
    }
}

}  // namespace hearth::server
