#include "appsettings.h"

#include "appearance.h"

#include <QDateTime>
#include <QJSEngine>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcSettings, "hearth.settings")

namespace hearth::app {

namespace {

// The keys a chat keeps for itself; the others are the app's.
bool perChat(const QString& key)
{
    static const QStringList keys = {"temperature", "top_k",      "top_p",         "min_p", "repeat_penalty",
                                     "seed",        "max_tokens", "system_prompt", "think"};
    return keys.contains(key);
}

}  // namespace

AppSettings::AppSettings(storage::Store& store, QObject* parent) : QObject(parent), m_store(store)
{
    const SamplerSettings sampler;  // the one source of the sampling defaults
    const struct {
        const char* key;
        QVariant fallback;
    } keys[] = {
        {"temperature", double(sampler.temperature)},
        {"top_k", sampler.topK},
        {"top_p", double(sampler.topP)},
        {"min_p", double(sampler.minP)},
        {"repeat_penalty", double(sampler.repeatPenalty)},
        {"seed", -1},
        {"max_tokens", 512},
        {"system_prompt", QString()},
        {"think", QString()},
        {"context_length", 2048},
        {"theme", QStringLiteral("system")},
        {"font_size", 0},
        {"compute_device", QString()},
        {"gpu_layers", -1},
    };
    for (const auto& [key, fallback] : keys) {
        QVariant v = fallback;
        try {
            switch (fallback.typeId()) {
            case QMetaType::Double: v = m_store.doubleSetting(key, fallback.toDouble()); break;
            case QMetaType::Int: v = int(m_store.intSetting(key, fallback.toInt())); break;
            default: v = QString::fromStdString(m_store.stringSetting(key, fallback.toString().toStdString())); break;
            }
        } catch (const std::exception& e) {
            qCWarning(lcSettings) << "reading" << key << "failed, using the default:" << e.what();
        }
        m_defaults.insert(QString::fromLatin1(key), v);
    }
    applyAppearance(theme(), fontSize());
}

QVariant AppSettings::value(const char* key) const
{
    const QString k = QString::fromLatin1(key);
    auto chat = m_chat.constFind(k);
    return chat != m_chat.constEnd() ? *chat : m_defaults.value(k);
}

void AppSettings::set(const char* key, const QVariant& v)
{
    const QString k = QString::fromLatin1(key);
    if (value(key) == v) return;
    m_defaults.insert(k, v);
    if (m_conversation && perChat(k)) m_chat.insert(k, v);
    try {
        switch (v.typeId()) {
        case QMetaType::Double: m_store.setSetting(key, v.toDouble()); break;
        case QMetaType::Int: m_store.setSetting(key, int64_t(v.toInt())); break;
        default: m_store.setSetting(key, v.toString().toStdString()); break;
        }
        if (m_conversation && perChat(k)) m_store.setConversationSettings(m_conversation, chatJson());
    } catch (const std::exception& e) {
        emit failed(tr("Could not save the setting: %1").arg(QString::fromUtf8(e.what())));
    }
    emit changed();
}

void AppSettings::setTheme(const QString& v)
{
    set("theme", v);
    applyAppearance(theme(), fontSize());
}

void AppSettings::setFontSize(int v)
{
    set("font_size", v);
    applyAppearance(theme(), fontSize());
}

QVariantMap AppSettings::themeColors() const { return hearth::app::themeColors(theme()); }

std::optional<bool> AppSettings::thinking() const
{
    const QString v = think();
    if (v == "on") return true;
    if (v == "off") return false;
    return std::nullopt;
}

SamplerSettings AppSettings::sampler() const
{
    SamplerSettings s;
    s.temperature = float(temperature());
    s.topK = topK();
    s.topP = float(topP());
    s.minP = float(minP());
    s.repeatPenalty = float(repeatPenalty());
    s.seed = seed() >= 0 ? uint64_t(seed()) : uint64_t(QDateTime::currentMSecsSinceEpoch());
    return s;
}

void AppSettings::setConversation(int64_t id, const std::optional<std::string>& settingsJson)
{
    m_conversation = id;
    m_chat.clear();
    m_chatStored = {};
    if (id) {
        // A chat without stored values (made before chats kept them) starts from the defaults.
        const QJsonObject stored =
            settingsJson ? QJsonDocument::fromJson(QByteArray::fromStdString(*settingsJson)).object() : QJsonObject();
        m_chatStored = stored;
        for (auto it = m_defaults.constBegin(); it != m_defaults.constEnd(); ++it) {
            if (!perChat(it.key())) continue;
            const QJsonValue v = stored.value(it.key());
            if (v.isUndefined()) m_chat.insert(it.key(), it.value());
            else if (it.value().typeId() == QMetaType::Int) m_chat.insert(it.key(), v.toInt());
            else if (it.value().typeId() == QMetaType::Double) m_chat.insert(it.key(), v.toDouble());
            else m_chat.insert(it.key(), v.toString());
        }
    }
    emit changed();
}

std::string AppSettings::chatJson() const
{
    QJsonObject json = m_chatStored;
    for (auto it = m_defaults.constBegin(); it != m_defaults.constEnd(); ++it)
        if (perChat(it.key())) json.insert(it.key(), QJsonValue::fromVariant(value(it.key().toLatin1().constData())));
    return QJsonDocument(json).toJson(QJsonDocument::Compact).toStdString();
}

std::string AppSettings::newChatJson(const QJsonObject& extra) const
{
    QJsonObject json = extra;
    for (auto it = m_defaults.constBegin(); it != m_defaults.constEnd(); ++it)
        if (perChat(it.key())) json.insert(it.key(), QJsonValue::fromVariant(it.value()));
    return QJsonDocument(json).toJson(QJsonDocument::Compact).toStdString();
}

}  // namespace hearth::app
