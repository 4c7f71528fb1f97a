// Conversations as files: Markdown for reading, JSON for moving between installs.
//
// JSON interchange format (import accepts at least title and messages; other fields optional):
//   {"format": "hearth.conversation", "version": 1, "title": "...", "model": "...",
//    "system_prompt": "...", "created_at": <ms>,
//    "messages": [{"role": "system|user|assistant", "content": "...", "reasoning": "...",
//                  "model": "...", "created_at": <ms>, "finish_reason": "stop|length|cancelled|error"}]}
// The messages are the conversation's active thread, oldest first.
#pragma once

#include "storage/store.h"

#include <string>

namespace hearth::storage {

std::string exportMarkdown(Store& store, int64_t conversationId);
std::string exportJson(Store& store, int64_t conversationId);
// All or nothing: a malformed file throws StoreError(InvalidInput) naming the problem and
// changes nothing. Returns the new conversation's id.
// format, version (1) and created_at (ms, 1970..9999) are checked when present.
int64_t importJson(Store& store, const std::string& json);

// The text of a conversation file to import: a regular file of at most kMaxConversationFileBytes
// (a named pipe, a device or /dev/zero is refused at once, never read). Throws StoreError.
inline constexpr uint64_t kMaxConversationFileBytes = 256u << 20;
std::string readConversationFile(const std::string& path);

}  // namespace hearth::storage
