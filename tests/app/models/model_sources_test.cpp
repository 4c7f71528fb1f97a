// Models other apps downloaded are found where those apps keep them, named as those apps name
// them, and never touched: fake homes laid out like LM Studio, GPT4All, Jan, the Hugging Face
// cache, llama.cpp's cache and Ollama's store (real manifests, blobs named by their SHA-256).
#include "gguf/gguf_writer.h"
#include "models/model_sources.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace hearth::models;

namespace {

QByteArray tinyGguf(const char* name)
{
    hearth::GgufWriter w;
    w.addString("general.architecture", "llama");
    w.addString("general.name", name);
    const std::vector<uint8_t> data(256, 1);
    const std::vector<uint64_t> dims = {64};
    w.addTensor("token_embd.weight", hearth::GgmlType::F32, dims, data);
    const auto bytes = w.toBytes();
    return QByteArray(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size()));
}

void writeFile(const QString& path, const QByteArray& bytes)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    QVERIFY2(f.open(QIODevice::WriteOnly), qPrintable(path));
    f.write(bytes);
}

QString sha(const QByteArray& bytes) { return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex()); }

// An Ollama model as `ollama pull` leaves it: the GGUF and its config as blobs, a manifest naming them.
void writeOllamaModel(const QString& root, const QString& manifestPath, const QByteArray& gguf, const QString& fileType)
{
    const QByteArray config =
        QJsonDocument(QJsonObject {{"model_format", "gguf"}, {"model_family", "qwen3"}, {"file_type", fileType}}).toJson();
    const QByteArray tmpl = "{{ .Prompt }}";
    writeFile(root + "/blobs/sha256-" + sha(gguf), gguf);
    writeFile(root + "/blobs/sha256-" + sha(config), config);
    writeFile(root + "/blobs/sha256-" + sha(tmpl), tmpl);
    const QJsonObject manifest {
        {"schemaVersion", 2},
        {"mediaType", "application/vnd.docker.distribution.manifest.v2+json"},
        {"config",
         QJsonObject {{"mediaType", "application/vnd.docker.container.image.v1+json"},
                      {"digest", "sha256:" + sha(config)},
                      {"size", config.size()}}},
        {"layers",
         QJsonArray {
             QJsonObject {{"mediaType", "application/vnd.ollama.image.model"}, {"digest", "sha256:" + sha(gguf)}, {"size", gguf.size()}},
             QJsonObject {
                 {"mediaType", "application/vnd.ollama.image.template"}, {"digest", "sha256:" + sha(tmpl)}, {"size", tmpl.size()}}}},
    };
    writeFile(root + "/manifests/" + manifestPath, QJsonDocument(manifest).toJson());
}

QMap<QString, QDateTime> snapshot(const QString& root)
{
    QMap<QString, QDateTime> out;
    QDirIterator it(root, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString p = it.next();
        out.insert(p, QFileInfo(p).lastModified());
    }
    return out;
}

}  // namespace

class ModelSourcesTest : public QObject {
    Q_OBJECT

