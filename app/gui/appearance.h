// The theme and font size from the settings, applied to the whole application (windows and
// popups alike) through the application palette and font.
#pragma once

#include <QString>

namespace hearth::app {

// theme: "system" (the palette the platform gave at start-up), "light" or "dark".
// fontPoints: 0 for the platform's size. A no-op without a QGuiApplication (tests).
void applyAppearance(const QString& theme, int fontPoints);

}  // namespace hearth::app
