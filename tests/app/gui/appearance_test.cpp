// The themes' colours read: WCAG's contrast ratio between the text and what it sits on is at
// least 4.5 (AA) in the light and dark themes and at least 7 (AAA) everywhere in high contrast.
#include "appearance.h"

#include <QColor>
#include <QTest>

#include <algorithm>
#include <cmath>

using namespace hearth::app;

namespace {

double luminance(const QColor& c)
{
    auto channel = [](double v) { return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF());
}

double contrast(const QColor& a, const QColor& b)
{
    const double x = luminance(a), y = luminance(b);
    return (std::max(x, y) + 0.05) / (std::min(x, y) + 0.05);
}

}  // namespace

class AppearanceTest : public QObject {
    Q_OBJECT

private slots:
    void textStandsOutInEveryTheme()
    {
        for (const char* theme : {"light", "dark", "contrast"}) {
            const QVariantMap c = themeColors(theme);
            const double least = QString(theme) == "contrast" ? 7.0 : 4.5;
            auto check = [&](const char* fore, const char* back) {
                const double ratio = contrast(c.value(fore).value<QColor>(), c.value(back).value<QColor>());
                QVERIFY2(ratio >= least,
                         qPrintable(QString("%1: %2 on %3 has contrast %4, under %5").arg(theme, fore, back).arg(ratio).arg(least)));
            };
            check("text", "base");
            check("windowText", "window");
            check("buttonText", "button");
            check("highlightedText", "highlight");
            if (QString(theme) == "contrast") {
                check("link", "base");
                check("placeholderText", "base");
                check("disabledText", "window");
            }
        }
    }
};

QTEST_MAIN(AppearanceTest)
#include "appearance_test.moc"
