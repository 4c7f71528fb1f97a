#include "appmodelprovider.h"

#include "api_error.h"
#include "inferenceworker.h"

namespace hearth::app {

void AppModelProvider::setLoaded(const QString& path)
{
    std::optional<server::ServedModel> loaded;
    if (!path.isEmpty()) {
        auto described = server::describeModels({path.toStdString()});
        if (!described.empty()) loaded = described.front();
    }
    std::lock_guard lock(m_mutex);
    m_loaded = std::move(loaded);
}

std::vector<server::ServedModel> AppModelProvider::models() const
{
    std::lock_guard lock(m_mutex);
    return m_loaded ? std::vector<server::ServedModel> {*m_loaded} : std::vector<server::ServedModel> {};
}

server::ServedModel AppModelProvider::resolve(const std::string& requested) const
{
    const auto list = models();
    if (list.empty())
        throw server::ApiError(503, "server_error", "model_not_loaded", "no model is loaded in Hearth; load one in the app first");
    return server::findModel(list, requested, list.front().id);
}

std::string AppModelProvider::loadedId() const
{
    std::lock_guard lock(m_mutex);
    return m_loaded ? m_loaded->id : std::string();
}

void AppModelProvider::withModel(const server::ServedModel& model, const std::function<void(Engine&)>& fn)
{
    if (loadedId() != model.id)
        throw server::ApiError(409, "server_error", "model_changed",
                               "the app switched to another model while this request waited; send it again");
    if (!m_worker.runWithEngine(fn))
        throw server::ApiError(503, "server_error", "model_not_loaded", "no model is loaded in Hearth; load one in the app first");
}

}  // namespace hearth::app
