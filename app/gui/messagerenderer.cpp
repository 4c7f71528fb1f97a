#include "messagerenderer.h"

#include <QColor>
#include <QTextBlock>
#include <QTextFrame>
#include <QTextTable>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextFragment>
#include <QTextImageFormat>
#include <QUrl>

#include <vector>

namespace hearth::app {

namespace {

// What Qt's Markdown import leaves plain: code in a fixed-pitch font on a faint band (a
// translucent grey, readable on the light and the dark theme), tables with room in their cells.
void styleForChat(QTextDocument& doc)
{
    const QColor band(128, 128, 128, 40);
    for (QTextBlock block = doc.begin(); block.isValid(); block = block.next()) {
        const bool codeBlock = block.blockFormat().hasProperty(QTextFormat::BlockCodeFence) ||
            block.blockFormat().hasProperty(QTextFormat::BlockCodeLanguage) || block.blockFormat().nonBreakableLines();
        QTextCursor cursor(block);
        if (codeBlock) {
            QTextBlockFormat f = block.blockFormat();
            f.setBackground(band);
            cursor.setBlockFormat(f);
        }
        for (auto it = block.begin(); !it.atEnd(); ++it) {
            const QTextFragment fragment = it.fragment();
            if (!codeBlock && !fragment.charFormat().fontFixedPitch()) continue;
            QTextCursor span(&doc);
            span.setPosition(fragment.position());
            span.setPosition(fragment.position() + fragment.length(), QTextCursor::KeepAnchor);
            QTextCharFormat f;
            f.setFontFamilies({QStringLiteral("monospace")});
            if (!codeBlock) f.setBackground(band);
            span.mergeCharFormat(f);
        }
    }
    for (QTextFrame* frame : doc.rootFrame()->childFrames())
        if (auto* table = qobject_cast<QTextTable*>(frame)) {
            QTextTableFormat f = table->format();
            f.setCellPadding(4);
            f.setCellSpacing(0);
            f.setBorderCollapse(true);
            table->setFormat(f);
        }
}

}  // namespace

QString renderMessageHtml(const QString& markdown)
{
    QTextDocument doc;
    // GitHub's dialect (tables, task lists, strikethrough, autolinks) without its HTML: a
    // message's "<img src=…>" or "</s>" is text the user should see, not markup.
    doc.setMarkdown(markdown, QTextDocument::MarkdownFeatures(QTextDocument::MarkdownDialectGitHub | QTextDocument::MarkdownNoHTML));
    // Images (inline or reference-style) become a text note; nothing is ever fetched.
    std::vector<std::pair<int, int>> images;  // position, length
    std::vector<QString> urls;
    for (QTextBlock block = doc.begin(); block.isValid(); block = block.next())
        for (auto it = block.begin(); !it.atEnd(); ++it) {
            const QTextFragment fragment = it.fragment();
            if (!fragment.isValid() || !fragment.charFormat().isImageFormat()) continue;
            images.emplace_back(fragment.position(), fragment.length());
            urls.push_back(fragment.charFormat().toImageFormat().name());
        }
    for (size_t i = images.size(); i-- > 0;) {  // from the end, so earlier positions stay valid
        QTextCursor cursor(&doc);
        cursor.setPosition(images[i].first);
        cursor.setPosition(images[i].first + images[i].second, QTextCursor::KeepAnchor);
        QTextCharFormat plain;
        plain.setFontItalic(true);
        cursor.insertText(QStringLiteral("[image: %1]").arg(urls[i]), plain);
    }
    styleForChat(doc);
    return doc.toHtml();
}

bool isOpenableLink(const QString& url)
{
    const QString scheme = QUrl(url).scheme().toLower();
    return scheme == QLatin1String("http") || scheme == QLatin1String("https") || scheme == QLatin1String("mailto");
}

}  // namespace hearth::app
