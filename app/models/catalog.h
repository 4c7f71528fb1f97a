// The curated model catalog shipped with the app (resources/catalog/catalog.json): current chat
// models across sizes, each with its repository, a file per quantization and what the fit check
// needs. Entries whose architecture the engine cannot run yet are kept and marked "coming".
#pragma once

#include <QList>
#include <QString>

#include <cstdint>
#include <optional>

namespace hearth::models {

struct CatalogFile {
    QString quantization;  // "Q4_K_M"
    QString file;  // the file's path in the repository
    int64_t approximateBytes = 0;  // the Hub's metadata gives the exact size at download time
};

struct CatalogEntry {
    QString id, name, repository, architecture, parameters, license, description;
    int64_t context = 0;  // trained context
    bool reasoning = false;
    // For the KV-cache part of the fit check (the same formula as the engine's).
    int64_t layers = 0, kvHeads = 0, headDim = 0, slidingWindow = 0;
    QList<CatalogFile> files;
    QString recommendedQuantization;
    bool runnable = false;  // the engine runs this architecture today

    const CatalogFile& recommendedFile() const;
    const CatalogFile* findFile(const QString& quantizationOrFile) const;
    // Weights plus an F16 KV cache for `context` tokens (capped at the trained context).
    int64_t memoryBytes(const CatalogFile& file, int64_t context) const;
};

struct Catalog {
    int version = 0;
    QString updated;
    QList<CatalogEntry> entries;

    const CatalogEntry* find(const QString& id) const;
};

// Parses and validates a catalog; throws std::runtime_error naming `source`, the entry and the
// field at fault. loadCatalog() reads the one built into the app.
Catalog parseCatalog(const QByteArray& json, const QString& source);
Catalog loadCatalog();

// The entry to offer a new user: the largest runnable model whose recommended file fits
// `budgetBytes` at `context` tokens. On the CPU, speed matters more than fit: files past
// `cpuFileLimit` bytes would answer too slowly to recommend. nullopt when nothing fits.
struct Recommendation {
    const CatalogEntry* entry = nullptr;
    const CatalogFile* file = nullptr;
};
std::optional<Recommendation> recommend(const Catalog& catalog, int64_t budgetBytes, bool gpu, int64_t context = 4096);

}  // namespace hearth::models
