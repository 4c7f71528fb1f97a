#include "servercontroller.h"

#include "api_server.h"
#include "inferenceworker.h"
#include "modelcontroller.h"
#include "storage/store.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QPointer>
#include <QRandomGenerator>
#include <QSaveFile>

Q_LOGGING_CATEGORY(lcServer, "hearth.server")

namespace hearth::app {

namespace {
constexpr int kDefaultPort = 8080;
}

ServerController::ServerController(storage::Store& store, ModelController& models, QObject* parent)
    : QObject(parent), m_store(store), m_models(models), m_dataDir(QFileInfo(QString::fromStdString(store.path())).absolutePath())
{
    m_provider = std::make_unique<AppModelProvider>(*models.worker());
    connect(&m_models, &ModelController::modelChanged, this, [this] {
        m_provider->setLoaded(m_models.modelLoaded() ? m_models.modelPath() : QString());
        emit changed();
    });
    m_poll.setInterval(1000);
    connect(&m_poll, &QTimer::timeout, this, &ServerController::requestsChanged);
    apply();
}

ServerController::~ServerController() { shutdown(); }

bool ServerController::enabled() const { return m_store.boolSetting("server.enabled", false); }
int ServerController::port() const { return int(m_store.intSetting("server.port", kDefaultPort)); }
bool ServerController::allowNetwork() const { return m_store.boolSetting("server.allow_network", false); }
QString ServerController::apiKeyPath() const { return m_dataDir + QStringLiteral("/api-key"); }
bool ServerController::hasApiKey() const { return !readApiKey().isEmpty(); }
bool ServerController::saveChats() const { return m_store.boolSetting("server.save_chats", false); }

void ServerController::setSaveChats(bool save)
{
    m_store.setSetting("server.save_chats", save);
    emit changed();
}

void ServerController::saveChat(const QString& modelId, const std::vector<ChatMessage>& messages, const QString& answer,
                                const QString& reasoning)
{
    if (!saveChats()) return;
    try {
        if (!m_history) m_history = storage::Store::open(m_store.path());
        std::string title;
        for (const auto& m : messages)
            if (m.role == "user") title = m.content;
        title = "API: " + QString::fromStdString(title).simplified().left(60).toStdString();
        m_history->inTransaction([&] {
            const int64_t conversation = m_history->createConversation(title, modelId.toStdString());
            std::optional<int64_t> parent;
            for (const auto& m : messages) {
                if (m.role != "system" && m.role != "user" && m.role != "assistant") continue;  // tool turns are not kept
                parent = m_history->addMessage(conversation, parent, {m.role, m.content, m.reasoning, std::nullopt});
            }
            m_history->addMessage(conversation, parent,
                                  {"assistant", answer.toStdString(),
                                   reasoning.isEmpty() ? std::nullopt : std::optional(reasoning.toStdString()), modelId.toStdString()});
        });
    } catch (const std::exception& e) {
        qCWarning(lcServer) << "saving an API chat:" << e.what();
    }
}
qint64 ServerController::requests() const { return m_server ? qint64(m_server->requestsServed()) : 0; }

QString ServerController::readApiKey() const
{
    QFile file(apiKeyPath());
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()).trimmed() : QString();
}

void ServerController::setEnabled(bool enabled)
{
    m_store.setSetting("server.enabled", enabled);
    apply();
}

void ServerController::setPort(int port)
{
    if (port < 1 || port > 65535) return;
    m_store.setSetting("server.port", int64_t(port));
    apply();
}

void ServerController::setAllowNetwork(bool allow)
{
    m_store.setSetting("server.allow_network", allow);
    apply();
}

QString ServerController::createApiKey()
{
    QString key = QStringLiteral("hearth-");
    for (int i = 0; i < 4; ++i) key += QString::number(QRandomGenerator::system()->generate64(), 16).rightJustified(16, QLatin1Char('0'));
    QSaveFile file(apiKeyPath());
    // Owner-only before the key is written.
    if (!file.open(QIODevice::WriteOnly) || !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner) ||
        file.write(key.toUtf8()) < 0 || !file.commit()) {
        m_problem = tr("Cannot save the API key in %1: %2").arg(apiKeyPath(), file.errorString());
        emit changed();
        return {};
    }
    apply();
    return key;
}

void ServerController::removeApiKey()
{
    QFile::remove(apiKeyPath());
    apply();
}

void ServerController::stop()
{
    if (!m_server) return;
    m_server->stop();
    if (m_thread.joinable()) m_thread.join();
    m_server.reset();  // joins the connection threads; a generation in flight stops at its next token
    m_poll.stop();
}

void ServerController::apply()
{
    stop();
    m_problem.clear();
    m_address.clear();
    if (enabled()) {
        server::ServerOptions options;
        options.host = allowNetwork() ? "0.0.0.0" : "127.0.0.1";
        options.port = port();
        options.apiKey = readApiKey().toStdString();
        QPointer<ServerController> self(this);
        options.onChatTurn = [self](const std::string& modelId, const std::vector<ChatMessage>& messages, const server::JobResult& reply) {
            const QString model = QString::fromStdString(modelId), answer = QString::fromStdString(reply.answer),
                          reasoning = QString::fromStdString(reply.reasoning);
            QMetaObject::invokeMethod(
                QCoreApplication::instance(),
                [self, model, messages, answer, reasoning] {
                    if (self) self->saveChat(model, messages, answer, reasoning);
                },
                Qt::QueuedConnection);
        };
        auto server = std::make_unique<server::ApiServer>(*m_provider, options);
        try {
            const int bound = server->bind();
            m_server = std::move(server);
            m_thread = std::thread([s = m_server.get()] { s->run(); });
            m_address =
                QStringLiteral("http://%1:%2").arg(allowNetwork() ? QStringLiteral("0.0.0.0") : QStringLiteral("127.0.0.1")).arg(bound);
            m_poll.start();
            qCInfo(lcServer) << "API server listening on" << m_address;
        } catch (const std::exception& e) {
            m_problem = QString::fromUtf8(e.what());
            qCWarning(lcServer) << "API server:" << m_problem;
        }
    }
    emit changed();
    emit requestsChanged();
}

QString ServerController::status() const
{
    if (!m_problem.isEmpty()) return tr("Not running: %1").arg(m_problem);
    if (!m_server) return tr("Off");
    const QString model = QString::fromStdString(m_provider->loadedId());
    return tr("Serving %1 at %2/v1 (OpenAI) and %2/api (Ollama)%3")
        .arg(model.isEmpty() ? tr("no model yet (load one)") : model, m_address, hasApiKey() ? tr(", API key required") : QString());
}

void ServerController::shutdown() { stop(); }

}  // namespace hearth::app
