#include "models/http_get.h"

#include <QNetworkAccessManager>
#include <QNetworkRequest>

namespace hearth::models {

namespace {
constexpr int kMaxRedirects = 10;

bool isRedirect(int status) { return status == 301 || status == 302 || status == 303 || status == 307 || status == 308; }
}  // namespace

HttpGet::HttpGet(QNetworkAccessManager& network, const HubEndpoint& endpoint, const QUrl& url, Headers headers, int transferTimeoutMs,
                 QObject* parent)
    : QObject(parent), m_network(network), m_endpoint(endpoint), m_url(url), m_headers(std::move(headers)), m_timeoutMs(transferTimeoutMs)
{
}

HttpGet::~HttpGet()
{
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        m_reply->deleteLater();
    }
}

void HttpGet::start() { send(); }

void HttpGet::abort()
{
    if (m_reply) m_reply->abort();
}

void HttpGet::send()
{
    QNetworkRequest request(m_url);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setHeader(QNetworkRequest::UserAgentHeader, QByteArrayLiteral("Hearth/" HEARTH_VERSION));
    // Compressed bodies would break byte ranges and the checksum of what is written.
    request.setRawHeader("Accept-Encoding", "identity");
    for (const auto& [name, value] : m_headers) request.setRawHeader(name, value);
    m_endpoint.authorize(request);
    if (m_timeoutMs > 0) request.setTransferTimeout(m_timeoutMs);
    if (m_reply) m_reply->deleteLater();
    m_reply = m_network.get(request);
    connect(m_reply, &QNetworkReply::metaDataChanged, this, &HttpGet::onMetaData);
    connect(m_reply, &QNetworkReply::readyRead, this, [this] {
        if (m_responded) emit readyRead();
    });
    connect(m_reply, &QNetworkReply::finished, this, &HttpGet::onFinished);
}

void HttpGet::onMetaData()
{
    const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 0 || isRedirect(status) || m_responded) return;
    m_status = status;
    m_responded = true;
    emit responded(status);
}

void HttpGet::onFinished()
{
    QNetworkReply* reply = m_reply;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (isRedirect(status) && !m_responded) {
        const QUrl target = reply->attribute(QNetworkRequest::RedirectionTargetAttribute).toUrl();
        if (!target.isValid() || ++m_redirects > kMaxRedirects) {
            emit finished(QStringLiteral("too many or invalid redirects from %1").arg(m_url.host()), status);
            return;
        }
        const QUrl next = m_url.resolved(target);
        if (m_url.scheme() == QLatin1String("https") && next.scheme() != QLatin1String("https")) {
            emit finished(QStringLiteral("refused a redirect from https to %1").arg(next.toDisplayString()), status);
            return;
        }
        m_url = next;
        send();
        return;
    }
    if (!m_responded && status != 0) {
        m_status = status;
        m_responded = true;
        emit responded(status);
        if (m_reply != reply) return;  // the handler restarted or aborted us
    }
    // Let the last bytes reach the caller before it hears the end.
    if (reply->bytesAvailable() > 0) emit readyRead();
    QString error;
    if (reply->error() != QNetworkReply::NoError && reply->error() < QNetworkReply::ContentAccessDenied) error = reply->errorString();
    else if (status >= 400) error = httpStatusText(status, m_url);
    else if (reply->error() != QNetworkReply::NoError) error = reply->errorString();
    emit finished(error, status);
}

QString httpStatusText(int status, const QUrl& url)
{
    QString text;
    switch (status) {
    case 401: text = QStringLiteral("not authorised (401): the repository is gated or private; set a Hugging Face access token"); break;
    case 403: text = QStringLiteral("forbidden (403): accept the model's licence on its Hub page, and set an access token"); break;
    case 404: text = QStringLiteral("not found (404)"); break;
    case 416: text = QStringLiteral("range not satisfiable (416)"); break;
    case 429: text = QStringLiteral("too many requests (429): the server asks to slow down"); break;
    default: text = QStringLiteral("HTTP %1").arg(status);
    }
    return text + QStringLiteral(" from %1").arg(url.host());
}

}  // namespace hearth::models
