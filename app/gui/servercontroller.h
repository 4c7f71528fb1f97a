// The local API server inside the app (Settings → Local server): off by default; on, it serves
// the loaded model to other programs over OpenAI's and Ollama's APIs at 127.0.0.1 (the whole
// network only when the user allows it, with a warning), optionally behind an API key that is
// shown once and kept in a 0600 file. The status line says where it listens and how many
// requests it has answered. QML reaches it as the ServerController singleton.
#pragma once

#include "appmodelprovider.h"
#include "cppownedsingleton.h"

#include <QObject>
#include <QTimer>
#include <QtQml/qqmlregistration.h>

#include <memory>
#include <thread>

namespace hearth::storage {
class Store;
}
namespace hearth::server {
class ApiServer;
}

namespace hearth::app {

class ModelController;

class ServerController : public QObject, public CppOwnedSingleton<ServerController> {
    Q_OBJECT
    QML_ELEMENT
    QML_SINGLETON
    Q_PROPERTY(bool enabled READ enabled WRITE setEnabled NOTIFY changed)
    Q_PROPERTY(int port READ port WRITE setPort NOTIFY changed)
    Q_PROPERTY(bool allowNetwork READ allowNetwork WRITE setAllowNetwork NOTIFY changed)
    Q_PROPERTY(bool hasApiKey READ hasApiKey NOTIFY changed)
    // Chats made through the server are saved to the history (off by default).
    Q_PROPERTY(bool saveChats READ saveChats WRITE setSaveChats NOTIFY changed)
    Q_PROPERTY(bool running READ running NOTIFY changed)
    Q_PROPERTY(QString address READ address NOTIFY changed)  // "http://127.0.0.1:8080"
    Q_PROPERTY(QString status READ status NOTIFY changed)  // where it listens and how busy, or why it does not
    Q_PROPERTY(qint64 requests READ requests NOTIFY requestsChanged)

public:
    ServerController(storage::Store& store, ModelController& models, QObject* parent = nullptr);
    ~ServerController() override;

    bool enabled() const;
    void setEnabled(bool enabled);
    int port() const;
    void setPort(int port);
    bool allowNetwork() const;
    void setAllowNetwork(bool allow);
    bool hasApiKey() const;
    bool saveChats() const;
    void setSaveChats(bool save);
    bool running() const { return m_server != nullptr; }
    QString address() const { return m_address; }
    QString status() const;
    qint64 requests() const;

    // Makes a new key (the old one stops working) and returns it: shown once, never again.
    Q_INVOKABLE QString createApiKey();
    Q_INVOKABLE void removeApiKey();
    // Applies the settings: starts, restarts or stops the server.
    void apply();
    void shutdown();

signals:
    void changed();
    void requestsChanged();

private:
    void stop();
    void saveChat(const QString& modelId, const std::vector<ChatMessage>& messages, const QString& answer, const QString& reasoning);
    QString apiKeyPath() const;
    QString readApiKey() const;

    storage::Store& m_store;
    ModelController& m_models;
    QString m_dataDir;
    std::unique_ptr<AppModelProvider> m_provider;
    // Its own connection to the database: the chat list notices its writes as it notices the
    // CLI's (the data version of other connections), with no coupling to the chat controller.
    std::unique_ptr<storage::Store> m_history;
    std::unique_ptr<server::ApiServer> m_server;
    std::thread m_thread;
    QString m_address;
    QString m_problem;
    QTimer m_poll;
};

}  // namespace hearth::app
