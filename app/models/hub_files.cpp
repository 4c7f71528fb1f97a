#include "models/hub_files.h"

#include <QMap>
#include <QRegularExpression>

#include <algorithm>
#include <stdexcept>

namespace hearth::models {

QString quantizationFromName(const QString& fileName)
{
    static const QRegularExpression pattern(
        QStringLiteral(
            "(?:^|[-_.])((?>(?:UD-)?(?:IQ[1-4]_(?:XXS|XS|S|M|NL)|Q[2-8]_K(?:_[SMLX]{1,2})?|Q[4-8]_[01]|TQ[12]_0|BF16|F16|F32|MXFP4)))"
            "(?=[-_.])"),
        QRegularExpression::CaseInsensitiveOption);
    const auto match = pattern.match(fileName);
    return match.hasMatch() ? match.captured(1).toUpper() : QString();
}

QList<HubModelFile> groupModelFiles(const QList<HubFile>& files)
{
    static const QRegularExpression splitPattern(QStringLiteral("^(.*)-(\\d{5})-of-(\\d{5})\\.gguf$"),
                                                 QRegularExpression::CaseInsensitiveOption);
    QList<HubModelFile> out;
    QMap<QString, HubModelFile> splits;  // by "base|total"
    QMap<QString, int> splitTotals;
    for (const HubFile& f : files) {
        if (!f.path.endsWith(QLatin1String(".gguf"), Qt::CaseInsensitive)) continue;
        const QString fileName = f.path.section(QLatin1Char('/'), -1);
        const auto split = splitPattern.match(f.path);
        if (split.hasMatch()) {
            const QString key = split.captured(1) + QLatin1Char('|') + split.captured(3);
            HubModelFile& group = splits[key];
            group.name = split.captured(1) + QStringLiteral(".gguf");
            group.parts.append(f);
            splitTotals[key] = split.captured(3).toInt();
            continue;
        }
        HubModelFile model;
        model.name = f.path;
        model.parts = {f};
        model.size = f.size;
        model.projector = fileName.startsWith(QLatin1String("mmproj"), Qt::CaseInsensitive);
        model.quantization = quantizationFromName(fileName);
        out.append(model);
    }
    for (auto it = splits.begin(); it != splits.end(); ++it) {
        HubModelFile group = it.value();
        std::sort(group.parts.begin(), group.parts.end(), [](const HubFile& a, const HubFile& b) { return a.path < b.path; });
        group.size = 0;
        for (const auto& part : group.parts) group.size += part.size;
        group.complete = group.parts.size() == splitTotals[it.key()];
        group.quantization = quantizationFromName(group.name.section(QLatin1Char('/'), -1));
        out.append(group);
    }
    std::sort(out.begin(), out.end(), [](const HubModelFile& a, const HubModelFile& b) {
        if (a.projector != b.projector) return !a.projector;
        return a.size < b.size;
    });
    return out;
}

const HubModelFile& selectModelFile(const QList<HubModelFile>& files, const QString& selector, const QString& repo)
{
    QList<const HubModelFile*> matches;
    for (const auto& f : files) {
        if (f.projector) continue;
        bool byPath = f.name == selector;
        for (const auto& part : f.parts) byPath = byPath || part.path == selector;
        if (byPath) return f;
        if (!selector.isEmpty() && f.quantization.compare(selector, Qt::CaseInsensitive) == 0) matches.append(&f);
    }
    if (matches.size() == 1) return *matches.front();
    QStringList names;
    for (const auto& f : files)
        if (!f.projector) names << f.name;
    if (names.isEmpty()) throw std::runtime_error(("repository " + repo + " has no GGUF model files").toStdString());
    if (selector.isEmpty() && names.size() == 1) {
        for (const auto& f : files)
            if (!f.projector) return f;
    }
    const QString why = selector.isEmpty() ? QStringLiteral("it has several GGUF files; say which (REPO:FILE or REPO:QUANT)")
        : matches.size() > 1               ? QStringLiteral("'%1' matches several files; name one").arg(selector)
                                           : QStringLiteral("no GGUF file or quantization '%1'").arg(selector);
    throw std::runtime_error((repo + ": " + why + ": " + names.join(QStringLiteral(", "))).toStdString());
}

}  // namespace hearth::models
