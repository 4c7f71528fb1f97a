#include "models/remote_header_reader.h"

#include "models/http_get.h"

#include <QRegularExpression>

namespace hearth::models {

namespace {
constexpr int64_t kFirstRead = 2ll << 20;
constexpr int kTimeoutMs = 30'000;

// "bytes 0-2097151/4920000000" -> 4920000000
int64_t totalFromContentRange(const QByteArray& header)
{
    static const QRegularExpression pattern(QStringLiteral("^bytes\\s+(\\d+)-(\\d+)/(\\d+)$"));
    const auto match = pattern.match(QString::fromLatin1(header).trimmed());
    return match.hasMatch() ? match.captured(3).toLongLong() : 0;
}
}  // namespace

RemoteHeaderReader::RemoteHeaderReader(QNetworkAccessManager& network, const HubEndpoint& endpoint, const QUrl& url, const QString& name,
                                       int64_t size, int64_t maxBytes, QObject* parent)
    : QObject(parent), m_network(network), m_endpoint(endpoint), m_url(url), m_name(name), m_size(size), m_maxBytes(maxBytes)
{
}

void RemoteHeaderReader::start()
{
    m_want = kFirstRead;
    requestMore();
}

void RemoteHeaderReader::requestMore()
{
    if (m_size > 0) m_want = std::min(m_want, m_size);
    const QByteArray range = "bytes=" + QByteArray::number(qint64(m_bytes.size())) + "-" + QByteArray::number(qint64(m_want - 1));
    if (m_get) m_get->deleteLater();
    m_get = new HttpGet(m_network, m_endpoint, m_url, {{"Range", range}}, kTimeoutMs, this);
    connect(m_get, &HttpGet::responded, this, &RemoteHeaderReader::onResponded);
    connect(m_get, &HttpGet::readyRead, this, &RemoteHeaderReader::onData);
    connect(m_get, &HttpGet::finished, this, &RemoteHeaderReader::onFinished);
    m_get->start();
}

void RemoteHeaderReader::onResponded(int status)
{
    if (status == 206) {
        if (const int64_t total = totalFromContentRange(m_get->reply()->rawHeader("Content-Range")); total > 0) m_size = total;
    } else if (status == 200) {
        // The server ignores ranges and sends the whole file: keep its first bytes only.
        m_bytes.clear();
        if (const int64_t length = m_get->reply()->header(QNetworkRequest::ContentLengthHeader).toLongLong(); length > 0) m_size = length;
    }
}

void RemoteHeaderReader::onData()
{
    if (m_done || m_get->status() >= 300) return;
    const QByteArray chunk = m_get->reply()->read(std::max<int64_t>(0, m_want - m_bytes.size()));
    m_bytes.append(chunk);
    m_get->reply()->readAll();  // anything past the range (a server that ignores it) is dropped
    if (m_bytes.size() >= m_want) m_get->abort();
}

void RemoteHeaderReader::onFinished(const QString& error)
{
    if (m_done) return;
    const bool gotWhatWasAsked = m_bytes.size() >= m_want || (m_size > 0 && m_bytes.size() >= m_size);
    if (!error.isEmpty() && !gotWhatWasAsked) {
        m_done = true;
        emit finished(QStringLiteral("reading the header of %1 failed: %2").arg(m_name, error), {});
        return;
    }
    tryParse();
}

void RemoteHeaderReader::tryParse()
{
    HeaderPreview preview;
    preview.bytesRead = m_bytes.size();
    preview.fileBytes = m_size;
    if (m_size <= 0) {
        m_done = true;
        emit finished(QStringLiteral("%1: the server did not say how large the file is").arg(m_name), preview);
        return;
    }
    try {
        const auto* data = reinterpret_cast<const uint8_t*>(m_bytes.constData());
        preview.summary = readModelSummaryFromHeader(std::span(data, size_t(m_bytes.size())), uint64_t(m_size), m_name.toStdString());
        m_done = true;
        emit finished({}, preview);
    } catch (const Error& e) {
        const bool more = e.code() == ErrorCode::Truncated && m_bytes.size() < m_size && m_want < m_maxBytes;
        if (more) {
            m_want = std::min(m_want * 4, m_maxBytes);
            requestMore();
            return;
        }
        m_done = true;
        QString why = QString::fromStdString(e.what());
        if (e.code() == ErrorCode::Truncated && m_want >= m_maxBytes)
            why = QStringLiteral("%1: its header is larger than %2 MiB; download it to see it").arg(m_name).arg(m_maxBytes >> 20);
        emit finished(why, preview);
    }
}

}  // namespace hearth::models
