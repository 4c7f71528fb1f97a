#include "models/model_sources.h"

#include "models/hub_files.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QStandardPaths>

namespace hearth::models {

namespace {

constexpr int kMaxFilesPerSource = 5000;
constexpr int64_t kMaxManifestBytes = 1 << 20;

QString home() { return QDir::homePath(); }

QString envOr(const char* name, const QString& fallback)
{
    const QString v = qEnvironmentVariable(name);
    return v.isEmpty() ? fallback : v;
}

QString xdgData() { return envOr("XDG_DATA_HOME", home() + QStringLiteral("/.local/share")); }
QString xdgCache() { return envOr("XDG_CACHE_HOME", home() + QStringLiteral("/.cache")); }

bool isModelFile(const QFileInfo& info)
{
    return info.isFile() && info.suffix().compare(QLatin1String("gguf"), Qt::CaseInsensitive) == 0 && info.size() > 0 &&
        !info.fileName().startsWith(QLatin1String("mmproj"), Qt::CaseInsensitive) &&
        !info.fileName().startsWith(QLatin1String("incomplete-"));  // GPT4All's unfinished downloads
}

// GGUF files under root, at most `depth` folders down, named by their path relative to root.
void scanFolder(const ModelSource& source, const QString& root, QList<FoundModel>& out, QSet<QString>& seen)
{
    QDirIterator it(root, {QStringLiteral("*.gguf"), QStringLiteral("*.GGUF")}, QDir::Files | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories | QDirIterator::FollowSymlinks);
    int count = 0;
    while (it.hasNext() && count < kMaxFilesPerSource) {
        const QString path = it.next();
        const QFileInfo info(path);
        if (!isModelFile(info)) continue;
        const QString relative = QDir(root).relativeFilePath(path);
        if (relative.count(QLatin1Char('/')) > 4) continue;
        const QString canonical = info.canonicalFilePath();
        if (seen.contains(canonical)) continue;
        seen.insert(canonical);
        ++count;
        FoundModel m {source.id, source.label, relative, path, info.size(), quantizationFromName(info.fileName())};
        // Jan keeps each model as <id>/model.gguf: its folder is its name.
        if (source.id == QLatin1String("jan") && info.fileName() == QLatin1String("model.gguf")) m.name = info.dir().dirName();
        out.append(m);
    }
}

// models--org--name/snapshots/<revision>/<file>.gguf -> "org/name/<file>.gguf"
void scanHubCache(const ModelSource& source, const QString& root, QList<FoundModel>& out, QSet<QString>& seen)
{
    const QDir dir(root);
    for (const QString& repoDir : dir.entryList({QStringLiteral("models--*")}, QDir::Dirs | QDir::NoDotAndDotDot)) {
        const QString repo = repoDir.mid(8).replace(QStringLiteral("--"), QStringLiteral("/"));
        QDirIterator it(dir.filePath(repoDir + QStringLiteral("/snapshots")), {QStringLiteral("*.gguf")}, QDir::Files,
                        QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            const QFileInfo info(path);  // a link into blobs/; size and checks follow it
            if (!isModelFile(info)) continue;
            const QString canonical = info.canonicalFilePath();
            if (canonical.isEmpty() || seen.contains(canonical)) continue;
            seen.insert(canonical);
            const QString inRepo = path.section(QStringLiteral("/snapshots/"), 1).section(QLatin1Char('/'), 1);
            out.append(
                {source.id, source.label, repo + QLatin1Char('/') + inRepo, path, info.size(), quantizationFromName(info.fileName())});
        }
    }
}

QJsonObject readSmallJson(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly) || file.size() > kMaxManifestBytes) return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

QString ollamaBlobPath(const QString& root, const QString& digest)
{
    // "sha256:<hex>" is stored as blobs/sha256-<hex> (older versions: sha256:<hex>).
    static const QRegularExpression pattern(QStringLiteral("^sha256[:-][0-9a-f]{64}$"));
    if (!pattern.match(digest).hasMatch()) return {};
    const QString dashed = root + QStringLiteral("/blobs/") + QString(digest).replace(QLatin1Char(':'), QLatin1Char('-'));
    if (QFileInfo::exists(dashed)) return dashed;
    const QString colon = root + QStringLiteral("/blobs/") + digest;
    return QFileInfo::exists(colon) ? colon : QString();
}

// manifests/<registry>/<namespace>/<model>/<tag> -> "model:tag", "namespace/model:tag" or
// "registry/namespace/model:tag", as `ollama list` prints them.
QString ollamaName(const QString& registry, const QString& ns, const QString& model, const QString& tag)
{
    QString name = model + QLatin1Char(':') + tag;
    if (registry == QLatin1String("registry.ollama.ai")) return ns == QLatin1String("library") ? name : ns + QLatin1Char('/') + name;
    return registry + QLatin1Char('/') + ns + QLatin1Char('/') + name;
}

void scanOllama(const ModelSource& source, const QString& root, QList<FoundModel>& out, QSet<QString>& seen)
{
    const QString manifests = root + QStringLiteral("/manifests");
    QDirIterator it(manifests, QDir::Files, QDirIterator::Subdirectories);
    int count = 0;
    while (it.hasNext() && count < kMaxFilesPerSource) {
        const QString path = it.next();
        const QStringList parts = QDir(manifests).relativeFilePath(path).split(QLatin1Char('/'));
        if (parts.size() != 4) continue;
        const QJsonObject manifest = readSmallJson(path);
        QString blob, quantization;
        for (const QJsonValue& layer : manifest.value(QLatin1String("layers")).toArray()) {
            const QJsonObject l = layer.toObject();
            if (l.value(QLatin1String("mediaType")).toString() == QLatin1String("application/vnd.ollama.image.model")) {
                blob = ollamaBlobPath(root, l.value(QLatin1String("digest")).toString());
                break;
            }
        }
        if (blob.isEmpty()) continue;
        const QString config =
            ollamaBlobPath(root, manifest.value(QLatin1String("config")).toObject().value(QLatin1String("digest")).toString());
        if (!config.isEmpty()) quantization = readSmallJson(config).value(QLatin1String("file_type")).toString();
        const QFileInfo info(blob);
        if (!info.isFile() || info.size() == 0) continue;
        seen.insert(info.canonicalFilePath());
        ++count;
        out.append({source.id, source.label, ollamaName(parts[0], parts[1], parts[2], parts[3]), blob, info.size(), quantization});
    }
}

}  // namespace

