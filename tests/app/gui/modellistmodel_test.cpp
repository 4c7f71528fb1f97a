// The model manager's list against a real models folder and database: files found and watched,
// unreadable files listed with the reason, the fit check's numbers and next step down, default,
// remove from list, delete.
#include "modellistmodel.h"

#include "storage/store.h"

#include <QAbstractItemModelTester>
#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace hearth;
using namespace hearth::app;

class ModelListModelTest : public QObject {
    Q_OBJECT

private:
    QString m_stories;

    static int rowOf(const ModelListModel& m, const QString& fileName)
    {
        for (int i = 0; i < m.rowCount(); ++i)
            if (m.data(m.index(i), ModelListModel::FileNameRole).toString() == fileName) return i;
        return -1;
    }
    static QVariant role(const ModelListModel& m, const QString& fileName, int role)
    {
        const int row = rowOf(m, fileName);
        return row < 0 ? QVariant() : m.data(m.index(row), role);
    }
    static void waitUntilRead(const ModelListModel& m)
    {
        for (int i = 0; i < 200; ++i) {
            bool all = true;
            for (int r = 0; r < m.rowCount(); ++r) all = all && m.data(m.index(r), ModelListModel::DetailsRole).toString() != "Reading…";
            if (all) return;
            QTest::qWait(25);
        }
    }

private slots:
    void initTestCase()
    {
        const QByteArray shared =
            qgetenv("HEARTH_SHARED_DIR").isEmpty() ? QByteArray(HEARTH_DEFAULT_SHARED_DIR) : qgetenv("HEARTH_SHARED_DIR");
        m_stories = QString::fromUtf8(shared) + "/models/stories260K.gguf";
        if (!QFile::exists(m_stories)) QSKIP("../shared/models/stories260K.gguf is absent");
    }

    void listsTheFolderWithSummariesErrorsAndFit()
    {
        QTemporaryDir dir;
        auto store = storage::Store::open((dir.path() + "/hearth.db").toStdString());
        const QString folder = dir.path() + "/models";
        QDir().mkpath(folder);
        QVERIFY(QFile::copy(m_stories, folder + "/stories.gguf"));
        QFile broken(folder + "/broken.gguf");
        QVERIFY(broken.open(QIODevice::WriteOnly));
        broken.write("GGUF\x03\x00\x00\x00truncated", 17);
        broken.close();

        ModelListModel models(*store, folder);
        QAbstractItemModelTester tester(&models, QAbstractItemModelTester::FailureReportingMode::QtTest);
        models.setBudget(1ull << 30, "the device", 2048);
        QCOMPARE(models.rowCount(), 2);
        waitUntilRead(models);
        QVERIFY2(role(models, "stories.gguf", ModelListModel::DetailsRole).toString().contains("llama · 293 K parameters · F32 · 1.1 MiB"),
                 qPrintable(role(models, "stories.gguf", ModelListModel::DetailsRole).toString()));
        QCOMPARE(role(models, "stories.gguf", ModelListModel::ErrorRole).toString(), QString());
        QVERIFY(role(models, "stories.gguf", ModelListModel::FitsRole).toBool());
        QVERIFY(role(models, "stories.gguf", ModelListModel::FitRole).toString().startsWith("Fits the device"));
        // An unreadable file is listed, with the reason.
        QVERIFY(!role(models, "broken.gguf", ModelListModel::ErrorRole).toString().isEmpty());

        // A device too small for the context: the numbers and the context that would fit.
        // stories260K: 1.12 MiB of weights; 5 layers x (K + V) x 32 values x 2 bytes = 640 bytes per token,
        // so 2 MiB holds 1446 tokens beside the weights: 1280 in steps of 256.
        models.setBudget(2ull << 20, "the device", 2048);
        QVERIFY(!role(models, "stories.gguf", ModelListModel::FitsRole).toBool());
        const QString fit = role(models, "stories.gguf", ModelListModel::FitRole).toString();
        QVERIFY2(fit.contains("Does not fit the device at 2048 tokens of context (needs 2.4 MiB of 2.0 MiB)") &&
                     fit.contains("it fits with a context of 1280 tokens"),
                 qPrintable(fit));

        // A GPU too small for it: GPU offload, about as many layers as fit on the GPU (85 % of 1 MiB
        // over 2.4 MiB / 5 layers: one), the rest on the CPU; one too small for a single layer says it does not fit.
        models.setBudget(1ull << 20, "the GPU", 2048, /*gpu=*/true);
        const QString offload = role(models, "stories.gguf", ModelListModel::FitRole).toString();
        QVERIFY2(offload.startsWith("Runs with GPU offload: about 1 of 5 layers on the GPU") && offload.contains("the rest on the CPU"),
                 qPrintable(offload));
        models.setBudget(100u << 10, "the GPU", 2048, /*gpu=*/true);
        QVERIFY2(role(models, "stories.gguf", ModelListModel::FitRole).toString().startsWith("Does not fit the GPU"),
                 qPrintable(role(models, "stories.gguf", ModelListModel::FitRole).toString()));

        // The folder is watched: a new file appears.
        QSignalSpy changed(&models, &ModelListModel::countChanged);
        QVERIFY(QFile::copy(m_stories, folder + "/another.gguf"));
        QVERIFY(changed.wait(5000) || models.rowCount() == 3);
        QTRY_COMPARE(models.rowCount(), 3);

        // Default, then delete (moved to the trash or removed).
        models.setDefault(folder + "/another.gguf");
        QVERIFY(role(models, "another.gguf", ModelListModel::IsDefaultRole).toBool());
        QVERIFY(models.deleteFile(folder + "/another.gguf"));
        QVERIFY(!QFile::exists(folder + "/another.gguf"));
        QTRY_COMPARE(models.rowCount(), 2);
    }

    void filesAddedFromElsewhereCanBeRemovedFromTheList()
    {
        QTemporaryDir dir;
        auto store = storage::Store::open((dir.path() + "/hearth.db").toStdString());
        store->upsertModel(m_stories.toStdString(), 1, 1, std::nullopt);
        store->upsertModel((dir.path() + "/gone.gguf").toStdString(), 1, 1, std::nullopt);
        ModelListModel models(*store, dir.path() + "/models");
        QAbstractItemModelTester tester(&models, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(models.rowCount(), 2);
        waitUntilRead(models);
        QVERIFY(!role(models, "stories260K.gguf", ModelListModel::InFolderRole).toBool());
        QCOMPARE(role(models, "gone.gguf", ModelListModel::ErrorRole).toString(), QString("The file is missing."));
        models.forget(QFileInfo(dir.path() + "/gone.gguf").absoluteFilePath());
        QCOMPARE(models.rowCount(), 1);
        QVERIFY(QFile::exists(m_stories));  // forgetting never touches the file
    }
};

QTEST_GUILESS_MAIN(ModelListModelTest)
#include "modellistmodel_test.moc"
