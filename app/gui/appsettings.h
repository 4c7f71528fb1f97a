// Settings as QML and the controllers see them: typed, cached in memory, written through to the
// store. Two layers: the defaults (Settings dialog, new chats) and the open chat's own values.
// A chat remembers its system prompt and sampling settings: changing one while a chat is open
// changes it for that chat and for new chats; opening another chat brings back its values. The
// sampler's defaults (SamplerSettings) are the only source of the sampling defaults.
#pragma once

#include "cppownedsingleton.h"
#include "engine/engine.h"
#include "storage/store.h"

#include <QJsonObject>
#include <QObject>
#include <QVariantMap>
#include <QtQml/qqmlregistration.h>

class QQmlEngine;
class QJSEngine;

namespace hearth::app {

class AppSettings : public QObject, public CppOwnedSingleton<AppSettings> {
    Q_OBJECT
    QML_ELEMENT
    QML_SINGLETON
    Q_PROPERTY(double temperature READ temperature WRITE setTemperature NOTIFY changed)
    Q_PROPERTY(int topK READ topK WRITE setTopK NOTIFY changed)
    Q_PROPERTY(double topP READ topP WRITE setTopP NOTIFY changed)
    Q_PROPERTY(double minP READ minP WRITE setMinP NOTIFY changed)
    Q_PROPERTY(double repeatPenalty READ repeatPenalty WRITE setRepeatPenalty NOTIFY changed)
    Q_PROPERTY(int seed READ seed WRITE setSeed NOTIFY changed)  // -1: a new seed per reply
    Q_PROPERTY(int maxTokens READ maxTokens WRITE setMaxTokens NOTIFY changed)
    Q_PROPERTY(QString systemPrompt READ systemPrompt WRITE setSystemPrompt NOTIFY changed)
    // The chat's Think switch for models whose template has one: "" (the model's default), "on", "off".
    Q_PROPERTY(QString think READ think WRITE setThink NOTIFY changed)
    // Global: the context models are loaded with (next load), the look, the compute device.
    Q_PROPERTY(int contextLength READ contextLength WRITE setContextLength NOTIFY changed)
    Q_PROPERTY(QString theme READ theme WRITE setTheme NOTIFY changed)  // "system", "light", "dark", "contrast"
    Q_PROPERTY(int fontSize READ fontSize WRITE setFontSize NOTIFY changed)  // points; 0: the system's
    Q_PROPERTY(QVariantMap themeColors READ themeColors NOTIFY changed)
    Q_PROPERTY(QString computeDevice READ computeDevice WRITE setComputeDevice NOTIFY changed)
    // GPU offload: how many of a model's layers go to the GPU (the rest run on the CPU); -1: all that fit.
    Q_PROPERTY(int gpuLayers READ gpuLayers WRITE setGpuLayers NOTIFY changed)
    // True while the values shown are an open chat's own.
    Q_PROPERTY(bool chatScoped READ chatScoped NOTIFY changed)

public:
    explicit AppSettings(storage::Store& store, QObject* parent = nullptr);

    double temperature() const { return value("temperature").toDouble(); }
    void setTemperature(double v) { set("temperature", v); }
    int topK() const { return value("top_k").toInt(); }
    void setTopK(int v) { set("top_k", v); }
    double topP() const { return value("top_p").toDouble(); }
    void setTopP(double v) { set("top_p", v); }
    double minP() const { return value("min_p").toDouble(); }
    void setMinP(double v) { set("min_p", v); }
    double repeatPenalty() const { return value("repeat_penalty").toDouble(); }
    void setRepeatPenalty(double v) { set("repeat_penalty", v); }
    int seed() const { return value("seed").toInt(); }
    void setSeed(int v) { set("seed", v); }
    int maxTokens() const { return value("max_tokens").toInt(); }
    void setMaxTokens(int v) { set("max_tokens", std::max(1, v)); }
    QString systemPrompt() const { return value("system_prompt").toString(); }
    void setSystemPrompt(const QString& v) { set("system_prompt", v); }
    QString think() const { return value("think").toString(); }
    void setThink(const QString& v) { set("think", v == "on" || v == "off" ? v : QString()); }
    std::optional<bool> thinking() const;
    int contextLength() const { return value("context_length").toInt(); }
    void setContextLength(int v) { set("context_length", std::max(256, v)); }
    QString theme() const { return value("theme").toString(); }
    void setTheme(const QString& v);
    int fontSize() const { return value("font_size").toInt(); }
    void setFontSize(int v);
    QVariantMap themeColors() const;
    QString computeDevice() const { return value("compute_device").toString(); }
    void setComputeDevice(const QString& v) { set("compute_device", v); }
    int gpuLayers() const { return value("gpu_layers").toInt(); }
    void setGpuLayers(int v) { set("gpu_layers", std::max(-1, v)); }
    bool chatScoped() const { return m_conversation != 0; }

    // The sampler for the next reply (a fixed seed, or a new one per reply).
    SamplerSettings sampler() const;
    // The open chat (0: none): its stored values take over; what is changed is saved to it.
    void setConversation(int64_t id, const std::optional<std::string>& settingsJson);
    // The open chat's stored JSON with its current values (other keys it holds are kept).
    std::string chatJson() const;
    // The settings JSON for a new chat: the current values, and `extra` keys (e.g. its model).
    std::string newChatJson(const QJsonObject& extra) const;

signals:
    void changed();
    void failed(const QString& message);  // a value could not be saved (shown in the error banner)

private:
    QVariant value(const char* key) const;
    void set(const char* key, const QVariant& v);

    storage::Store& m_store;
    QVariantMap m_defaults;  // every key, from the store or the built-in defaults
    QVariantMap m_chat;  // the open chat's per-chat keys
    QJsonObject m_chatStored;  // everything the open chat stored (keys of others kept as they are)
    int64_t m_conversation = 0;
};

}  // namespace hearth::app
