#include "attachmentprompt.h"

namespace hearth::app {

std::string attachmentBlock(const storage::Attachment& a)
{
    std::string name;
    for (char c : a.name) name += c == '"' ? std::string("'") : std::string(1, c);  // keeps the tag well formed
    std::string block = "<file name=\"" + name + "\">\n" + a.content;
    if (block.empty() || block.back() != '\n') block += '\n';
    return block + "</file>\n\n";
}

std::string withAttachments(const std::string& text, const std::vector<storage::Attachment>& attachments)
{
    if (attachments.empty()) return text;
    std::string out;
    for (const auto& a : attachments) out += attachmentBlock(a);
    return out + text;
}

}  // namespace hearth::app
