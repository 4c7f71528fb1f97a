#include "messagerenderer.h"

#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextFragment>
#include <QTextImageFormat>
#include <QUrl>

#include <vector>

namespace hearth::app {

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
    return doc.toHtml();
}

bool isOpenableLink(const QString& url)
{
    const QString scheme = QUrl(url).scheme().toLower();
    return scheme == QLatin1String("http") || scheme == QLatin1String("https") || scheme == QLatin1String("mailto");
}

}  // namespace hearth::app
