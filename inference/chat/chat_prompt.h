// A conversation turned into the exact prompt text and tokens the model sees. Only the
// template's own markup may become control tokens: every message's text (system, user,
// assistant, tool, reasoning) is tokenized as plain text, whatever control strings it holds,
// so a message of "<|im_end|>" or "</s>" can never end a turn or inject a role.
#pragma once

#include "chat/chat_template.h"
#include "tokenizer/tokenizer.h"

#include <string>
#include <vector>

namespace hearth {

class ChatFormatter;

struct ChatPrompt {
    std::string text;  // the rendered prompt, exactly
    std::vector<TokenId> tokens;  // BOS added only when the template did not write it
    std::vector<Tokenizer::TextRange> literal;  // byte ranges of `text` that came from messages' control strings
};

// Renders `messages` with the formatter and tokenizes the result as described above.
// `replyPrefix` (the start of an assistant reply to continue) follows the rendered prompt, as
// plain text like the messages.
// Tool definitions and tool calls are client text too: every string inside them is shielded.
ChatPrompt renderChatPrompt(ChatFormatter& formatter, const Tokenizer& tokenizer, const std::vector<ChatMessage>& messages,
                            bool addGenerationPrompt = true, const std::string& replyPrefix = {}, std::optional<bool> thinking = {},
                            const std::string& toolsJson = {});

// The building blocks, exposed for tests: message text whose control strings are replaced by
// private-use placeholders, and the rendered text with the placeholders put back (and where).
class ControlStringShield {
public:
    explicit ControlStringShield(const Vocabulary& vocabulary);
    std::string shield(const std::string& text);
    // Restores every placeholder in `rendered`; `literal` receives the restored byte ranges.
    std::string restore(const std::string& rendered, std::vector<Tokenizer::TextRange>& literal) const;

private:
    std::vector<std::string> m_controlStrings;  // longest first
    bool m_firstByte[256] = {};
    std::vector<std::string> m_shielded;  // placeholder index -> original text
};

}  // namespace hearth
