// What the GUI asks the inference worker to do, passed through queued signals.
#pragma once

#include "engine/engine.h"

#include <QMetaType>

#include <optional>
#include <vector>

namespace hearth::app {

struct GenerateRequest {
    quint64 id = 0;
    std::vector<ChatMessage> messages;
    SamplerSettings sampler;
    int maxTokens = 512;
    // The start of the reply, already written (continuing an interrupted reply): the model
    // goes on from it. Plain text: never parsed for control tokens.
    std::string continuation;
    std::optional<bool> thinking;  // the chat's Think switch; unset: the template's default
};

struct GenerateStats {
    QString finishReason;  // "stop", "length", "cancelled", "error"
    qint64 promptTokens = 0;
    qint64 completionTokens = 0;
    double tokensPerSecond = 0;
    int contextShifts = 0;
    qint64 contextUsed = 0;
};

}  // namespace hearth::app

Q_DECLARE_METATYPE(hearth::app::GenerateRequest)
Q_DECLARE_METATYPE(hearth::app::GenerateStats)
