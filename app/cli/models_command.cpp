// hearth-cli models [--data-dir DIR] catalog [--json] | search QUERY [--json] | files REPO [--json]
//                   | preview REPO:FILE [--json] | pull (REPO[:FILE|:QUANT] | CATALOG-ID[:QUANT]) [--json]
//                   | list [--json] | scan [--json] | rm NAME
// Getting models from the command line, with the app's catalog, Hub client, download queue and
// sources (so a pull interrupted here resumes in the app, and the other way round).
#include "cli_args.h"
#include "passphrase_input.h"
#include "commands.h"

#include "models/catalog.h"
#include "models/download_queue.h"
#include "models/hub_client.h"
#include "models/model_sources.h"
#include "storage/data_location.h"
#include "storage/store.h"

#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <stdexcept>
#include <unistd.h>

namespace hearth::cli {

using namespace hearth::models;
using nlohmann::json;

namespace {

std::string str(const QString& s) { return s.toStdString(); }
void printJson(const json& j) { std::printf("%s\n", j.dump(2, ' ', false, json::error_handler_t::replace).c_str()); }
void printJsonLine(const json& j)
{
    std::printf("%s\n", j.dump(-1, ' ', false, json::error_handler_t::replace).c_str());
    std::fflush(stdout);
}
std::string bytes(int64_t n) { return str(formatBytes(n)); }

// Runs the Qt event loop until `start` calls the finish function it is given.
void waitFor(const std::function<void(std::function<void()>)>& start)
{
    QEventLoop loop;
    bool done = false;
    start([&] {
        done = true;
        loop.quit();
    });
    if (!done) loop.exec();
}

struct Context {
    QString dataDir;
    std::unique_ptr<storage::Store> store;
    bool asJson = false;

