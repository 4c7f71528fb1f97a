// One HTTP GET that follows redirects itself, so that the Hub's access token is sent only to
// the Hub's own host (never to the CDN or another host a redirect names), and so that the
// caller sees the final response's status and headers before its body.
#pragma once

#include "models/hub_endpoint.h"

#include <QList>
#include <QNetworkReply>
#include <QObject>
#include <QPair>
#include <QPointer>

class QNetworkAccessManager;

namespace hearth::models {

class HttpGet : public QObject {
    Q_OBJECT

public:
    using Headers = QList<QPair<QByteArray, QByteArray>>;
    // transferTimeoutMs: no byte for this long ends the request with a timeout (0: Qt's default).
    HttpGet(QNetworkAccessManager& network, const HubEndpoint& endpoint, const QUrl& url, Headers headers, int transferTimeoutMs,
            QObject* parent = nullptr);
    ~HttpGet() override;

    void start();
    void abort();
    QNetworkReply* reply() const { return m_reply; }  // the current (final, once responded) reply
    QUrl url() const { return m_url; }
    int status() const { return m_status; }

signals:
    void responded(int status);  // the final response's headers are in reply()
    void readyRead();
    // error is empty on success; status is 0 when no response arrived.
    void finished(const QString& error, int status);

private:
    void send();
    void onMetaData();
    void onFinished();

    QNetworkAccessManager& m_network;
    HubEndpoint m_endpoint;
    QUrl m_url;
    Headers m_headers;
    int m_timeoutMs = 0;
    int m_redirects = 0;
    int m_status = 0;
    bool m_responded = false;
    QPointer<QNetworkReply> m_reply;
};

// "404 Not Found from huggingface.co" style text for an HTTP status.
QString httpStatusText(int status, const QUrl& url);

}  // namespace hearth::models
