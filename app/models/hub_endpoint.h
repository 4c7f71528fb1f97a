// Where the Hugging Face Hub is reached and with which credentials, and whether the network may
// be used at all. The endpoint is configurable because many users reach the Hub through a mirror.
#pragma once

#include <QString>
#include <QUrl>

class QNetworkRequest;

namespace hearth::storage {
class Store;
}

namespace hearth::models {

struct HubEndpoint {
    QUrl base;  // "https://huggingface.co" or a mirror
    QString token;  // for gated and private repositories; never logged

    // Adds the token only for the endpoint's own host: a redirect to a CDN or another host
    // never receives it.
    void authorize(QNetworkRequest& request) const;
    QUrl apiUrl(const QString& path) const;  // base + path, percent-encoded as needed
    QUrl resolveUrl(const QString& repo, const QString& file) const;  // the file's download URL
};

// HEARTH_HF_ENDPOINT > the "hub.endpoint" setting > https://huggingface.co; the token from HF_TOKEN
// or the token file in the data folder (written 0600 by saveHubToken).
HubEndpoint hubEndpoint(storage::Store& store, const QString& dataDir);
void saveHubToken(const QString& dataDir, const QString& token);  // empty: removes it
QString hubTokenPath(const QString& dataDir);

// Offline mode (HEARTH_OFFLINE=1 or the "network.offline" setting): the catalog is still shown
// from the app's own copy, but no search, preview or download touches the network.
bool offlineMode(storage::Store& store);
QString offlineMessage();

// <data dir>/models, where downloads and the user's own files live.
QString modelsDirectory(const QString& dataDir);

}  // namespace hearth::models
