// The built-in catalog is valid and honest about what runs; hostile catalogs are refused with
// the entry and field named; the recommendation fits the device it is made for.
#include "engine/engine.h"
#include "models/catalog.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

using namespace hearth::models;

class CatalogTest : public QObject {
    Q_OBJECT

    static QJsonObject builtIn()
    {
        QFile file(QStringLiteral(":/hearth/catalog/catalog.json"));
        if (!file.open(QIODevice::ReadOnly)) qFatal("the catalog resource is missing");
        return QJsonDocument::fromJson(file.readAll()).object();
    }
    static QByteArray withEntry0(const std::function<void(QJsonObject&)>& change)
    {
        QJsonObject root = builtIn();
        QJsonArray entries = root.value(QStringLiteral("entries")).toArray();
        QJsonObject first = entries[0].toObject();
        change(first);
        entries[0] = first;
        root[QStringLiteral("entries")] = entries;
        return QJsonDocument(root).toJson();
    }
    static QString refusal(const QByteArray& json)
    {
        try {
            parseCatalog(json, QStringLiteral("test.json"));
        } catch (const std::runtime_error& e) {
            return QString::fromUtf8(e.what());
        }
        return {};
    }

private slots:
    void builtInCatalogIsValidAndCurrent()
    {
        const Catalog catalog = loadCatalog();
        QCOMPARE(catalog.version, 1);
        QVERIFY2(catalog.entries.size() >= 18, "about twenty models across sizes");
        QSet<QString> families;
        int runnable = 0, reasoning = 0;
        for (const auto& e : catalog.entries) {
            QVERIFY2(!e.description.isEmpty() && !e.license.isEmpty(), qPrintable(e.id));
            QVERIFY2(e.findFile(e.recommendedQuantization), qPrintable(e.id));
            for (const auto& f : e.files) {
                QVERIFY2(f.approximateBytes > 100'000'000, qPrintable(e.id + QLatin1Char(' ') + f.file));
                // The file name says its quantization (that is how the Hub's repositories name them).
                QVERIFY2(f.file.contains(f.quantization, Qt::CaseInsensitive), qPrintable(f.file));
            }
            // "coming" is exactly "the engine cannot run this architecture yet".
            const auto& supported = hearth::supportedArchitectures();
            QCOMPARE(e.runnable, std::find(supported.begin(), supported.end(), e.architecture.toStdString()) != supported.end());
            runnable += e.runnable;
            reasoning += e.reasoning;
            families.insert(e.id.section(QLatin1Char('-'), 0, 0));
        }
        QVERIFY(runnable >= 15);
        QVERIFY(reasoning >= 5);
        for (const char* family : {"qwen3", "deepseek", "llama", "gemma", "phi", "smollm3", "mistral"})
            QVERIFY2(families.contains(QLatin1String(family)), family);
        QVERIFY(catalog.find(QStringLiteral("gpt-oss-20b")) && catalog.find(QStringLiteral("gpt-oss-20b"))->runnable);
        QVERIFY(catalog.find(QStringLiteral("deepseek-v2-lite-chat")) && catalog.find(QStringLiteral("deepseek-v2-lite-chat"))->runnable);
        for (const char* hybrid : {"qwen3.5-0.8b", "qwen3.5-4b", "qwen3.5-9b", "qwen3.5-35b-a3b"})
            QVERIFY2(catalog.find(QLatin1String(hybrid)) && catalog.find(QLatin1String(hybrid))->runnable, hybrid);
        // An architecture the engine does not run is listed as coming.
        QVERIFY(catalog.find(QStringLiteral("lfm2-1.2b")) && !catalog.find(QStringLiteral("lfm2-1.2b"))->runnable);
    }

    void hostileCatalogsAreRefusedWithTheFieldNamed()
    {
        QVERIFY(refusal("{").contains(QLatin1String("not valid JSON")));
        QVERIFY(refusal("[]").contains(QLatin1String("not a Hearth catalog")));
        QJsonObject root = builtIn();
        root[QStringLiteral("version")] = 99;
        QVERIFY(refusal(QJsonDocument(root).toJson()).contains(QLatin1String("version 99")));
        QVERIFY(refusal(withEntry0([](QJsonObject& e) { e.remove(QStringLiteral("license")); })).contains(QLatin1String("'license'")));
        QVERIFY(refusal(withEntry0([](QJsonObject& e) {
                    e[QStringLiteral("repository")] = QStringLiteral("../etc");
                })).contains(QLatin1String("owner/name")));
        QVERIFY(refusal(withEntry0([](QJsonObject& e) {
                    e[QStringLiteral("recommended")] = QStringLiteral("Q9_K");
                })).contains(QLatin1String("Q9_K")));
        QVERIFY(refusal(withEntry0([](QJsonObject& e) {
                    QJsonArray files = e[QStringLiteral("files")].toArray();
                    QJsonObject f = files[0].toObject();
                    f[QStringLiteral("file")] = QStringLiteral("../../.bashrc.gguf");
                    files[0] = f;
                    e[QStringLiteral("files")] = files;
                })).contains(QLatin1String("relative .gguf path")));
        QVERIFY(refusal(withEntry0([](QJsonObject& e) { e[QStringLiteral("context")] = -5; })).contains(QLatin1String("'context'")));
        QJsonObject twice = builtIn();
        QJsonArray entries = twice[QStringLiteral("entries")].toArray();
        entries.append(entries[0]);
        twice[QStringLiteral("entries")] = entries;
        QVERIFY(refusal(QJsonDocument(twice).toJson()).contains(QLatin1String("used twice")));
    }

    void recommendationFitsTheDevice()
    {
        const Catalog catalog = loadCatalog();
        constexpr int64_t GB = 1'000'000'000;
        QVERIFY(!recommend(catalog, GB / 4, true));  // nothing fits 250 MB
        for (int64_t budget : {2 * GB, 4 * GB, 8 * GB, 12 * GB, 24 * GB, 80 * GB}) {
            const auto gpu = recommend(catalog, budget, true);
            QVERIFY2(gpu, qPrintable(QString::number(budget)));
            QVERIFY(gpu->entry->runnable);
            QVERIFY(gpu->entry->memoryBytes(*gpu->file, 4096) <= budget);
            const auto cpu = recommend(catalog, budget, false);
            QVERIFY(cpu && cpu->file->approximateBytes <= 5'500'000'000);  // a CPU answers too slowly past that
        }
        QVERIFY(recommend(catalog, 24 * GB, true)->file->approximateBytes > recommend(catalog, 8 * GB, true)->file->approximateBytes);
        // Gemma's sliding-window layers keep their KV cache small at long contexts.
        const CatalogEntry* gemma = catalog.find(QStringLiteral("gemma-3-4b"));
        const CatalogEntry* qwen = catalog.find(QStringLiteral("qwen3-4b"));
        QVERIFY(gemma->memoryBytes(gemma->recommendedFile(), 32768) - gemma->recommendedFile().approximateBytes <
                qwen->memoryBytes(qwen->recommendedFile(), 32768) - qwen->recommendedFile().approximateBytes);
    }
};

QTEST_GUILESS_MAIN(CatalogTest)
#include "catalog_test.moc"
