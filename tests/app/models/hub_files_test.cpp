// What the Hub lists becomes what a user picks: quantizations read from names, split files grouped
// (and incomplete ones flagged), projectors set apart, and `pull REPO:SELECTOR` resolved or refused
// with the choices listed.
#include "models/hub_files.h"

#include <QTest>

using namespace hearth::models;

class HubFilesTest : public QObject {
    Q_OBJECT

private slots:
    void quantizationFromNames()
    {
        const QList<std::pair<const char*, const char*>> cases = {
            {"Qwen3-4B-Q4_K_M.gguf", "Q4_K_M"},
            {"qwen2.5-0.5b-instruct-q8_0.gguf", "Q8_0"},
            {"gemma-3-1b-it-IQ3_XXS.gguf", "IQ3_XXS"},
            {"Meta-Llama-3.1-8B-Instruct-IQ4_NL.gguf", "IQ4_NL"},
            {"gpt-oss-20b-mxfp4.gguf", "MXFP4"},
            {"Qwen3-8B-UD-Q4_K_XL.gguf", "UD-Q4_K_XL"},
            {"model-bf16-00001-of-00002.gguf", "BF16"},
            {"Mistral-7B-Instruct-v0.3.Q5_K_S.gguf", "Q5_K_S"},
            {"ggml-model-f16.gguf", "F16"},
            {"tinyllama.gguf", ""},
            {"notes-about-Q4_K_M", ""},
        };
        for (const auto& [name, expected] : cases) QCOMPARE(quantizationFromName(QLatin1String(name)), QLatin1String(expected));
    }

    void splitFilesAreOneModel()
    {
        const QList<HubFile> files = {
            {"README.md", 10, ""},
            {"Big-Q4_K_M-00002-of-00003.gguf", 200, "b"},
            {"Big-Q4_K_M-00001-of-00003.gguf", 100, "a"},
            {"Big-Q4_K_M-00003-of-00003.gguf", 50, "c"},
            {"Big-Q8_0-00001-of-00002.gguf", 300, "d"},
            {"Small-Q4_0.gguf", 20, "e"},
            {"mmproj-Big-f16.gguf", 30, "f"},
        };
        const auto groups = groupModelFiles(files);
        QCOMPARE(groups.size(), 4);
        QCOMPARE(groups[0].name, QStringLiteral("Small-Q4_0.gguf"));
        const HubModelFile* q4 = nullptr;
        for (const auto& g : groups)
            if (g.name == QLatin1String("Big-Q4_K_M.gguf")) q4 = &g;
        QVERIFY(q4);
        QCOMPARE(q4->parts.size(), 3);
        QCOMPARE(q4->parts[0].path, QStringLiteral("Big-Q4_K_M-00001-of-00003.gguf"));
        QCOMPARE(q4->size, 350);
        QVERIFY(q4->complete);
        QCOMPARE(q4->quantization, QStringLiteral("Q4_K_M"));
        for (const auto& g : groups)
            if (g.name == QLatin1String("Big-Q8_0.gguf")) QVERIFY2(!g.complete, "one part of two is not a model");
        QVERIFY(groups.last().projector);

        QCOMPARE(selectModelFile(groups, QStringLiteral("q4_k_m"), QStringLiteral("o/r")).name, QStringLiteral("Big-Q4_K_M.gguf"));
        QCOMPARE(selectModelFile(groups, QStringLiteral("Small-Q4_0.gguf"), QStringLiteral("o/r")).name, QStringLiteral("Small-Q4_0.gguf"));
        QCOMPARE(selectModelFile(groups, QStringLiteral("Big-Q4_K_M-00002-of-00003.gguf"), QStringLiteral("o/r")).parts.size(), 3);
        try {
            selectModelFile(groups, QStringLiteral("Q2_K"), QStringLiteral("o/r"));
            QFAIL("no Q2_K here");
        } catch (const std::runtime_error& e) {
            QVERIFY(QString::fromUtf8(e.what()).contains(QLatin1String("Small-Q4_0.gguf")));  // the choices are listed
        }
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, selectModelFile(groups, QString(), QStringLiteral("o/r")));
    }
};

QTEST_GUILESS_MAIN(HubFilesTest)
#include "hub_files_test.moc"
