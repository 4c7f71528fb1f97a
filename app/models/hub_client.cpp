#include "models/hub_client.h"

#include "models/http_get.h"
#include "models/remote_header_reader.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QUrlQuery>

namespace hearth::models {

namespace {
constexpr int kApiTimeoutMs = 30'000;
constexpr int kMaxTreePages = 50;
constexpr int kSearchLimit = 40;
constexpr int64_t kMaxApiBytes = 32ll << 20;

// The Link header's rel="next" target (the Hub pages long file trees).
QByteArray nextLink(const QByteArray& linkHeader)
{
    static const QRegularExpression pattern(QStringLiteral("<([^>]+)>\\s*;\\s*rel=\"?next\"?"));
    const auto match = pattern.match(QString::fromUtf8(linkHeader));
    return match.hasMatch() ? match.captured(1).toUtf8() : QByteArray();
}

bool validRepo(const QString& repo)
{
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$"));
    return pattern.match(repo).hasMatch() && !repo.contains(QLatin1String(".."));
}
}  // namespace

HubClient::HubClient(HubEndpoint endpoint, QObject* parent) : QObject(parent), m_endpoint(std::move(endpoint)) { }

void HubClient::getJson(const QUrl& url, std::function<void(const QString&, const QByteArray&, const QByteArray&)> done)
{
    auto* get = new HttpGet(m_network, m_endpoint, url, {{"Accept", "application/json"}}, kApiTimeoutMs, this);
    auto body = std::make_shared<QByteArray>();
    connect(get, &HttpGet::readyRead, get, [get, body] {
        body->append(get->reply()->readAll());
        if (body->size() > kMaxApiBytes) get->abort();
    });
    connect(get, &HttpGet::finished, this, [get, body, done, url](const QString& error, int) {
        get->deleteLater();
        if (!error.isEmpty()) return done(error, {}, {});
        if (body->size() > kMaxApiBytes) return done(QStringLiteral("the answer from %1 is larger than 32 MiB").arg(url.host()), {}, {});
        done({}, *body, nextLink(get->reply()->rawHeader("Link")));
    });
    get->start();
}

void HubClient::search(const QString& query, std::function<void(const QString&, const QList<HubRepo>&)> done)
{
    QUrl url = m_endpoint.apiUrl(QStringLiteral("/api/models"));
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("search"), query.trimmed());
    q.addQueryItem(QStringLiteral("filter"), QStringLiteral("gguf"));
    q.addQueryItem(QStringLiteral("sort"), QStringLiteral("downloads"));
    q.addQueryItem(QStringLiteral("direction"), QStringLiteral("-1"));
    q.addQueryItem(QStringLiteral("limit"), QString::number(kSearchLimit));
    for (const char* field : {"downloads", "likes", "lastModified", "gated"})
        q.addQueryItem(QStringLiteral("expand[]"), QLatin1String(field));
    url.setQuery(q);
    getJson(url, [done](const QString& error, const QByteArray& body, const QByteArray&) {
        if (!error.isEmpty()) return done(QStringLiteral("search failed: ") + error, {});
        const QJsonDocument doc = QJsonDocument::fromJson(body);
        if (!doc.isArray()) return done(QStringLiteral("search failed: the Hub's answer is not a JSON list"), {});
        QList<HubRepo> repos;
        for (const QJsonValue& v : doc.array()) {
            const QJsonObject o = v.toObject();
            HubRepo repo;
            repo.id = o.value(QLatin1String("id")).toString(o.value(QLatin1String("modelId")).toString());
            if (!validRepo(repo.id)) continue;
            repo.downloads = o.value(QLatin1String("downloads")).toInteger();
            repo.likes = o.value(QLatin1String("likes")).toInteger();
            repo.updated = o.value(QLatin1String("lastModified")).toString(o.value(QLatin1String("createdAt")).toString());
            const QJsonValue gated = o.value(QLatin1String("gated"));
            repo.gated = gated.isString() ? gated.toString() != QLatin1String("false") : gated.toBool();
            repos.append(repo);
        }
        done({}, repos);
    });
}

void HubClient::listFiles(const QString& repo, std::function<void(const QString&, const QList<HubFile>&)> done)
{
    if (!validRepo(repo)) return done(QStringLiteral("'%1' is not a repository name (owner/name)").arg(repo), {});
    QUrl url = m_endpoint.apiUrl(QStringLiteral("/api/models/%1/tree/main").arg(repo));
    url.setQuery(QStringLiteral("recursive=true"));
    listFilesPage(url, repo, {}, std::move(done), 0);
}

void HubClient::listFilesPage(const QUrl& url, const QString& repo, QList<HubFile> sofar,
                              std::function<void(const QString&, const QList<HubFile>&)> done, int page)
{
    getJson(url, [this, url, repo, sofar, done, page](const QString& error, const QByteArray& body, const QByteArray& next) mutable {
        if (!error.isEmpty()) return done(QStringLiteral("listing %1 failed: %2").arg(repo, error), {});
        const QJsonDocument doc = QJsonDocument::fromJson(body);
        if (!doc.isArray()) return done(QStringLiteral("listing %1 failed: the Hub's answer is not a JSON list").arg(repo), {});
        static const QRegularExpression hexSha(QStringLiteral("^[0-9a-f]{64}$"));
        for (const QJsonValue& v : doc.array()) {
            const QJsonObject o = v.toObject();
            if (o.value(QLatin1String("type")).toString() != QLatin1String("file")) continue;
            HubFile f;
            f.path = o.value(QLatin1String("path")).toString();
            if (f.path.isEmpty() || f.path.startsWith(QLatin1Char('/')) || f.path.split(QLatin1Char('/')).contains(QStringLiteral("..")))
                continue;
            f.size = o.value(QLatin1String("size")).toInteger();
            const QJsonObject lfs = o.value(QLatin1String("lfs")).toObject();
            const QString oid = lfs.value(QLatin1String("oid")).toString().toLower();
            if (hexSha.match(oid).hasMatch()) f.sha256 = oid;
            if (lfs.contains(QLatin1String("size"))) f.size = lfs.value(QLatin1String("size")).toInteger();
            sofar.append(f);
        }
        if (next.isEmpty()) return done({}, sofar);
        if (page + 1 >= kMaxTreePages)
            return done(QStringLiteral("listing %1: more than %2 pages of files").arg(repo).arg(kMaxTreePages), {});
        listFilesPage(url.resolved(QUrl::fromEncoded(next)), repo, sofar, done, page + 1);
    });
}

void HubClient::previewHeader(const QString& repo, const QString& file, int64_t size,
                              std::function<void(const QString&, const HeaderPreview&)> done)
{
    if (!validRepo(repo)) return done(QStringLiteral("'%1' is not a repository name (owner/name)").arg(repo), {});
    auto* reader = new RemoteHeaderReader(m_network, m_endpoint, m_endpoint.resolveUrl(repo, file), file, size, kMaxHeaderBytes, this);
    connect(reader, &RemoteHeaderReader::finished, this, [reader, done](const QString& error, const HeaderPreview& preview) {
        reader->deleteLater();
        done(error, preview);
    });
    reader->start();
}

}  // namespace hearth::models
