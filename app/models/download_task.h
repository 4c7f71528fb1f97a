// Downloads one file to `dest`.partial and renames it into place only once verified: resumes
// with Range/If-Range (after a dropped connection, a crash or a restart: the bytes on disk are
// the truth), retries with backoff, checks free space first, hashes while streaming and again
// from disk at the end. A checksum that does not match leaves nothing behind but the message.
#pragma once

#include "models/hub_endpoint.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QFile>
#include <QObject>
#include <QPointer>
#include <QUrl>

#include <memory>

class QNetworkAccessManager;

namespace hearth::models {

class HttpGet;

struct DownloadSpec {
    QUrl url;
    QString dest;  // the final path
    int64_t size = 0;  // 0: unknown (the server's Content-Length is used)
    QString sha256;  // lowercase hex; "" when the Hub gives none
    QString etag;  // from an earlier attempt, for If-Range
};

struct DownloadTuning {
    int maxAttemptsWithoutProgress = 6;
    int firstBackoffMs = 1000, maxBackoffMs = 30'000;
    int stallTimeoutMs = 60'000;  // no byte for this long: the connection is dropped and retried
    int64_t reserveBytes = 64ll << 20;  // left free on the disk beyond the file
    // HEARTH_DOWNLOAD_BACKOFF_MS / HEARTH_DOWNLOAD_STALL_MS override the timings (tests).
    static DownloadTuning fromEnvironment();
};

class DownloadTask : public QObject {
    Q_OBJECT

public:
    enum class Outcome { Done, Failed, Paused, Cancelled };
    Q_ENUM(Outcome)

    DownloadTask(QNetworkAccessManager& network, const HubEndpoint& endpoint, DownloadSpec spec, DownloadTuning tuning,
                 QObject* parent = nullptr);
    ~DownloadTask() override;

    void start();
    void pause();  // keeps the .partial for a later resume
    void cancel();  // deletes the .partial

    const DownloadSpec& spec() const { return m_spec; }
    QString partialPath() const { return m_spec.dest + QStringLiteral(".partial"); }
    int64_t received() const { return m_offset; }
    int64_t total() const { return m_spec.size; }
    QString sha256() const { return m_finalSha; }

signals:
    void progress(int64_t received, int64_t total, double bytesPerSecond);
    void etagSeen(const QString& etag);  // worth remembering for the next resume
    void resumedFrom(int64_t offset);  // a request asked for the bytes from `offset` on
    void finished(hearth::models::DownloadTask::Outcome outcome, const QString& message);

private:
    void beginWithPartial();
    void sendRequest();
    void onResponded(int status);
    void onData();
    void onFinished(const QString& error, int status);
    void restartFromZero();
    void retryLater(const QString& why);
    void verify();
    void finish(Outcome outcome, const QString& message);
    bool writeChunk(const QByteArray& chunk);

    QNetworkAccessManager& m_network;
    HubEndpoint m_endpoint;
    DownloadSpec m_spec;
    DownloadTuning m_tuning;
    QFile m_partial;
    std::shared_ptr<QCryptographicHash> m_hash;
    HttpGet* m_get = nullptr;
    int64_t m_offset = 0;  // bytes of the file in the .partial (and in m_hash)
    int64_t m_offsetAtAttempt = 0;
    int m_failedAttempts = 0;
    int m_restartsFromZero = 0;
    bool m_stopping = false;  // pause or cancel asked
    bool m_cancel = false;
    bool m_finished = false;
    bool m_discardBody = false;  // this response is not the bytes we want
    QString m_finalSha;
    QElapsedTimer m_speedClock;
    int64_t m_speedBytes = 0;
    double m_speed = 0;
    QElapsedTimer m_progressClock;
};

// "1.2 GB" in the units the Hub and file managers use.
QString formatBytes(int64_t bytes);

}  // namespace hearth::models
