// SHA-256 of a file's bytes on a pool thread, reported back on the caller's thread: checking a
// resumed download's bytes, or a finished file against its checksum, never freezes the window.
#pragma once

#include <QByteArray>
#include <QCryptographicHash>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>

namespace hearth::models {

// Feeds the file's first `length` bytes (all when negative) into `hash` on a pool thread, then
// calls done(error) on `context`'s thread unless `context` is gone. `hash` is not touched by the
// caller until then.
void hashFileAsync(const QString& path, int64_t length, std::shared_ptr<QCryptographicHash> hash, QObject* context,
                   std::function<void(const QString& error)> done);

}  // namespace hearth::models