    QTemporaryDir m_home;

private slots:
    void initTestCase()
    {
        QVERIFY(m_home.isValid());
        const QString h = m_home.path();
        qputenv("HOME", h.toUtf8());
        qputenv("XDG_DATA_HOME", (h + "/.local/share").toUtf8());
        qputenv("XDG_CACHE_HOME", (h + "/.cache").toUtf8());
        for (const char* v : {"HF_HOME", "HF_HUB_CACHE", "LLAMA_CACHE", "OLLAMA_MODELS"}) qunsetenv(v);

        const QByteArray gguf = tinyGguf("model");
        writeFile(h + "/.lmstudio/models/lmstudio-community/Qwen3-4B-GGUF/Qwen3-4B-Q4_K_M.gguf", gguf);
        writeFile(h + "/.lmstudio/models/lmstudio-community/Qwen3-4B-GGUF/mmproj-Qwen3-4B-F16.gguf", gguf);  // not a chat model
        writeFile(h + "/.local/share/nomic.ai/GPT4All/Llama-3.2-1B-Instruct-Q4_0.gguf", tinyGguf("gpt4all"));
        writeFile(h + "/.local/share/nomic.ai/GPT4All/incomplete-Phi-3-mini-4k-instruct.Q4_0.gguf", gguf);  // still downloading
        writeFile(h + "/jan/models/llama3.2-1b-instruct/model.gguf", tinyGguf("jan-old"));
        writeFile(h + "/.local/share/Jan/data/llamacpp/models/qwen3-4b-q4/model.gguf", tinyGguf("jan-new"));
        // The Hugging Face cache: snapshots link into blobs by checksum.
        const QByteArray hf = tinyGguf("hf");
        const QString repo = h + "/.cache/huggingface/hub/models--bartowski--Llama-3.2-1B-Instruct-GGUF";
        writeFile(repo + "/blobs/" + sha(hf), hf);
        QDir().mkpath(repo + "/snapshots/0123abcd");
        QVERIFY(QFile::link("../../blobs/" + sha(hf), repo + "/snapshots/0123abcd/Llama-3.2-1B-Instruct-Q8_0.gguf"));
        writeFile(repo + "/refs/main", "0123abcd");
        writeFile(h + "/.cache/llama.cpp/ggml-org_gemma-3-1b-it-GGUF_gemma-3-1b-it-Q4_K_M.gguf", tinyGguf("llamacpp"));
        writeFile(h + "/.cache/llama.cpp/ggml-org_gemma-3-1b-it-GGUF_gemma-3-1b-it-Q4_K_M.gguf.json", "{}");
        const QString ollama = h + "/.ollama/models";
        writeOllamaModel(ollama, "registry.ollama.ai/library/qwen3/4b", tinyGguf("ollama-qwen3"), "Q4_K_M");
        writeOllamaModel(ollama, "registry.ollama.ai/someone/tiny/latest", tinyGguf("ollama-tiny"), "Q8_0");
        writeOllamaModel(ollama, "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF/Q4_K_M", tinyGguf("ollama-hf"), "Q4_K_M");
        writeFile(ollama + "/manifests/registry.ollama.ai/library/broken/latest", "{ not json");
    }

    void everySourceIsFoundAndNamedAsItsAppNamesIt()
    {
        const auto before = snapshot(m_home.path());
        const auto found = scanModelSources();
        QMap<QString, QString> byName;  // name -> source
        for (const auto& f : found) {
            byName.insert(f.name, f.source);
            QVERIFY2(QFileInfo(f.path).isFile() && f.size > 0, qPrintable(f.path));
        }
        const QMap<QString, QString> expected = {
            {"lmstudio-community/Qwen3-4B-GGUF/Qwen3-4B-Q4_K_M.gguf", "lmstudio"},
            {"Llama-3.2-1B-Instruct-Q4_0.gguf", "gpt4all"},
            {"llama3.2-1b-instruct", "jan"},
            {"qwen3-4b-q4", "jan"},
            {"bartowski/Llama-3.2-1B-Instruct-GGUF/Llama-3.2-1B-Instruct-Q8_0.gguf", "huggingface"},
            {"ggml-org_gemma-3-1b-it-GGUF_gemma-3-1b-it-Q4_K_M.gguf", "llamacpp"},
            {"qwen3:4b", "ollama"},
            {"someone/tiny:latest", "ollama"},
            {"hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M", "ollama"},
        };
        QCOMPARE(byName, expected);
        for (const auto& f : found) {
            if (f.name == QLatin1String("qwen3:4b")) {
                QCOMPARE(f.quantization, QStringLiteral("Q4_K_M"));  // from Ollama's config blob
                QVERIFY(QFileInfo(f.path).fileName().startsWith(QLatin1String("sha256-")));
            }
            if (f.source == QLatin1String("lmstudio")) QCOMPARE(f.quantization, QStringLiteral("Q4_K_M"));
        }
        QCOMPARE(snapshot(m_home.path()), before);  // read-only: nothing written, moved or touched
    }

    void sourcesTurnedOffAreNotScanned()
    {
        const auto onlyOllama = scanModelSources({QStringLiteral("ollama")});
        QCOMPARE(onlyOllama.size(), 3);
        for (const auto& f : onlyOllama) QCOMPARE(f.source, QStringLiteral("ollama"));
        QVERIFY(scanModelSources({QStringLiteral("nonexistent")}).isEmpty());
    }

    void appVariablesMoveTheFolders()
    {
        QTemporaryDir elsewhere;
        writeOllamaModel(elsewhere.path(), "registry.ollama.ai/library/moved/7b", tinyGguf("moved"), "Q4_0");
        qputenv("OLLAMA_MODELS", elsewhere.path().toUtf8());
        const auto found = scanModelSources({QStringLiteral("ollama")});
        qunsetenv("OLLAMA_MODELS");
        QCOMPARE(found.size(), 1);
        QCOMPARE(found[0].name, QStringLiteral("moved:7b"));
    }
};

QTEST_GUILESS_MAIN(ModelSourcesTest)
#include "model_sources_test.moc"
