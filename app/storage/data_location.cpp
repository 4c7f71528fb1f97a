#include "storage/data_location.h"

#include <QCoreApplication>
#include <QSettings>
#include <QStandardPaths>

#include <cstdlib>

namespace hearth::storage {

std::string dataDirectory(const std::string& overrideDir)
{
    if (!overrideDir.empty()) return overrideDir;
    if (const char* env = std::getenv("HEARTH_DATA_DIR"); env && *env) return env;
    // The GUI and the CLI must resolve the same folder (e.g. ~/.local/share/Hearth), with or
    // without a QCoreApplication, so both name the application the same way here.
    QCoreApplication::setApplicationName("Hearth");
    QCoreApplication::setOrganizationName(QString());
    const QString chosen = QSettings(QSettings::NativeFormat, QSettings::UserScope, "Hearth", "Hearth").value("dataDirectory").toString();
    if (!chosen.isEmpty()) return chosen.toStdString();
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation).toStdString();
}

void rememberDataDirectory(const std::string& folder)
{
    QSettings(QSettings::NativeFormat, QSettings::UserScope, "Hearth", "Hearth").setValue("dataDirectory", QString::fromStdString(folder));
}

std::string databasePath(const std::string& dataDir) { return dataDir + "/hearth.db"; }

}  // namespace hearth::storage
