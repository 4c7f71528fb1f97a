// The Hugging Face Hub's read-only API, as Hearth uses it: search GGUF repositories, list a
// repository's files (sizes and SHA-256 from the file tree), and preview a remote GGUF file's
// header with HTTP range requests, reading a bounded prefix instead of the whole file.
// Asynchronous (Qt Network); each call reports once through its callback on this thread.
#pragma once

#include "engine/engine.h"
#include "models/hub_endpoint.h"
#include "models/hub_files.h"
#include "models/remote_header_reader.h"

#include <QNetworkAccessManager>
#include <QObject>

#include <functional>

namespace hearth::models {

class HubClient : public QObject {
    Q_OBJECT

public:
    // The most a header preview reads before giving up (Gemma's 262k-token vocabulary is ~7 MB).
    static constexpr int64_t kMaxHeaderBytes = 64ll << 20;

    explicit HubClient(HubEndpoint endpoint, QObject* parent = nullptr);

    const HubEndpoint& endpoint() const { return m_endpoint; }

    // Each callback gets an error ("" on success) and the result.
    void search(const QString& query, std::function<void(const QString&, const QList<HubRepo>&)> done);
    void listFiles(const QString& repo, std::function<void(const QString&, const QList<HubFile>&)> done);
    // `size` may be 0 when unknown (the Content-Range header gives it).
    void previewHeader(const QString& repo, const QString& file, int64_t size,
                       std::function<void(const QString&, const HeaderPreview&)> done);

private:
    void getJson(const QUrl& url, std::function<void(const QString&, const QByteArray&, const QByteArray& nextLink)> done);
    void listFilesPage(const QUrl& url, const QString& repo, QList<HubFile> sofar,
                       std::function<void(const QString&, const QList<HubFile>&)> done, int page);

    HubEndpoint m_endpoint;
    QNetworkAccessManager m_network;
};

}  // namespace hearth::models
