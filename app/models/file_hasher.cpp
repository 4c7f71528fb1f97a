#include "models/file_hasher.h"

#include <QCoreApplication>
#include <QFile>
#include <QMetaObject>
#include <QPointer>
#include <QThreadPool>

namespace hearth::models {

void hashFileAsync(const QString& path, int64_t length, std::shared_ptr<QCryptographicHash> hash, QObject* context,
                   std::function<void(const QString& error)> done)
{
    QPointer<QObject> guard(context);
    QThreadPool::globalInstance()->start([path, length, hash, guard, done] {
        QString error;
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly)) {
            error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        } else {
            int64_t left = length < 0 ? file.size() : length;
            QByteArray buffer;
            while (left > 0) {
                buffer = file.read(std::min<int64_t>(left, 4 << 20));
                if (buffer.isEmpty()) {
                    error = QStringLiteral("reading %1 failed: %2")
                                .arg(path, file.error() ? file.errorString() : QStringLiteral("it is shorter than expected"));
                    break;
                }
                hash->addData(buffer);
                left -= buffer.size();
            }
        }
        // Back on the application's thread (where `context` lives); the guard says if it still does.
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [guard, done, error] {
                if (guard) done(error);
            },
            Qt::QueuedConnection);
    });
}

}  // namespace hearth::models
