#include "appearance.h"

#include <QFont>
#include <QGuiApplication>
#include <QPalette>

namespace hearth::app {

namespace {

enum class Theme { Light, Dark, HighContrast };

QPalette themed(Theme theme)
{
    struct Colors {
        const char *window, *text, *base, *alternate, *button, *highlight, *highlightedText, *mid, *placeholder, *link;
    };
    // High contrast: white on black, yellow for what is selected or a link (WCAG AAA everywhere).
    const Colors c = theme == Theme::Dark
        ? Colors {"#202124", "#e8eaed", "#2a2b2e", "#35363a", "#3c4043", "#8ab4f8", "#202124", "#5f6368", "#9aa0a6", "#8ab4f8"}
        : theme == Theme::HighContrast
        ? Colors {"#000000", "#ffffff", "#000000", "#1a1a1a", "#000000", "#ffff00", "#000000", "#ffffff", "#d0d0d0", "#ffff00"}
        : Colors {"#f3f3f3", "#1f1f1f", "#ffffff", "#eceff3", "#e6e6e6", "#1a73e8", "#ffffff", "#c4c7c5", "#80868b", "#1a73e8"};
    QPalette p;
    p.setColor(QPalette::Window, QColor(c.window));
    p.setColor(QPalette::WindowText, QColor(c.text));
    p.setColor(QPalette::Base, QColor(c.base));
    p.setColor(QPalette::AlternateBase, QColor(c.alternate));
    p.setColor(QPalette::Text, QColor(c.text));
    p.setColor(QPalette::Button, QColor(c.button));
    p.setColor(QPalette::ButtonText, QColor(c.text));
    p.setColor(QPalette::Highlight, QColor(c.highlight));
    p.setColor(QPalette::HighlightedText, QColor(c.highlightedText));
    p.setColor(QPalette::Mid, QColor(c.mid));
    p.setColor(QPalette::Midlight, QColor(c.alternate));
    p.setColor(QPalette::Light, QColor(c.base));
    p.setColor(QPalette::Dark, QColor(c.mid));
    p.setColor(QPalette::PlaceholderText, QColor(c.placeholder));
    p.setColor(QPalette::ToolTipBase, QColor(c.base));
    p.setColor(QPalette::ToolTipText, QColor(c.text));
    p.setColor(QPalette::Link, QColor(c.link));
    p.setColor(QPalette::BrightText, QColor(c.highlight));
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, QColor(c.placeholder));
    return p;
}

QPalette& startupPalette()
{
    static QPalette palette = QGuiApplication::palette();  // before any theme was applied
    return palette;
}

QPalette paletteFor(const QString& theme)
{
    if (theme == "dark") return themed(Theme::Dark);
    if (theme == "light") return themed(Theme::Light);
    if (theme == "contrast") return themed(Theme::HighContrast);
    return startupPalette();
}

}  // namespace

QVariantMap themeColors(const QString& theme)
{
    const QPalette p = paletteFor(theme);
    const std::pair<const char*, QPalette::ColorRole> roles[] = {{"window", QPalette::Window},
                                                                 {"windowText", QPalette::WindowText},
                                                                 {"base", QPalette::Base},
                                                                 {"alternateBase", QPalette::AlternateBase},
                                                                 {"text", QPalette::Text},
                                                                 {"button", QPalette::Button},
                                                                 {"buttonText", QPalette::ButtonText},
                                                                 {"highlight", QPalette::Highlight},
                                                                 {"highlightedText", QPalette::HighlightedText},
                                                                 {"mid", QPalette::Mid},
                                                                 {"light", QPalette::Light},
                                                                 {"midlight", QPalette::Midlight},
                                                                 {"dark", QPalette::Dark},
                                                                 {"placeholderText", QPalette::PlaceholderText},
                                                                 {"link", QPalette::Link}};
    QVariantMap colors;
    for (const auto& [name, role] : roles) colors.insert(QString::fromLatin1(name), p.color(QPalette::Active, role));
    // Some platforms give no distinct disabled colour (offscreen, bare X11): then half-way
    // between the text and the window, so a disabled button still looks disabled.
    QColor disabled = p.color(QPalette::Disabled, QPalette::ButtonText);
    if (disabled == p.color(QPalette::Active, QPalette::ButtonText)) {
        const QColor text = p.color(QPalette::Active, QPalette::ButtonText), window = p.color(QPalette::Active, QPalette::Window);
        disabled = QColor((text.red() + window.red()) / 2, (text.green() + window.green()) / 2, (text.blue() + window.blue()) / 2);
    }
    colors.insert(QStringLiteral("disabledText"), disabled);
    return colors;
}

void applyAppearance(const QString& theme, int fontPoints)
{
    auto* app = qobject_cast<QGuiApplication*>(QCoreApplication::instance());
    if (!app) return;
    startupPalette();
    static const QFont systemFont = QGuiApplication::font();
    QGuiApplication::setPalette(paletteFor(theme));
    QFont font = systemFont;
    if (fontPoints > 0) font.setPointSize(fontPoints);
    QGuiApplication::setFont(font);
}

}  // namespace hearth::app
