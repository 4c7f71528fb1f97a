// How attached files reach the model: each one's text in a <file name="..."> block before the
// message's own text, so the question comes after the documents it is about. The blocks are
// plain text like the rest of a message: nothing in a file can become a control token.
#pragma once

#include "storage/store.h"

#include <string>
#include <vector>

namespace hearth::app {

std::string withAttachments(const std::string& text, const std::vector<storage::Attachment>& attachments);

// One attachment's block as the model reads it (to count its tokens before sending).
std::string attachmentBlock(const storage::Attachment& attachment);

}  // namespace hearth::app