    void requireOnline() const
    {
        if (offlineMode(*store)) throw std::runtime_error(str(offlineMessage()));
    }
    HubEndpoint endpoint() const { return hubEndpoint(*store, dataDir); }
};

json summaryJson(const ModelSummary& s)
{
    return {{"architecture", s.architecture},
            {"name", s.name},
            {"parameters", s.parameterCount},
            {"weight_bytes", s.weightBytes},
            {"weight_type", s.dominantWeightType},
            {"context", s.contextLength},
            {"layers", s.blockCount},
            {"file_bytes", s.fileBytes},
            {"supported", unsupportedReason(s).empty()},
            {"unsupported_reason", unsupportedReason(s)}};
}

int catalogAction(Context& c)
{
    const Catalog catalog = loadCatalog();
    if (c.asJson) {
        json entries = json::array();
        for (const auto& e : catalog.entries) {
            json files = json::array();
            for (const auto& f : e.files)
                files.push_back({{"quantization", str(f.quantization)}, {"file", str(f.file)}, {"size", f.approximateBytes}});
            entries.push_back({{"id", str(e.id)},
                               {"name", str(e.name)},
                               {"repository", str(e.repository)},
                               {"architecture", str(e.architecture)},
                               {"parameters", str(e.parameters)},
                               {"context", e.context},
                               {"reasoning", e.reasoning},
                               {"license", str(e.license)},
                               {"description", str(e.description)},
                               {"recommended", str(e.recommendedQuantization)},
                               {"files", files},
                               {"status", e.runnable ? "ready" : "coming"}});
        }
        printJson({{"version", catalog.version}, {"updated", str(catalog.updated)}, {"entries", entries}});
        return 0;
    }
    for (const auto& e : catalog.entries) {
        const auto& f = e.recommendedFile();
        std::printf("%-32s %-34s %8s %-7s %9s  %s%s\n", str(e.id).c_str(), str(e.name).c_str(), str(e.parameters).c_str(),
                    str(f.quantization).c_str(), bytes(f.approximateBytes).c_str(), e.runnable ? "" : "coming: ",
                    e.runnable ? str(e.description).c_str() : ("architecture '" + str(e.architecture) + "' is not supported yet").c_str());
    }
    return 0;
}

// Starts a Hub call whose callback gets (error, value), waits for it, throws its error.
template <typename T, typename Call>
T awaitHub(const Call& call)
{
    QString error;
    T value {};
    waitFor([&](std::function<void()> finish) {
        call([&, finish](const QString& e, const T& v) {
            error = e;
            value = v;
            finish();
        });
    });
    if (!error.isEmpty()) throw std::runtime_error(str(error));
    return value;
}

QList<HubFile> listRepoFiles(HubClient& client, const QString& repo)
{
    return awaitHub<QList<HubFile>>([&](auto done) { client.listFiles(repo, done); });
}

int searchAction(Context& c, const QString& query)
{
    c.requireOnline();
    HubClient client(c.endpoint());
    const auto repos = awaitHub<QList<HubRepo>>([&](auto done) { client.search(query, done); });
    if (c.asJson) {
        json out = json::array();
        for (const auto& r : repos)
            out.push_back({{"repository", str(r.id)},
                           {"downloads", r.downloads},
                           {"likes", r.likes},
                           {"updated", str(r.updated)},
                           {"gated", r.gated}});
        printJson(out);
        return 0;
    }
    if (repos.isEmpty()) std::printf("no GGUF repositories match '%s'\n", str(query).c_str());
    for (const auto& r : repos)
        std::printf("%-60s %10lld downloads %6lld likes  %s%s\n", str(r.id).c_str(), static_cast<long long>(r.downloads),
                    static_cast<long long>(r.likes), str(r.updated.left(10)).c_str(), r.gated ? "  (gated)" : "");
    return 0;
}

int filesAction(Context& c, const QString& repo)
{
    c.requireOnline();
    HubClient client(c.endpoint());
    const auto groups = groupModelFiles(listRepoFiles(client, repo));
    if (c.asJson) {
        json out = json::array();
        for (const auto& g : groups) {
            json parts = json::array();
            for (const auto& p : g.parts) parts.push_back({{"path", str(p.path)}, {"size", p.size}, {"sha256", str(p.sha256)}});
            out.push_back({{"name", str(g.name)},
                           {"quantization", str(g.quantization)},
                           {"size", g.size},
                           {"complete", g.complete},
                           {"projector", g.projector},
                           {"parts", parts}});
        }
        printJson(out);
        return 0;
    }
    if (groups.isEmpty()) std::printf("%s has no GGUF files\n", str(repo).c_str());
    for (const auto& g : groups) {
        std::printf("%-60s %-8s %10s", str(g.name).c_str(), str(g.quantization).c_str(), bytes(g.size).c_str());
        if (g.parts.size() > 1) std::printf("  %lld parts%s", static_cast<long long>(g.parts.size()), g.complete ? "" : " (some missing)");
        if (g.projector) std::printf("  vision projector");
        std::printf("\n");
    }
    return 0;
}

int previewAction(Context& c, const QString& spec)
{
    c.requireOnline();
    const QString repo = spec.section(QLatin1Char(':'), 0, 0), selector = spec.section(QLatin1Char(':'), 1);
    HubClient client(c.endpoint());
    const auto groups = groupModelFiles(listRepoFiles(client, repo));
    const HubModelFile& chosen = selectModelFile(groups, selector, repo);
    const HubFile& first = chosen.parts.front();  // a split model's header is in its first part
    const auto preview = awaitHub<HeaderPreview>([&](auto done) { client.previewHeader(repo, first.path, first.size, done); });
    const ModelSummary& s = preview.summary;
    const FitCheck fit = checkFit(s, 4096, systemMemoryBytes());
    if (c.asJson) {
        json j = summaryJson(s);
        j["file"] = str(first.path);
        j["bytes_read"] = preview.bytesRead;
        j["total_bytes"] = chosen.size;
        j["fits_system_memory_at_4096"] = fit.fits;
        printJson(j);
        return 0;
    }
    const double billions = double(s.parameterCount) / 1e9;
    std::printf("%s (%s)\n  architecture %s, %.1f %s parameters, %s, context %llu\n  %s\n  read %s of %s to find out\n",
                str(first.path).c_str(), str(repo).c_str(), s.architecture.c_str(), billions >= 1 ? billions : billions * 1000,
                billions >= 1 ? "B" : "M", s.dominantWeightType.c_str(), static_cast<unsigned long long>(s.contextLength),
                unsupportedReason(s).empty() ? (fit.fits ? "Hearth runs it; it fits this computer's memory at 4096 tokens"
                                                         : "Hearth runs it, but it does not fit this computer's memory at 4096 tokens")
                                             : ("Hearth cannot run it yet: " + unsupportedReason(s)).c_str(),
                bytes(preview.bytesRead).c_str(), bytes(chosen.size).c_str());
    return 0;
}

int pullAction(Context& c, const QString& spec)
{
    c.requireOnline();
    QString repo = spec.section(QLatin1Char(':'), 0, 0), selector = spec.section(QLatin1Char(':'), 1);
    if (!repo.contains(QLatin1Char('/'))) {
        // A catalog id: its repository, and the recommended file unless a quantization is named.
        const Catalog catalog = loadCatalog();
        const CatalogEntry* entry = catalog.find(repo);
        if (!entry) throw std::invalid_argument("'" + str(repo) + "' is neither owner/name nor a catalog id (hearth-cli models catalog)");
        if (!entry->runnable)
            throw std::runtime_error(str(entry->name) + " is coming: Hearth cannot run architecture '" + str(entry->architecture) +
                                     "' yet");
        const CatalogFile* file = selector.isEmpty() ? &entry->recommendedFile() : entry->findFile(selector);
        if (!file) throw std::invalid_argument(str(entry->id) + " has no quantization '" + str(selector) + "'");
        repo = entry->repository;
        selector = file->file;
    }
    const HubEndpoint endpoint = c.endpoint();
    HubClient client(endpoint);
    const auto groups = groupModelFiles(listRepoFiles(client, repo));
    const HubModelFile& chosen = selectModelFile(groups, selector, repo);
    if (!chosen.complete) throw std::runtime_error(str(chosen.name) + ": some parts of this split model are missing from the repository");

    DownloadQueue queue(*c.store, endpoint);
    queue.setParallel(1);  // parts in order, one progress line
    const QString modelsDir = modelsDirectory(c.dataDir);
    QList<int64_t> ids;
    QHash<int64_t, QString> names;
    int pending = 0, failed = 0;
    const bool terminal = !c.asJson && isatty(STDOUT_FILENO);
    QObject::connect(&queue, &DownloadQueue::resumedFrom, [&](int64_t id, int64_t offset) {
        if (c.asJson) printJsonLine({{"event", "resume"}, {"file", str(names[id])}, {"offset", offset}});
        else std::printf("%s: resuming from %s\n", str(names[id]).c_str(), bytes(offset).c_str());
    });
    QObject::connect(&queue, &DownloadQueue::progress, [&](int64_t id, int64_t received, int64_t total, double speed) {
        if (c.asJson) {
            printJsonLine(
                {{"event", "progress"}, {"file", str(names[id])}, {"received", received}, {"total", total}, {"bytes_per_second", speed}});
        } else if (terminal) {
            const double left = speed > 0 && total > received ? double(total - received) / speed : 0;
            std::printf("\r%s: %5.1f%%  %s of %s  %s/s  %d:%02d left   ", str(names[id]).c_str(),
                        total ? 100.0 * double(received) / double(total) : 0.0, bytes(received).c_str(), bytes(total).c_str(),
                        bytes(int64_t(speed)).c_str(), int(left) / 60, int(left) % 60);
            std::fflush(stdout);
        }
    });
    QEventLoop loop;
    QObject::connect(&queue, &DownloadQueue::finished, [&](int64_t id, bool ok, const QString& message, const QString& path) {
        if (!ids.contains(id)) return;
        if (terminal) std::printf("\n");
        if (c.asJson)
            printJsonLine({{"event", ok ? "done" : "error"}, {"file", str(names[id])}, {"path", str(path)}, {"message", str(message)}});
        else std::fprintf(ok ? stdout : stderr, "%s: %s\n", str(names[id]).c_str(), str(message).c_str());
        if (!ok) ++failed;
        if (--pending == 0) loop.quit();
    });
    for (const HubFile& part : chosen.parts) {
        const QString dest = QDir(modelsDir).filePath(repo + QLatin1Char('/') + part.path);
        if (QFileInfo::exists(dest)) {
            if (c.asJson)
                printJsonLine({{"event", "done"}, {"file", str(part.path)}, {"path", str(dest)}, {"message", "already downloaded"}});
            else std::printf("%s: already downloaded (%s)\n", str(part.path).c_str(), str(dest).c_str());
            continue;
        }
        ++pending;
        const int64_t id = queue.enqueue({repo, part.path, dest, part.size, part.sha256});
        ids.append(id);
        names.insert(id, part.path);
    }
    if (pending > 0) loop.exec();
    return failed ? 1 : 0;
}

int listAction(Context& c)
{
    const auto registry = c.store->listModels();
    const auto downloads = c.store->listDownloads();
    QStringList enabled;
    for (const auto& s : modelSources())
        if (c.store->boolSetting(str(sourceSettingKey(s.id)), true)) enabled << s.id;
    const auto found = enabled.isEmpty() ? QList<FoundModel>() : scanModelSources(enabled);
    if (c.asJson) {
        json models = json::array(), queue = json::array(), others = json::array();
        for (const auto& m : registry)
            models.push_back({{"path", m.path}, {"size", m.size}, {"sha256", m.sha256 ? json(*m.sha256) : json(nullptr)}});
        for (const auto& d : downloads)
            queue.push_back({{"id", d.id},
                             {"repository", d.repo},
                             {"file", d.file},
                             {"dest", d.dest},
                             {"state", d.state},
                             {"size", d.size ? json(*d.size) : json(nullptr)},
                             {"received", QFileInfo(QString::fromStdString(d.dest + ".partial")).size()},
                             {"error", d.error ? json(*d.error) : json(nullptr)}});
        for (const auto& f : found)
            others.push_back({{"source", str(f.source)},
                              {"name", str(f.name)},
                              {"path", str(f.path)},
                              {"size", f.size},
                              {"quantization", str(f.quantization)}});
        printJson({{"models", models}, {"downloads", queue}, {"other_apps", others}});
        return 0;
    }
    std::printf("Hearth's models:\n");
    for (const auto& m : registry) std::printf("  %s  %s\n", m.path.c_str(), bytes(m.size).c_str());
    bool header = false;
    for (const auto& d : downloads) {
        if (d.state == "done") continue;
        if (!header) std::printf("downloads:\n");
        header = true;
        std::printf("  %-8s %s/%s  %s of %s%s%s\n", d.state.c_str(), d.repo.c_str(), d.file.c_str(),
                    bytes(QFileInfo(QString::fromStdString(d.dest + ".partial")).size()).c_str(), d.size ? bytes(*d.size).c_str() : "?",
                    d.error ? ": " : "", d.error ? d.error->c_str() : "");
    }
    if (!found.isEmpty()) std::printf("in other apps' folders (used in place):\n");
    for (const auto& f : found) std::printf("  %-18s %s  %s\n", str(f.sourceLabel).c_str(), str(f.name).c_str(), bytes(f.size).c_str());
    return 0;
}

int scanAction(Context& c)
{
    const auto sources = modelSources();
    QStringList enabled;
    for (const auto& s : sources)
        if (c.store->boolSetting(str(sourceSettingKey(s.id)), true)) enabled << s.id;
    const auto found = enabled.isEmpty() ? QList<FoundModel>() : scanModelSources(enabled);
    if (c.asJson) {
        json out = json::array();
        for (const auto& f : found)
            out.push_back({{"source", str(f.source)},
                           {"name", str(f.name)},
                           {"path", str(f.path)},
                           {"size", f.size},
                           {"quantization", str(f.quantization)}});
        printJson(out);
        return 0;
    }
    for (const auto& s : sources) {
        const bool on = enabled.contains(s.id);
        std::printf("%s%s:\n", str(s.label).c_str(), on ? "" : " (turned off in Settings)");
        for (const auto& f : found)
            if (f.source == s.id)
                std::printf("  %-60s %-8s %10s  %s\n", str(f.name).c_str(), str(f.quantization).c_str(), bytes(f.size).c_str(),
                            str(f.path).c_str());
    }
    return 0;
}

int removeAction(Context& c, const QString& name)
{
    const QString modelsDir = QDir(modelsDirectory(c.dataDir)).canonicalPath();
    QString path;
    for (const auto& d : c.store->listDownloads()) {
        const QString dest = QString::fromStdString(d.dest);
        if (dest == name || QString::fromStdString(d.repo + "/" + d.file) == name || QFileInfo(dest).fileName() == name) path = dest;
    }
    if (path.isEmpty() && QFileInfo(name).isFile()) path = QFileInfo(name).absoluteFilePath();
    if (path.isEmpty()) throw std::invalid_argument("no downloaded model named '" + str(name) + "' (hearth-cli models list)");
    const QString canonical = QFileInfo(path).canonicalFilePath();
    // Only files in Hearth's own models folder: another app's files are used in place, never deleted.
    if (!canonical.isEmpty() && (modelsDir.isEmpty() || !canonical.startsWith(modelsDir + QLatin1Char('/'))))
        throw std::runtime_error(str(path) + " is not in Hearth's models folder (" + str(modelsDirectory(c.dataDir)) +
                                 "); Hearth never deletes other apps' or your own files");
    QFile::remove(path + QStringLiteral(".partial"));
    if (QFileInfo::exists(path) && !QFile::remove(path)) throw std::runtime_error("cannot delete " + str(path));
    for (const auto& d : c.store->listDownloads())
        if (QString::fromStdString(d.dest) == path) c.store->removeDownload(d.id);
    for (const auto& m : c.store->listModels())
        if (QString::fromStdString(m.path) == path) c.store->removeModel(m.id);
    std::printf("deleted %s\n", str(path).c_str());
    return 0;
}

}  // namespace

int runModels(const std::vector<std::string>& argv)
{
    CliArgs args(argv, {"--data-dir"}, {"--json", "--passphrase-stdin"});
    const auto& p = args.positionals();
    const char* usage = "usage: hearth-cli models [--data-dir DIR] catalog | search QUERY | files REPO | preview REPO:FILE | pull SPEC | "
                        "list | scan | rm NAME [--json]";
    if (p.empty()) throw std::invalid_argument(usage);
    int qtArgc = 1;
    char qtName[] = "hearth-cli";
    char* qtArgv[] = {qtName, nullptr};
    QCoreApplication app(qtArgc, qtArgv);  // Qt Network's event loop

    Context c;
    c.dataDir = QString::fromStdString(storage::dataDirectory(args.value("--data-dir").value_or("")));
    unlockIfEncrypted(args, storage::databasePath(str(c.dataDir)));
    c.store = storage::Store::open(storage::databasePath(str(c.dataDir)));
    c.asJson = args.flag("--json");
    const std::string& action = p[0];
    auto argument = [&](const char* what) {
        if (p.size() < 2) throw std::invalid_argument(std::string("usage: hearth-cli models ") + action + " " + what);
        return QString::fromStdString(p[1]);
    };
    if (action == "catalog") return catalogAction(c);
    if (action == "search") return searchAction(c, argument("QUERY"));
    if (action == "files") return filesAction(c, argument("REPO"));
    if (action == "preview") return previewAction(c, argument("REPO:FILE"));
    if (action == "pull") return pullAction(c, argument("REPO[:FILE|:QUANT] | CATALOG-ID[:QUANT]"));
    if (action == "list") return listAction(c);
    if (action == "scan") return scanAction(c);
    if (action == "rm") return removeAction(c, argument("NAME"));
    throw std::invalid_argument(usage);
}

}  // namespace hearth::cli
