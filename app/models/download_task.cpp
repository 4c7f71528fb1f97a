#include "models/download_task.h"

#include "models/file_hasher.h"
#include "models/http_get.h"

#include <QDir>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QStorageInfo>
#include <QTimer>

Q_LOGGING_CATEGORY(lcDownload, "hearth.download")

namespace hearth::models {

namespace {

constexpr int kMaxRestartsFromZero = 3;

bool permanentStatus(int status)
{
    return status == 400 || status == 401 || status == 403 || status == 404 || status == 410 || status == 451;
}

// The first byte of "bytes 100-199/1000"; -1 when the header is missing or odd.
int64_t rangeStart(const QByteArray& contentRange)
{
    static const QRegularExpression pattern(QStringLiteral("^bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)$"));
    const auto match = pattern.match(QString::fromLatin1(contentRange).trimmed());
    return match.hasMatch() ? match.captured(1).toLongLong() : -1;
}

int envInt(const char* name, int fallback)
{
    bool ok = false;
    const int v = qEnvironmentVariableIntValue(name, &ok);
    return ok && v >= 0 ? v : fallback;
}

}  // namespace

DownloadTuning DownloadTuning::fromEnvironment()
{
    DownloadTuning t;
    if (const int backoff = envInt("HEARTH_DOWNLOAD_BACKOFF_MS", -1); backoff >= 0) {
        t.firstBackoffMs = backoff;
        t.maxBackoffMs = backoff * 8;
    }
    t.stallTimeoutMs = envInt("HEARTH_DOWNLOAD_STALL_MS", t.stallTimeoutMs);
    return t;
}

QString formatBytes(int64_t bytes)
{
    const double b = double(bytes);
    if (b >= 1e9) return QString::number(b / 1e9, 'f', 2) + QStringLiteral(" GB");
    if (b >= 1e6) return QString::number(b / 1e6, 'f', 1) + QStringLiteral(" MB");
    if (b >= 1e3) return QString::number(b / 1e3, 'f', 0) + QStringLiteral(" kB");
    return QString::number(bytes) + QStringLiteral(" bytes");
}

DownloadTask::DownloadTask(QNetworkAccessManager& network, const HubEndpoint& endpoint, DownloadSpec spec, DownloadTuning tuning,
                           QObject* parent)
    : QObject(parent), m_network(network), m_endpoint(endpoint), m_spec(std::move(spec)), m_tuning(tuning)
{
}

DownloadTask::~DownloadTask() = default;

void DownloadTask::start()
{
    const QFileInfo dest(m_spec.dest);
    if (dest.exists()) {
        finish(Outcome::Failed, QStringLiteral("%1 already exists; Hearth does not overwrite files").arg(m_spec.dest));
        return;
    }
    if (!QDir().mkpath(dest.absolutePath())) {
        finish(Outcome::Failed, QStringLiteral("cannot create the folder %1").arg(dest.absolutePath()));
        return;
    }
    m_partial.setFileName(partialPath());
    if (!m_partial.open(QIODevice::ReadWrite)) {
        finish(Outcome::Failed, QStringLiteral("cannot open %1: %2").arg(partialPath(), m_partial.errorString()));
        return;
    }
    m_offset = m_partial.size();
    if (m_spec.size > 0 && m_offset > m_spec.size) {
        qCWarning(lcDownload) << partialPath() << "is longer than the file; starting over";
        m_partial.resize(0);
        m_offset = 0;
    }
    m_hash = std::make_shared<QCryptographicHash>(QCryptographicHash::Sha256);
    if (m_offset == 0) {
        beginWithPartial();
        return;
    }
    // The bytes already on disk go into the running checksum first (on a pool thread).
    hashFileAsync(partialPath(), m_offset, m_hash, this, [this](const QString& error) {
        if (m_stopping) return finish(m_cancel ? Outcome::Cancelled : Outcome::Paused, {});
        if (!error.isEmpty()) return finish(Outcome::Failed, error);
        beginWithPartial();
    });
}

void DownloadTask::beginWithPartial()
{
    if (m_spec.size > 0) {
        const QStorageInfo storage(QFileInfo(m_spec.dest).absolutePath());
        const int64_t needed = m_spec.size - m_offset + m_tuning.reserveBytes;
        if (storage.isValid() && storage.bytesAvailable() < needed) {
            finish(Outcome::Failed,
                   QStringLiteral("not enough disk space: %1 needs %2 more but %3 has %4 free")
                       .arg(QFileInfo(m_spec.dest).fileName(), formatBytes(needed), storage.rootPath(),
                            formatBytes(storage.bytesAvailable())));
            return;
        }
    }
    if (m_spec.size > 0 && m_offset == m_spec.size) {
        verify();
        return;
    }
    sendRequest();
}

void DownloadTask::sendRequest()
{
    if (m_get) m_get->deleteLater();
    HttpGet::Headers headers;
    if (m_offset > 0) {
        headers.append({"Range", "bytes=" + QByteArray::number(qint64(m_offset)) + "-"});
        if (!m_spec.etag.isEmpty()) headers.append({"If-Range", m_spec.etag.toUtf8()});
        emit resumedFrom(m_offset);
    }
    m_discardBody = false;
    m_offsetAtAttempt = m_offset;
    m_speedClock.start();
    m_speedBytes = 0;
    m_get = new HttpGet(m_network, m_endpoint, m_spec.url, headers, m_tuning.stallTimeoutMs, this);
    connect(m_get, &HttpGet::responded, this, &DownloadTask::onResponded);
    connect(m_get, &HttpGet::readyRead, this, &DownloadTask::onData);
    connect(m_get, &HttpGet::finished, this, &DownloadTask::onFinished);
    m_get->start();
}

void DownloadTask::onResponded(int status)
{
    QNetworkReply* reply = m_get->reply();
    const QByteArray etag = reply->rawHeader("ETag");
    if (!etag.isEmpty() && QString::fromUtf8(etag) != m_spec.etag) {
        m_spec.etag = QString::fromUtf8(etag);
        emit etagSeen(m_spec.etag);
    }
    if (status == 206) {
        if (rangeStart(reply->rawHeader("Content-Range")) != m_offset) {
            qCWarning(lcDownload) << "the server answered a different range than asked:" << reply->rawHeader("Content-Range");
            m_discardBody = true;
            restartFromZero();
        }
        return;
    }
    if (status == 200) {
        const int64_t length = reply->header(QNetworkRequest::ContentLengthHeader).toLongLong();
        if (m_spec.size > 0 && length > 0 && length != m_spec.size) {
            m_discardBody = true;
            finish(Outcome::Failed,
                   QStringLiteral("the server sends %1 bytes but the Hub lists %2 for this file: it changed; list the files again")
                       .arg(length)
                       .arg(m_spec.size));
            m_get->abort();
            return;
        }
        if (m_spec.size <= 0 && length > 0) m_spec.size = length;
        if (m_offset > 0) {
            // The whole file again: the server ignores ranges, or the file changed (If-Range).
            qCInfo(lcDownload) << "the server sent the whole file; the" << m_offset << "bytes kept are dropped";
            m_partial.resize(0);
            m_offset = 0;
            m_hash->reset();
        }
        return;
    }
    if (status == 416 && m_spec.size > 0 && m_offset == m_spec.size) return;  // nothing left: verify
    m_discardBody = true;
}

void DownloadTask::onData()
{
    QNetworkReply* reply = m_get->reply();
    const QByteArray chunk = reply->readAll();
    if (m_discardBody || m_finished || chunk.isEmpty()) return;
    if (m_spec.size > 0 && m_offset + chunk.size() > m_spec.size) {
        m_discardBody = true;
        m_partial.close();
        QFile::remove(partialPath());
        finish(Outcome::Failed, QStringLiteral("the server sent more than the file's %1 bytes; nothing was kept").arg(m_spec.size));
        m_get->abort();
        return;
    }
    if (!writeChunk(chunk)) return;
    m_speedBytes += chunk.size();
    const double seconds = double(std::max<qint64>(m_speedClock.elapsed(), 1)) / 1000.0;
    m_speed = double(m_speedBytes) / seconds;
    if (!m_progressClock.isValid() || m_progressClock.elapsed() >= 250 || m_offset == m_spec.size) {
        m_progressClock.restart();
        emit progress(m_offset, m_spec.size, m_speed);
    }
}

bool DownloadTask::writeChunk(const QByteArray& chunk)
{
    m_partial.seek(m_offset);
    const qint64 written = m_partial.write(chunk);
    if (written == chunk.size() && m_partial.flush()) {
        m_hash->addData(chunk);
        m_offset += chunk.size();
        return true;
    }
    // A full disk: keep what is verified on disk so a later resume continues from it.
    const QString why = m_partial.errorString();
    m_discardBody = true;
    m_partial.resize(m_offset);
    finish(Outcome::Failed,
           QStringLiteral("writing %1 failed (%2); the %3 downloaded so far are kept: free some space and resume")
               .arg(partialPath(), why, formatBytes(m_offset)));
    m_get->abort();
    return false;
}

void DownloadTask::onFinished(const QString& error, int status)
{
    if (m_finished) return;
    if (m_stopping) return finish(m_cancel ? Outcome::Cancelled : Outcome::Paused, {});
    if (m_discardBody && status == 206) return;  // restartFromZero() has sent the next request
    const bool complete = m_spec.size > 0 ? m_offset == m_spec.size : error.isEmpty() && status == 200;
    if (complete) return verify();
    if (error.isEmpty() && status == 416) {
        restartFromZero();
        return;
    }
    if (permanentStatus(status))
        return finish(Outcome::Failed, QStringLiteral("downloading %1 failed: %2").arg(m_spec.url.toDisplayString(), error));
    retryLater(error.isEmpty() ? QStringLiteral("the connection ended after %1 of %2").arg(formatBytes(m_offset), formatBytes(m_spec.size))
                               : error);
}

void DownloadTask::restartFromZero()
{
    if (++m_restartsFromZero > kMaxRestartsFromZero) {
        finish(Outcome::Failed, QStringLiteral("the server keeps answering with other bytes than asked for; giving up"));
        return;
    }
    if (m_get) m_get->abort();
    m_partial.resize(0);
    m_offset = 0;
    m_hash->reset();
    m_spec.etag.clear();
    QTimer::singleShot(0, this, [this] {
        if (!m_finished && !m_stopping) sendRequest();
    });
}

void DownloadTask::retryLater(const QString& why)
{
    if (m_offset > m_offsetAtAttempt) m_failedAttempts = 0;  // it moved: not the same failure
    if (++m_failedAttempts > m_tuning.maxAttemptsWithoutProgress) {
        finish(Outcome::Failed,
               QStringLiteral("gave up after %1 attempts without progress (%2); the %3 downloaded so far are kept: resume to continue")
                   .arg(m_failedAttempts - 1)
                   .arg(why, formatBytes(m_offset)));
        return;
    }
    const int delay = std::min(m_tuning.maxBackoffMs, m_tuning.firstBackoffMs << std::min(m_failedAttempts - 1, 10));
    qCInfo(lcDownload) << "retrying" << m_spec.url.toDisplayString() << "in" << delay << "ms:" << why;
    QTimer::singleShot(delay, this, [this] {
        if (!m_finished && !m_stopping) sendRequest();
        else if (m_stopping && !m_finished) finish(m_cancel ? Outcome::Cancelled : Outcome::Paused, {});
    });
}

void DownloadTask::verify()
{
    m_partial.flush();
    m_partial.close();
    const QString streamed = QString::fromLatin1(m_hash->result().toHex());
    if (!m_spec.sha256.isEmpty() && streamed != m_spec.sha256) {
        QFile::remove(partialPath());
        finish(Outcome::Failed,
               QStringLiteral("checksum mismatch for %1: the Hub lists SHA-256 %2 but the bytes received hash to %3; "
                              "the download was deleted")
                   .arg(QFileInfo(m_spec.dest).fileName(), m_spec.sha256, streamed));
        return;
    }
    // Again from the disk: what will be loaded is what was checked.
    auto again = std::make_shared<QCryptographicHash>(QCryptographicHash::Sha256);
    hashFileAsync(partialPath(), -1, again, this, [this, again, streamed](const QString& error) {
        if (!error.isEmpty()) return finish(Outcome::Failed, error);
        const QString onDisk = QString::fromLatin1(again->result().toHex());
        if (onDisk != streamed) {
            QFile::remove(partialPath());
            return finish(Outcome::Failed,
                          QStringLiteral("%1 on disk differs from the bytes received (a disk or file system error); it was deleted")
                              .arg(partialPath()));
        }
        if (QFileInfo::exists(m_spec.dest))
            return finish(
                Outcome::Failed,
                QStringLiteral("%1 appeared while downloading; the verified download is kept as %2").arg(m_spec.dest, partialPath()));
        if (!QFile::rename(partialPath(), m_spec.dest))
            return finish(Outcome::Failed, QStringLiteral("cannot rename %1 to %2").arg(partialPath(), m_spec.dest));
        m_finalSha = onDisk;
        finish(Outcome::Done,
               m_spec.sha256.isEmpty() ? QStringLiteral("downloaded (the server gave no checksum; SHA-256 %1)").arg(onDisk)
                                       : QStringLiteral("downloaded and verified (SHA-256 %1)").arg(onDisk));
    });
}

void DownloadTask::pause()
{
    if (m_finished) return;
    m_stopping = true;
    if (m_get) m_get->abort();
    else QTimer::singleShot(0, this, [this] { finish(m_cancel ? Outcome::Cancelled : Outcome::Paused, {}); });
}

void DownloadTask::cancel()
{
    m_cancel = true;
    pause();
}

void DownloadTask::finish(Outcome outcome, const QString& message)
{
    if (m_finished) return;
    m_finished = true;
    if (m_partial.isOpen()) m_partial.close();
    if (outcome == Outcome::Cancelled) QFile::remove(partialPath());
    emit finished(outcome, message);
}

}  // namespace hearth::models
