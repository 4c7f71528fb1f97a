// The door's functions on model files read without loading weights: summaries, what Hearth can
// run, the fit check, and chat templates and tokenizers straight from a file's vocabulary.
#include "engine/engine.h"
#include "sampling/json_constraint.h"

#include "chat/chat_formatter.h"
#include "gguf/gguf_file.h"
#include "model/model_config.h"
#include "tokenizer/tokenizer.h"

#include <algorithm>

namespace hearth {

ModelSummary readModelSummary(const std::string& path) { return summarizeModel(GgufFile::open(path)); }

ModelSummary readModelSummaryFromHeader(std::span<const uint8_t> prefix, uint64_t fileSize, const std::string& name)
{
    return summarizeModel(GgufFile::parseHeader(prefix, fileSize, name));
}

std::string unsupportedReason(const ModelSummary& summary)
{
    if (!summary.architectureSupported())
        return "architecture '" + summary.architecture + "' is not supported yet (" + supportedArchitecturesDescription() + ")";
    if (!summary.allTypesSupported) return "it uses a weight type Hearth does not support yet";
    return {};
}

FitCheck checkFit(const ModelSummary& summary, int64_t context, uint64_t availableBytes, bool f16Cache)
{
    FitCheck fit;
    fit.context = summary.contextLength ? std::min<int64_t>(context, int64_t(summary.contextLength)) : context;
    fit.availableBytes = availableBytes;
    fit.neededBytes = summary.memoryBytes(uint64_t(fit.context), f16Cache);
    fit.fits = fit.neededBytes <= availableBytes;
    fit.weightsAloneTooBig = summary.weightBytes >= availableBytes;
    if (fit.fits) {
        fit.contextThatFits = fit.context;
    } else if (!fit.weightsAloneTooBig) {
        // The next step down: the longest context (a multiple of 256) whose KV cache fits beside the
        // weights. Searched, not divided: sliding-window rings stop growing past their window.
        int64_t low = 0, high = fit.context / 256;
        while (low < high) {
            const int64_t mid = (low + high + 1) / 2;
            if (summary.memoryBytes(uint64_t(mid * 256), f16Cache) <= availableBytes) low = mid;
            else high = mid - 1;
        }
        fit.contextThatFits = low * 256;
    }
    return fit;
}

void validateJsonSchema(const std::string& schemaJson) { JsonConstraint check(schemaJson); }

std::string renderChatTemplate(const std::string& templateSource, const std::vector<ChatMessage>& messages, bool addGenerationPrompt,
                               const std::string& bosToken, const std::string& eosToken, std::optional<bool> thinking,
                               const std::string& toolsJson)
{
    return ChatTemplate(templateSource).render({messages, addGenerationPrompt, bosToken, eosToken, thinking, toolsJson});
}

struct ModelVocabulary::Impl {
    GgufFile file;
    std::unique_ptr<Tokenizer> tokenizer;
};

ModelVocabulary::ModelVocabulary(std::unique_ptr<Impl> impl) : m(std::move(impl)) { }
ModelVocabulary::~ModelVocabulary() = default;

std::unique_ptr<ModelVocabulary> ModelVocabulary::open(const std::string& modelPath)
{
    auto impl = std::unique_ptr<Impl>(new Impl {GgufFile::open(modelPath), nullptr});
    impl->tokenizer = Tokenizer::create(Vocabulary::fromGguf(impl->file));
    return std::unique_ptr<ModelVocabulary>(new ModelVocabulary(std::move(impl)));
}

std::vector<int32_t> ModelVocabulary::tokenize(std::string_view text, bool addBos, bool parseSpecial) const
{
    return m->tokenizer->encode(text, addBos, parseSpecial);
}

std::string ModelVocabulary::tokenText(int32_t id) const
{
    const Vocabulary& v = m->tokenizer->vocabulary();
    if (id < 0 || size_t(id) >= v.size())
        throw Error(ErrorCode::InvalidArgument, "token id " + std::to_string(id) + " is outside the vocabulary");
    return v.tokens[size_t(id)];
}

std::string ModelVocabulary::renderChat(const std::vector<ChatMessage>& messages, bool addGenerationPrompt, std::string& description,
                                        const std::optional<std::string>& bosToken, const std::optional<std::string>& eosToken,
                                        std::optional<bool> thinking) const
{
    Vocabulary vocabulary = m->tokenizer->vocabulary();
    if (bosToken) vocabulary.tokens[size_t(vocabulary.bos.value_or(0))] = *bosToken;
    if (eosToken) vocabulary.tokens[size_t(vocabulary.eos.value_or(0))] = *eosToken;
    ChatFormatter formatter = ChatFormatter::fromModelFile(m->file, vocabulary);
    std::string text = formatter.render(messages, addGenerationPrompt, thinking);
    description = formatter.description();
    return text;
}

}  // namespace hearth
