#include "models/catalog.h"

#include "engine/engine.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>
#include <stdexcept>

namespace hearth::models {

namespace {

constexpr int kCatalogVersion = 1;
constexpr int64_t kCpuFileLimit = 5'500'000'000;  // ~6 tokens/s at a laptop's memory bandwidth
constexpr double kBudgetShare = 0.85;  // leave room for the app, the OS and activations

[[noreturn]] void fail(const QString& where, const QString& what) { throw std::runtime_error((where + ": " + what).toStdString()); }

QString requireString(const QJsonObject& o, const char* key, const QString& where)
{
    const QJsonValue v = o.value(QLatin1String(key));
    if (!v.isString() || v.toString().trimmed().isEmpty()) fail(where, QStringLiteral("'%1' must be a non-empty string").arg(key));
    return v.toString();
}

int64_t requirePositive(const QJsonObject& o, const char* key, const QString& where)
{
    const QJsonValue v = o.value(QLatin1String(key));
    const qint64 n = v.toInteger(-1);  // -1 for anything but a whole number
    if (!v.isDouble() || n < 1) fail(where, QStringLiteral("'%1' must be a positive whole number").arg(key));
    return n;
}

CatalogEntry parseEntry(const QJsonObject& o, const QString& where)
{
    static const QRegularExpression repoPattern(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$"));
    static const QRegularExpression idPattern(QStringLiteral("^[a-z0-9][a-z0-9.-]*$"));
    CatalogEntry e;
    e.id = requireString(o, "id", where);
    if (!idPattern.match(e.id).hasMatch()) fail(where, QStringLiteral("id '%1' must be lowercase letters, digits, '.' and '-'").arg(e.id));
    const QString at = where + QStringLiteral(" (%1)").arg(e.id);
    e.name = requireString(o, "name", at);
    e.repository = requireString(o, "repository", at);
    if (!repoPattern.match(e.repository).hasMatch()) fail(at, QStringLiteral("repository '%1' is not owner/name").arg(e.repository));
    e.architecture = requireString(o, "architecture", at);
    e.parameters = requireString(o, "parameters", at);
    e.license = requireString(o, "license", at);
    e.description = requireString(o, "description", at);
    if (e.description.size() > 120) fail(at, QStringLiteral("the description is longer than one line (120 characters)"));
    e.context = requirePositive(o, "context", at);
    if (!o.value(QLatin1String("reasoning")).isBool()) fail(at, QStringLiteral("'reasoning' must be true or false"));
    e.reasoning = o.value(QLatin1String("reasoning")).toBool();
    const QJsonObject kv = o.value(QLatin1String("kv")).toObject();
    e.layers = requirePositive(kv, "layers", at + QStringLiteral(" kv"));
    e.kvHeads = requirePositive(kv, "kv_heads", at + QStringLiteral(" kv"));
    e.headDim = requirePositive(kv, "head_dim", at + QStringLiteral(" kv"));
    if (kv.contains(QLatin1String("sliding_window"))) e.slidingWindow = requirePositive(kv, "sliding_window", at + QStringLiteral(" kv"));

    const QJsonArray files = o.value(QLatin1String("files")).toArray();
    if (files.isEmpty()) fail(at, QStringLiteral("'files' must list at least one file"));
    QSet<QString> quantizations;
    for (const QJsonValue& fv : files) {
        const QJsonObject f = fv.toObject();
        CatalogFile file;
        file.quantization = requireString(f, "quantization", at + QStringLiteral(" file"));
        file.file = requireString(f, "file", at + QStringLiteral(" file"));
        if (!file.file.endsWith(QLatin1String(".gguf")) || file.file.contains(QLatin1String("..")) ||
            file.file.startsWith(QLatin1Char('/')))
            fail(at, QStringLiteral("file '%1' must be a relative .gguf path").arg(file.file));
        file.approximateBytes = requirePositive(f, "size", at + QStringLiteral(" file ") + file.file);
        if (quantizations.contains(file.quantization)) fail(at, QStringLiteral("quantization %1 is listed twice").arg(file.quantization));
        quantizations.insert(file.quantization);
        e.files.append(file);
    }
    e.recommendedQuantization = requireString(o, "recommended", at);
    if (!quantizations.contains(e.recommendedQuantization))
        fail(at, QStringLiteral("the recommended quantization %1 is not among its files").arg(e.recommendedQuantization));
    const auto& supported = supportedArchitectures();
    e.runnable = std::find(supported.begin(), supported.end(), e.architecture.toStdString()) != supported.end();
    return e;
}

}  // namespace

const CatalogFile& CatalogEntry::recommendedFile() const { return *findFile(recommendedQuantization); }

const CatalogFile* CatalogEntry::findFile(const QString& quantizationOrFile) const
{
    for (const auto& f : files)
        if (f.quantization.compare(quantizationOrFile, Qt::CaseInsensitive) == 0 || f.file == quantizationOrFile) return &f;
    return nullptr;
}

int64_t CatalogEntry::memoryBytes(const CatalogFile& file, int64_t requestedContext) const
{
    const int64_t tokens = std::min(requestedContext, context);
    // F16 K and V per layer; sliding-window layers (most of Gemma's) keep only their window.
    const int64_t perToken = 2 * kvHeads * headDim * 2;
    int64_t kv = layers * perToken * tokens;
    if (slidingWindow > 0 && slidingWindow + 512 < tokens) {
        const int64_t globalLayers = std::max<int64_t>(1, layers / 6);
        kv = globalLayers * perToken * tokens + (layers - globalLayers) * perToken * (slidingWindow + 512);
    }
    return file.approximateBytes + kv;
}

const CatalogEntry* Catalog::find(const QString& id) const
{
    for (const auto& e : entries)
        if (e.id == id) return &e;
    return nullptr;
}

Catalog parseCatalog(const QByteArray& json, const QString& source)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (doc.isNull()) fail(source, QStringLiteral("not valid JSON at byte %1: %2").arg(error.offset).arg(error.errorString()));
    const QJsonObject root = doc.object();
    if (root.value(QLatin1String("format")).toString() != QLatin1String("hearth-catalog"))
        fail(source, QStringLiteral("not a Hearth catalog ('format' is not \"hearth-catalog\")"));
    Catalog catalog;
    catalog.version = int(root.value(QLatin1String("version")).toInt(-1));
    if (catalog.version != kCatalogVersion)
        fail(source, QStringLiteral("catalog version %1; this Hearth reads version %2").arg(catalog.version).arg(kCatalogVersion));
    catalog.updated = requireString(root, "updated", source);
    const QJsonArray entries = root.value(QLatin1String("entries")).toArray();
    if (entries.isEmpty()) fail(source, QStringLiteral("no entries"));
    QSet<QString> ids;
    for (qsizetype i = 0; i < entries.size(); ++i) {
        CatalogEntry e = parseEntry(entries[i].toObject(), source + QStringLiteral(": entry %1").arg(i));
        if (ids.contains(e.id)) fail(source, QStringLiteral("entry id '%1' is used twice").arg(e.id));
        ids.insert(e.id);
        catalog.entries.append(std::move(e));
    }
    return catalog;
}

Catalog loadCatalog()
{
    QFile file(QStringLiteral(":/hearth/catalog/catalog.json"));
    if (!file.open(QIODevice::ReadOnly)) throw std::runtime_error("the built-in model catalog is missing from this build");
    return parseCatalog(file.readAll(), QStringLiteral("built-in catalog"));
}

std::optional<Recommendation> recommend(const Catalog& catalog, int64_t budgetBytes, bool gpu, int64_t context)
{
    std::optional<Recommendation> best;
    const int64_t usable = int64_t(double(budgetBytes) * kBudgetShare);
    auto fits = [&](const CatalogEntry& e, const CatalogFile& f) {
        return e.memoryBytes(f, context) <= usable && (gpu || f.approximateBytes <= kCpuFileLimit);
    };
    for (const auto& e : catalog.entries) {
        if (!e.runnable) continue;
        // The recommended quantization, else the largest of the others that fits.
        const CatalogFile* file = fits(e, e.recommendedFile()) ? &e.recommendedFile() : nullptr;
        for (const auto& f : e.files)
            if (!file && fits(e, f)) file = &f;
            else if (file && file != &e.recommendedFile() && fits(e, f) && f.approximateBytes > file->approximateBytes) file = &f;
        if (file && (!best || file->approximateBytes > best->file->approximateBytes)) best = Recommendation {&e, file};
    }
    return best;
}

}  // namespace hearth::models
