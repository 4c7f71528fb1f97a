// The QML engine's only network access: local resources (qrc:, file:, data:) load, anything
// else fails at once without a DNS query or a socket. Text elements with rich text, Image
// sources and XMLHttpRequest all go through the engine's access manager, so a message, a title
// or a model name that slips markup past the renderer still cannot make the app phone home.
#pragma once

#include <QQmlNetworkAccessManagerFactory>

namespace hearth::app {

class LocalOnlyNetworkAccessManagerFactory : public QQmlNetworkAccessManagerFactory {
public:
    QNetworkAccessManager* create(QObject* parent) override;
};

// How many remote requests the engines' access managers refused (for tests).
int refusedRemoteRequests();

}  // namespace hearth::app
