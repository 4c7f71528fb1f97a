// Turns a message's Markdown into the HTML the chat view shows, with nothing in it that could
// reach outside the machine or hide text: raw HTML in the message is shown as text (never
// interpreted), images become a visible "[image: URL]" note (never loaded), and links stay
// links that only a click opens, in the system browser. See README "Privacy".
#pragma once

#include <QString>

#include <vector>

namespace hearth::app {

// Messages longer than this are shown collapsed: the first part rendered, the rest on request.
inline constexpr qsizetype kMessagePreviewChars = 20000;

// Code blocks come with a "Copy code" link (hearth-copy:N, N counting the message's code blocks
// from 0) and syntax colours for common languages.
QString renderMessageHtml(const QString& markdown);

// The text of a message's code blocks, in order: what its N-th "Copy code" link copies.
std::vector<QString> messageCodeBlocks(const QString& markdown);

// The code block a "Copy code" link names, or -1 for any other link.
int codeBlockLinkIndex(const QString& link);

// Whether the URL is safe to hand to the system's opener after a user's click (web and mail
// links only: no file:, no custom schemes that launch programs).
bool isOpenableLink(const QString& url);

}  // namespace hearth::app
