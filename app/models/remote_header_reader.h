// Reads a remote GGUF file's header with HTTP range requests: 2 MiB first, then more (up to a
// bound) only while the metadata and tensor list go on. What a user sees before downloading
// gigabytes: architecture, parameters, quantization, context and whether it fits.
#pragma once

#include "engine/engine.h"
#include "models/hub_endpoint.h"

#include <QByteArray>
#include <QObject>
#include <QUrl>

class QNetworkAccessManager;

namespace hearth::models {

class HttpGet;

struct HeaderPreview {
    ModelSummary summary;
    int64_t fileBytes = 0;
    int64_t bytesRead = 0;  // the prefix it took (the point: not the file)
};

class RemoteHeaderReader : public QObject {
    Q_OBJECT

public:
    RemoteHeaderReader(QNetworkAccessManager& network, const HubEndpoint& endpoint, const QUrl& url, const QString& name, int64_t size,
                       int64_t maxBytes, QObject* parent = nullptr);
    void start();

signals:
    void finished(const QString& error, const HeaderPreview& preview);

private:
    void requestMore();
    void onResponded(int status);
    void onData();
    void onFinished(const QString& error);
    void tryParse();

    QNetworkAccessManager& m_network;
    HubEndpoint m_endpoint;
    QUrl m_url;
    QString m_name;
    int64_t m_size = 0;
    int64_t m_maxBytes = 0;
    int64_t m_want = 0;  // the prefix length this round asks for
    QByteArray m_bytes;
    HttpGet* m_get = nullptr;
    bool m_done = false;
};

}  // namespace hearth::models
