// Reading a file the user attaches to a message: text, Markdown, code and CSV as UTF-8, PDF
// through Poppler's text layer. What comes back is what the model will read; anything else (a
// binary file, a scanned PDF without text, something huge) is refused with a reason.
#pragma once

#include "storage/store.h"

#include <QString>

namespace hearth::app {

// Limits: the file on disk, and the text taken from it.
constexpr qint64 kMaxAttachmentFileBytes = 64 * 1024 * 1024;
constexpr qint64 kMaxAttachmentTextChars = 4 * 1024 * 1024;

// Throws std::runtime_error with a message that names the file and says what is wrong.
storage::Attachment readAttachment(const QString& path);

}  // namespace hearth::app
