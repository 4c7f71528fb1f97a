// How a generation is written back in each API dialect: as one JSON body, or as a stream
// (OpenAI: server-sent events ending in "data: [DONE]"; Ollama: one JSON object per line).
#pragma once

#include "generation_job.h"

#include <memory>
#include <string>

namespace hearth::server {

class ReplyFormat {
public:
    virtual ~ReplyFormat() = default;
    virtual const char* streamContentType() const = 0;
    virtual std::string streamStart() { return {}; }
    virtual std::string streamDelta(const std::string& answer, const std::string& reasoning) = 0;
    virtual std::string streamEnd(const JobResult& result) = 0;
    virtual std::string whole(const JobResult& result) = 0;
};

// `modelId`: what the reply says produced it.
// tools: tools were offered, so the reply is searched for calls (finish_reason "tool_calls").
std::unique_ptr<ReplyFormat> openAiChatFormat(const std::string& modelId, bool includeUsage, bool tools = false);
std::unique_ptr<ReplyFormat> openAiCompletionFormat(const std::string& modelId, bool includeUsage);
std::unique_ptr<ReplyFormat> ollamaChatFormat(const std::string& modelId, bool tools = false);
std::unique_ptr<ReplyFormat> ollamaGenerateFormat(const std::string& modelId);

// Parsing each dialect's request into a job (throws ApiError(400) with the field named).
GenerationJob parseOpenAiChat(const nlohmann::ordered_json& body, const RequestLimits& limits);
GenerationJob parseOpenAiCompletion(const nlohmann::ordered_json& body, const RequestLimits& limits);
GenerationJob parseOllamaChat(const nlohmann::ordered_json& body, const RequestLimits& limits);
GenerationJob parseOllamaGenerate(const nlohmann::ordered_json& body, const RequestLimits& limits);

}  // namespace hearth::server
