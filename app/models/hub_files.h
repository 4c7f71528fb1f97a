// What the Hub lists, turned into what a user picks: GGUF files with their size and checksum,
// split files (name-00001-of-00003.gguf) grouped as one model, vision projectors set apart.
#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include <cstdint>

namespace hearth::models {

struct HubRepo {
    QString id;  // "owner/name"
    int64_t downloads = 0, likes = 0;
    QString updated;  // ISO 8601, as the Hub gives it
    bool gated = false;
};

struct HubFile {
    QString path;  // inside the repository
    int64_t size = 0;
    QString sha256;  // the LFS object id: the SHA-256 of the file's bytes ("" for small non-LFS files)
};

struct HubModelFile {
    QString name;  // the file, or for a split model the shared name ("Model-Q4_K_M.gguf")
    QString quantization;  // from the name; "" when it does not say
    QList<HubFile> parts;  // one, or every part of a split model in order
    int64_t size = 0;  // all parts
    bool complete = true;  // every part of a split model is present
    bool projector = false;  // an mmproj (vision) file, not a chat model on its own
};

// The GGUF files of a repository listing, grouped; other files are dropped.
QList<HubModelFile> groupModelFiles(const QList<HubFile>& files);
// "Q4_K_M", "IQ3_XXS", "BF16", "MXFP4"... from a file name; "" when none is recognisable.
QString quantizationFromName(const QString& fileName);
// The one file or group a `pull REPO:SELECTOR` means: an exact path, a group name, or a
// quantization (case-insensitive). Throws std::runtime_error listing the choices otherwise.
const HubModelFile& selectModelFile(const QList<HubModelFile>& files, const QString& selector, const QString& repo);

}  // namespace hearth::models
