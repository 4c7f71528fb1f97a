// Assistants as files, to share them between installs:
//   {"format": "hearth.assistant", "version": 1, "name": "...",
//    "settings": {"system_prompt": "...", "temperature": 0.7, "top_k": 40, "top_p": 0.95,
//                 "min_p": 0.05, "repeat_penalty": 1.1, "seed": -1, "max_tokens": 512,
//                 "think": "on|off|", "model_path": "..."}}
// Every settings key is optional; an unknown key or a value of the wrong type or range is refused.
#pragma once

#include "storage/store.h"

#include <string>

namespace hearth::storage {

std::string exportAssistantJson(const Assistant& assistant);
// Checks the file and returns its name and settings JSON (normalised: only the known keys).
// Throws StoreError(InvalidInput) naming the problem.
Assistant parseAssistantJson(const std::string& text);
// The settings JSON of an assistant, checked the same way (what a new chat starts from).
std::string checkedAssistantSettings(const std::string& settingsJson);

}  // namespace hearth::storage
