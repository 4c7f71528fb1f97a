// Code blocks in messages: a "Copy code" link above each that copies exactly the block's text,
// syntax colours for common languages, and hostile text inside code still shown as text.
#include "code_highlighter.h"
#include "messagerenderer.h"

#include <QTest>
#include <QTextDocument>

#include <vector>

using namespace hearth::app;

class MessageRendererTest : public QObject {
    Q_OBJECT

private slots:
    void eachCodeBlockHasACopyLinkThatCopiesItsText()
    {
        const QString markdown =
            QStringLiteral("Here is Python:\n\n```python\ndef add(a, b):\n    # the sum\n    return a + b\n```\n\nand a shell line:\n\n"
                           "```bash\necho \"hi\" # greet\n```\n\nInline `code` is not a block.");
        const std::vector<QString> blocks = messageCodeBlocks(markdown);
        QCOMPARE(blocks.size(), size_t(2));
        QCOMPARE(blocks[0], QStringLiteral("def add(a, b):\n    # the sum\n    return a + b"));
        QCOMPARE(blocks[1], QStringLiteral("echo \"hi\" # greet"));
        const QString html = renderMessageHtml(markdown);
        QVERIFY(html.contains("href=\"hearth-copy:0\""));
        QVERIFY(html.contains("href=\"hearth-copy:1\""));
        QVERIFY(!html.contains("hearth-copy:2"));
        QCOMPARE(codeBlockLinkIndex("hearth-copy:1"), 1);
        QCOMPARE(codeBlockLinkIndex("https://example.com"), -1);
        QCOMPARE(codeBlockLinkIndex("hearth-copy:x"), -1);
        // The rendered text keeps the code's lines in order, after the link.
        QTextDocument doc;
        doc.setHtml(html);
        const QString plain = doc.toPlainText();
        QVERIFY(plain.indexOf("Copy code") < plain.indexOf("def add"));
        QVERIFY(plain.indexOf("def add") < plain.indexOf("return a + b"));
    }

    void keywordsStringsCommentsAndNumbersAreColoured()
    {
        struct Span {
            int start, length;
            CodeToken kind;
        };
        auto spans = [](const QString& line, const QString& language) {
            std::vector<Span> out;
            highlightCodeLine(line, language, [&](int s, int n, CodeToken k) { out.push_back({s, n, k}); });
            return out;
        };
        auto c = spans("int x = 42; // the answer \"not a string\"", "cpp");
        QCOMPARE(c.size(), size_t(3));
        QCOMPARE(int(c[0].kind), int(CodeToken::Keyword));  // int
        QCOMPARE(int(c[1].kind), int(CodeToken::Number));  // 42
        QCOMPARE(int(c[2].kind), int(CodeToken::Comment));  // to the end of the line
        QCOMPARE(c[2].start, 12);
        auto py = spans("return 'a#b'  # done", "python");
        QCOMPARE(py.size(), size_t(3));
        QCOMPARE(int(py[1].kind), int(CodeToken::String));
        QCOMPARE(py[1].length, 5);  // the # inside the string is not a comment
        QCOMPARE(int(py[2].kind), int(CodeToken::Comment));
        // In C, # starts no comment; an unterminated string ends with the line.
        auto pre = spans("#include \"x.h", "c");
        QCOMPARE(pre.size(), size_t(1));
        QCOMPARE(int(pre[0].kind), int(CodeToken::String));
        QCOMPARE(pre[0].length, 4);
        // Escaped quotes stay inside the string.
        auto escaped = spans("s = \"a\\\"b\" + 1", "js");
        QCOMPARE(escaped[0].length, 6);
    }

    void markupInsideCodeStaysText()
    {
        const QString html = renderMessageHtml("```html\n<img src=\"http://example.com/x.png\"><script>alert(1)</script>\n```");
        QVERIFY(!html.contains("<img"));
        QVERIFY(!html.contains("<script"));
        QVERIFY(html.contains("&lt;img"));
        QCOMPARE(messageCodeBlocks("```html\n<img src=\"http://example.com/x.png\">\n```")[0],
                 QStringLiteral("<img src=\"http://example.com/x.png\">"));
    }
};

QTEST_MAIN(MessageRendererTest)
#include "messagerenderer_test.moc"
