#include "messagerenderer.h"

#include "code_highlighter.h"

#include <QColor>
#include <QObject>
#include <QStringList>
#include <QTextBlock>
#include <QTextFrame>
#include <QTextTable>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextFragment>
#include <QTextImageFormat>
#include <QUrl>

#include <cstring>
#include <vector>

namespace hearth::app {

namespace {

constexpr auto kCopyScheme = "hearth-copy:";

bool isCodeBlock(const QTextBlock& block)
{
    const QTextBlockFormat f = block.blockFormat();
    return f.hasProperty(QTextFormat::BlockCodeFence) || f.hasProperty(QTextFormat::BlockCodeLanguage) || f.nonBreakableLines();
}

// The message's code blocks: each a run of consecutive code lines of the document.
struct CodeRun {
    QTextBlock first;
    int lines = 0;
};

QTextDocument* parse(QTextDocument& doc, const QString& markdown)
{
    // GitHub's dialect (tables, task lists, strikethrough, autolinks) without its HTML: a
    // message's "<img src=…>" or "</s>" is text the user should see, not markup.
    doc.setMarkdown(markdown, QTextDocument::MarkdownFeatures(QTextDocument::MarkdownDialectGitHub | QTextDocument::MarkdownNoHTML));
    return &doc;
}

std::vector<CodeRun> codeRuns(QTextDocument& doc)
{
    std::vector<CodeRun> runs;
    bool inRun = false;
    for (QTextBlock block = doc.begin(); block.isValid(); block = block.next()) {
        if (!isCodeBlock(block)) {
            inRun = false;
            continue;
        }
        if (!inRun) runs.push_back({block, 0});
        inRun = true;
        ++runs.back().lines;
    }
    return runs;
}

// Syntax colours and, above each code block, its "Copy code" link (from the last block back,
// so that inserting one does not move the blocks still to do).
void decorateCode(QTextDocument& doc)
{
    std::vector<CodeRun> runs = codeRuns(doc);
    for (const CodeRun& run : runs) {
        const QString language = run.first.blockFormat().stringProperty(QTextFormat::BlockCodeLanguage);
        QTextBlock block = run.first;
        for (int line = 0; line < run.lines && block.isValid(); ++line, block = block.next()) {
            const int base = block.position();
            highlightCodeLine(block.text(), language, [&](int start, int length, CodeToken kind) {
                QTextCursor span(&doc);
                span.setPosition(base + start);
                span.setPosition(base + start + length, QTextCursor::KeepAnchor);
                span.mergeCharFormat(codeTokenFormat(kind));
            });
        }
    }
    for (size_t i = runs.size(); i-- > 0;) {
        QTextCursor cursor(runs[i].first);
        cursor.movePosition(QTextCursor::StartOfBlock);
        // The code's first line moves down keeping its format; the block it leaves becomes the link's.
        cursor.insertBlock(runs[i].first.blockFormat(), runs[i].first.charFormat());
        cursor.movePosition(QTextCursor::PreviousBlock);
        QTextBlockFormat paragraph;
        paragraph.setAlignment(Qt::AlignRight);
        cursor.setBlockFormat(paragraph);
        cursor.setBlockCharFormat(QTextCharFormat());
        QTextCharFormat link;
        link.setAnchor(true);
        link.setAnchorHref(QString::fromLatin1(kCopyScheme) + QString::number(i));
        link.setForeground(QColor(0x3b, 0x7d, 0xd8));
        link.setFontPointSize(0);  // the document's size
        cursor.insertText(QObject::tr("Copy code"), link);
    }
}

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
    parse(doc, markdown);
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
    decorateCode(doc);
    return doc.toHtml();
}

std::vector<QString> messageCodeBlocks(const QString& markdown)
{
    QTextDocument doc;
    parse(doc, markdown);
    std::vector<QString> blocks;
    for (const CodeRun& run : codeRuns(doc)) {
        QStringList lines;
        QTextBlock block = run.first;
        for (int line = 0; line < run.lines && block.isValid(); ++line, block = block.next()) lines << block.text();
        blocks.push_back(lines.join(u'\n'));
    }
    return blocks;
}

int codeBlockLinkIndex(const QString& link)
{
    if (!link.startsWith(QLatin1String(kCopyScheme))) return -1;
    bool ok = false;
    const int index = link.mid(int(std::strlen(kCopyScheme))).toInt(&ok);
    return ok && index >= 0 ? index : -1;
}

bool isOpenableLink(const QString& url)
{
    const QString scheme = QUrl(url).scheme().toLower();
    return scheme == QLatin1String("http") || scheme == QLatin1String("https") || scheme == QLatin1String("mailto");
}

}  // namespace hearth::app
