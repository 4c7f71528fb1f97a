// Chat text shown where control characters would act instead of showing: a terminal (ESC
// sequences recolour, retitle or hide text; CR overwrites a line) and Markdown files. Each
// control character becomes its visible Unicode "control picture" (U+2400 block: NUL -> ␀,
// ESC -> ␛, CR -> ␍), C1 controls become <U+009B>, so nothing is lost and nothing acts.
#pragma once

#include <string>
#include <string_view>

namespace hearth::storage {

enum class LineBreaks { Keep, Show };  // Show: \n and \t become pictures too (one-line fields)

std::string visibleText(std::string_view text, LineBreaks lineBreaks = LineBreaks::Keep);

}  // namespace hearth::storage