QList<ModelSource> modelSources()
{
    const QString h = home();
    QList<ModelSource> sources;
    sources.append({QStringLiteral("lmstudio"),
                    QStringLiteral("LM Studio"),
                    {h + QStringLiteral("/.lmstudio/models"), h + QStringLiteral("/.cache/lm-studio/models")}});
    sources.append({QStringLiteral("gpt4all"),
                    QStringLiteral("GPT4All"),
                    {xdgData() + QStringLiteral("/nomic.ai/GPT4All"), h + QStringLiteral("/Library/Application Support/nomic.ai/GPT4All"),
                     envOr("LOCALAPPDATA", h + QStringLiteral("/AppData/Local")) + QStringLiteral("/nomic.ai/GPT4All")}});
    sources.append({QStringLiteral("jan"),
                    QStringLiteral("Jan"),
                    {h + QStringLiteral("/jan/models"), xdgData() + QStringLiteral("/Jan/data/llamacpp/models"),
                     xdgData() + QStringLiteral("/Jan/data/models")}});
    const QString hfHome = envOr("HF_HOME", xdgCache() + QStringLiteral("/huggingface"));
    sources.append(
        {QStringLiteral("huggingface"), QStringLiteral("Hugging Face cache"), {envOr("HF_HUB_CACHE", hfHome + QStringLiteral("/hub"))}});
    sources.append({QStringLiteral("llamacpp"),
                    QStringLiteral("llama.cpp cache"),
                    {envOr("LLAMA_CACHE", xdgCache() + QStringLiteral("/llama.cpp")), h + QStringLiteral("/Library/Caches/llama.cpp")}});
    QStringList ollamaRoots = {envOr("OLLAMA_MODELS", h + QStringLiteral("/.ollama/models"))};
    if (qEnvironmentVariableIsEmpty("OLLAMA_MODELS")) ollamaRoots << QStringLiteral("/usr/share/ollama/.ollama/models");
    sources.append({QStringLiteral("ollama"), QStringLiteral("Ollama"), ollamaRoots});
    return sources;
}

QList<FoundModel> scanModelSources(const QStringList& enabled)
{
    QList<FoundModel> out;
    QSet<QString> seen;
    for (const ModelSource& source : modelSources()) {
        if (!enabled.isEmpty() && !enabled.contains(source.id)) continue;
        for (const QString& root : source.roots) {
            if (!QFileInfo(root).isDir()) continue;
            if (source.id == QLatin1String("huggingface")) scanHubCache(source, root, out, seen);
            else if (source.id == QLatin1String("ollama")) scanOllama(source, root, out, seen);
            else scanFolder(source, root, out, seen);
        }
    }
    return out;
}

QString sourceSettingKey(const QString& id) { return QStringLiteral("sources.") + id; }

}  // namespace hearth::models
