#include "attachmentreader.h"

#include <QFile>
#include <QFileInfo>
#include <QLocale>
#include <QSet>
#include <QStringDecoder>

#include <poppler-qt6.h>

#include <memory>
#include <stdexcept>

namespace hearth::app {

namespace {

QString kindFor(const QString& suffix)
{
    static const QSet<QString> code = {"c",   "cc",   "cpp", "cxx",   "h",    "hpp",    "hh",    "py",   "js",   "mjs",  "ts",   "tsx",
                                       "jsx", "rs",   "go",  "java",  "kt",   "kts",    "swift", "rb",   "php",  "cs",   "sh",   "bash",
                                       "zsh", "ps1",  "sql", "lua",   "pl",   "r",      "scala", "dart", "hs",   "ml",   "ex",   "exs",
                                       "clj", "el",   "vim", "json",  "yaml", "yml",    "toml",  "ini",  "cfg",  "xml",  "html", "htm",
                                       "css", "scss", "qml", "cmake", "mk",   "gradle", "proto", "glsl", "comp", "vert", "frag", "zig",
                                       "nim", "jl",   "m",   "mm",    "f90",  "asm",    "s"};
    const QString s = suffix.toLower();
    if (s == "pdf") return "pdf";
    if (s == "md" || s == "markdown" || s == "mdx" || s == "rst") return "markdown";
    if (s == "csv" || s == "tsv") return "csv";
    if (code.contains(s)) return "code";
    return "text";
}

[[noreturn]] void refuse(const QFileInfo& file, const QString& why)
{
    throw std::runtime_error(QObject::tr("%1: %2").arg(file.fileName(), why).toStdString());
}

QString readPdf(const QFileInfo& file)
{
    std::unique_ptr<Poppler::Document> doc = Poppler::Document::load(file.absoluteFilePath());
    if (!doc) refuse(file, QObject::tr("not a PDF that can be read (damaged, or not a PDF)"));
    if (doc->isLocked()) refuse(file, QObject::tr("the PDF is protected by a password"));
    QString text;
    for (int i = 0; i < doc->numPages(); ++i) {
        std::unique_ptr<Poppler::Page> page = doc->page(i);
        if (!page) continue;
        const QString pageText = page->text(QRectF()).trimmed();
        if (pageText.isEmpty()) continue;
        if (!text.isEmpty()) text += "\n\n";
        text += QObject::tr("[page %1]").arg(i + 1) + "\n" + pageText;
        if (text.size() > kMaxAttachmentTextChars) break;
    }
    if (text.trimmed().isEmpty()) refuse(file, QObject::tr("the PDF has no text to read (a scan? Hearth does not read images)"));
    return text;
}

QString readText(const QFileInfo& file)
{
    QFile f(file.absoluteFilePath());
    if (!f.open(QIODevice::ReadOnly)) refuse(file, QObject::tr("cannot be read: %1").arg(f.errorString()));
    const QByteArray bytes = f.readAll();
    if (bytes.contains('\0')) refuse(file, QObject::tr("not a text file (it holds binary data)"));
    QStringDecoder decode(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString text = decode(bytes);
    if (decode.hasError()) refuse(file, QObject::tr("not a text file in UTF-8"));
    if (text.startsWith(QChar(0xFEFF))) text.remove(0, 1);
    text.replace("\r\n", "\n");
    return text;
}

}  // namespace

storage::Attachment readAttachment(const QString& path)
{
    const QFileInfo file(path);
    if (!file.exists()) refuse(file, QObject::tr("no such file"));
    if (!file.isFile()) refuse(file, QObject::tr("not a regular file"));
    if (file.size() > kMaxAttachmentFileBytes)
        refuse(file,
               QObject::tr("%1 is too big to attach (at most %2)")
                   .arg(QLocale().formattedDataSize(file.size()), QLocale().formattedDataSize(kMaxAttachmentFileBytes)));
    const QString kind = kindFor(file.suffix());
    QString text = kind == "pdf" ? readPdf(file) : readText(file);
    if (text.trimmed().isEmpty()) refuse(file, QObject::tr("the file is empty"));
    if (text.size() > kMaxAttachmentTextChars)
        refuse(file,
               QObject::tr("its text is %1 characters; at most %2 can be attached")
                   .arg(QLocale().toString(text.size()), QLocale().toString(kMaxAttachmentTextChars)));
    return {file.fileName().toStdString(), kind.toStdString(), text.toStdString(), file.size()};
}

}  // namespace hearth::app
