#include "models/hub_endpoint.h"

#include "storage/store.h"

#include <QDir>
#include <QFile>
#include <QNetworkRequest>
#include <QSaveFile>

namespace hearth::models {

namespace {
const char* const kDefaultEndpoint = "https://huggingface.co";
}

void HubEndpoint::authorize(QNetworkRequest& request) const
{
    if (token.isEmpty()) return;
    const QUrl url = request.url();
    if (url.host().compare(base.host(), Qt::CaseInsensitive) == 0 && url.port(-1) == base.port(-1) && url.scheme() == base.scheme())
        request.setRawHeader("Authorization", "Bearer " + token.toUtf8());
}

QUrl HubEndpoint::apiUrl(const QString& path) const
{
    QUrl url = base;
    QString basePath = url.path();
    if (basePath.endsWith(QLatin1Char('/'))) basePath.chop(1);
    url.setPath(basePath + path);
    return url;
}

QUrl HubEndpoint::resolveUrl(const QString& repo, const QString& file) const
{
    return apiUrl(QStringLiteral("/%1/resolve/main/%2").arg(repo, file));
}

HubEndpoint hubEndpoint(storage::Store& store, const QString& dataDir)
{
    HubEndpoint endpoint;
    QString base = qEnvironmentVariable("HEARTH_HF_ENDPOINT");
    if (base.isEmpty()) base = QString::fromStdString(store.stringSetting("hub.endpoint", ""));
    if (base.isEmpty()) base = QLatin1String(kDefaultEndpoint);
    endpoint.base = QUrl(base.trimmed());
    endpoint.token = qEnvironmentVariable("HF_TOKEN").trimmed();
    if (endpoint.token.isEmpty()) {
        QFile file(hubTokenPath(dataDir));
        if (file.open(QIODevice::ReadOnly)) endpoint.token = QString::fromUtf8(file.readAll()).trimmed();
    }
    return endpoint;
}

QString hubTokenPath(const QString& dataDir) { return QDir(dataDir).filePath(QStringLiteral("hf-token")); }

void saveHubToken(const QString& dataDir, const QString& token)
{
    const QString path = hubTokenPath(dataDir);
    if (token.trimmed().isEmpty()) {
        QFile::remove(path);
        return;
    }
    QSaveFile file(path);
    // Owner-only before a byte of the token is written.
    if (!file.open(QIODevice::WriteOnly) || !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner))
        throw std::runtime_error(("cannot write the access token file " + path + ": " + file.errorString()).toStdString());
    file.write(token.trimmed().toUtf8());
    if (!file.commit()) throw std::runtime_error(("cannot write the access token file " + path + ": " + file.errorString()).toStdString());
}

bool offlineMode(storage::Store& store)
{
    const QString env = qEnvironmentVariable("HEARTH_OFFLINE");
    if (!env.isEmpty() && env != QLatin1String("0")) return true;
    return store.boolSetting("network.offline", false);
}

QString offlineMessage()
{
    return QStringLiteral("offline mode is on: Hearth does not use the network (turn it off in Settings, or unset HEARTH_OFFLINE)");
}

QString modelsDirectory(const QString& dataDir) { return QDir(dataDir).filePath(QStringLiteral("models")); }

}  // namespace hearth::models
