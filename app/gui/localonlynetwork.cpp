#include "localonlynetwork.h"

#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkRequest>

#include <atomic>

Q_LOGGING_CATEGORY(lcPrivacy, "hearth.privacy")

namespace hearth::app {

namespace {

std::atomic<int> g_refused {0};

class LocalOnlyNetworkAccessManager : public QNetworkAccessManager {
public:
    using QNetworkAccessManager::QNetworkAccessManager;

protected:
    QNetworkReply* createRequest(Operation op, const QNetworkRequest& request, QIODevice* data) override
    {
        const QString scheme = request.url().scheme().toLower();
        if (scheme == QLatin1String("qrc") || scheme == QLatin1String("file") || scheme == QLatin1String("data") || scheme.isEmpty())
            return QNetworkAccessManager::createRequest(op, request, data);
        ++g_refused;
        qCWarning(lcPrivacy) << "refused a network request from the UI:" << request.url().toDisplayString();
        // An unknown scheme makes Qt answer with an error reply: no lookup, no connection.
        return QNetworkAccessManager::createRequest(op, QNetworkRequest(QUrl(QStringLiteral("hearth-refused:remote"))), nullptr);
    }
};

}  // namespace

QNetworkAccessManager* LocalOnlyNetworkAccessManagerFactory::create(QObject* parent) { return new LocalOnlyNetworkAccessManager(parent); }

int refusedRemoteRequests() { return g_refused.load(); }

}  // namespace hearth::app
