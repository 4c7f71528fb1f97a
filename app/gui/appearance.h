// The theme and font size from the settings, applied to the whole application (windows and
// popups alike) through the application palette and font.
#pragma once

#include <QString>
#include <QVariantMap>

namespace hearth::app {

// theme: "system" (the palette the platform gave at start-up), "light" or "dark".
// fontPoints: 0 for the platform's size. A no-op without a QGuiApplication (tests).
void applyAppearance(const QString& theme, int fontPoints);

// The same palette as colours by role name ("window", "windowText", "base", …) for the QML
// windows, whose Quick Controls palette does not follow the application palette by itself.
QVariantMap themeColors(const QString& theme);

}  // namespace hearth::app
