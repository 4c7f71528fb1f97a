#include "engine/session.h"

#include "sampling/json_constraint.h"

#include "core/error.h"
#include "platform/process_memory.h"
#include "tokenizer/utf8_stream.h"

#include <algorithm>
#include <chrono>
#include <limits>

namespace hearth {

const char* finishReasonName(FinishReason reason)
{
    switch (reason) {
    case FinishReason::Stop: return "stop";
    case FinishReason::Length: return "length";
    case FinishReason::Cancelled: return "cancelled";
    }
    return "?";
}

Session::Session(const Model& model, SessionOptions options) : m_model(model), m_options(options)
{
    if (options.contextLength < 8 || options.contextLength > (int64_t(1) << 28))
        throw Error(ErrorCode::InvalidArgument, "context length " + std::to_string(options.contextLength) + " is out of range");
    const ModelConfig& c = model.config();
    // Refuse a context that cannot fit before trying (the OS may kill, not fail, an allocation).
    const int64_t maxBatch = std::max<int64_t>(1, options.batchSize);
    const uint64_t cacheBytes = kvCacheBytes(c, options.contextLength, options.f16Cache, maxBatch) + recurrentCheckpointBytes(c);
    const uint64_t physical = totalPhysicalMemory();
    auto gib = [](uint64_t b) { return std::to_string(double(b) / double(1ull << 30)).substr(0, 5) + " GiB"; };
    if (physical && cacheBytes > physical)
        throw Error(ErrorCode::OutOfMemory,
                    "a context of " + std::to_string(options.contextLength) + " tokens needs " + gib(cacheBytes) +
                        " for its KV cache, but this machine has " + gib(physical) + "; choose a shorter context");
    try {
        m_cache = model.makeKvCache(options.contextLength, options.f16Cache, c.kvLayerSlots(options.contextLength, maxBatch));
    } catch (const std::bad_alloc&) {
        throw Error(ErrorCode::OutOfMemory,
                    "could not allocate " + gib(cacheBytes) + " for a context of " + std::to_string(options.contextLength) + " tokens");
    }
}

void Session::evaluateFrom(std::span<const TokenId> tokens, int64_t firstSlot)
{
    const int64_t interval = recurrent() ? std::max<int64_t>(1, m_options.checkpointInterval) : 0;
    for (size_t done = 0; done < tokens.size();) {
        size_t count = std::min(tokens.size() - done, size_t(std::max<int64_t>(1, m_options.batchSize)));
        const int64_t at = firstSlot + int64_t(done);
        // A hybrid model's batches end at each interval's boundary, where a checkpoint is taken
        // (not at the prompt's end: evaluate() takes that one).
        if (interval > 0) count = std::min(count, size_t(interval - at % interval));
        m_model.forward(tokens.subspan(done, count), at, *m_cache, false, m_logits);
        done += count;
        if (interval > 0 && (at + int64_t(count)) % interval == 0 && done < tokens.size()) saveCheckpoint(at + int64_t(count));
    }
}

void Session::saveCheckpoint(int64_t length)
{
    const std::span<const TokenId> prefix = std::span<const TokenId>(m_tokens).subspan(0, size_t(length));
    // The same tokens again (a regenerate): refresh that one rather than keep two.
    auto same = std::find_if(m_checkpoints.begin(), m_checkpoints.end(), [&](const Checkpoint& c) {
        return std::equal(c.tokens.begin(), c.tokens.end(), prefix.begin(), prefix.end());
    });
    if (same == m_checkpoints.end()) {
        if (int64_t(m_checkpoints.size()) >= kRecurrentCheckpoints) {  // the least recently used one goes
            m_checkpoints.erase(std::min_element(m_checkpoints.begin(), m_checkpoints.end(),
                                                 [](const Checkpoint& a, const Checkpoint& b) { return a.lastUse < b.lastUse; }));
        }
        same = m_checkpoints.insert(m_checkpoints.end(), Checkpoint {std::vector<TokenId>(prefix.begin(), prefix.end()), {}, {}, 0});
    }
    same->state = m_model.saveRecurrent(*m_cache);
    same->logits = m_logits;
    same->lastUse = ++m_useClock;
}

int64_t Session::restoreCheckpoint(std::span<const TokenId> tokens, int64_t limit)
{
    Checkpoint* best = nullptr;
    for (Checkpoint& c : m_checkpoints) {
        const auto n = int64_t(c.tokens.size());
        if (n > limit || n > int64_t(tokens.size()) || (best && n <= int64_t(best->tokens.size()))) continue;
        if (std::equal(c.tokens.begin(), c.tokens.end(), tokens.begin())) best = &c;
    }
    if (!best) return 0;  // forward() starts the state over at position 0
    m_model.restoreRecurrent(*m_cache, best->state);
    m_logits = best->logits;
    best->lastUse = ++m_useClock;
    return int64_t(best->tokens.size());
}

std::vector<int64_t> Session::checkpointPositions() const
{
    std::vector<int64_t> positions;
    for (const Checkpoint& c : m_checkpoints) positions.push_back(int64_t(c.tokens.size()));
    return positions;
}

std::span<const float> Session::evaluate(std::span<const TokenId> prompt)
{
    if (prompt.empty()) throw Error(ErrorCode::InvalidArgument, "evaluate: empty prompt");
    if (int64_t(prompt.size()) > m_options.contextLength)
        throw Error(ErrorCode::InvalidArgument,
                    "the prompt has " + std::to_string(prompt.size()) + " tokens but the context holds " +
                        std::to_string(m_options.contextLength));
    size_t common = 0;
    while (common < m_tokens.size() && common < prompt.size() && m_tokens[common] == prompt[common]) ++common;
    if (recurrent()) return evaluateRecurrent(prompt, int64_t(common));
    if (common == prompt.size()) --common;  // the last token must run again to give its logits
    // A sliding-window layer's ring holds the last positions evaluated: going back further than
    // its spare slots would read overwritten keys, so then everything runs again.
    const int64_t rewound = int64_t(m_tokens.size()) - int64_t(common);
    for (int64_t layer = 0; layer < m_cache->layers(); ++layer)
        if (m_cache->layerSlots(layer) < m_cache->slotCount() && rewound > m_cache->layerSlots(layer) - m_model.config().slidingWindow)
            common = 0;
    m_tokens.assign(prompt.begin(), prompt.end());
    evaluateFrom(prompt.subspan(common), int64_t(common));
    m_lastEvaluated = int64_t(prompt.size() - common);
    if (m_keep == 0)
        m_keep =
            m_options.keepOnShift >= 0 ? m_options.keepOnShift : std::min<int64_t>(int64_t(prompt.size()), m_options.contextLength / 2);
    return m_logits;
}

std::span<const float> Session::evaluateRecurrent(std::span<const TokenId> prompt, int64_t common)
{
    // The recurrent state is the one after m_tokens: it can go forward from there, or back to a
    // checkpoint no later than the common prefix (the KV cache holds only m_tokens' positions).
    int64_t start = common;
    if (common == int64_t(prompt.size()) && common == int64_t(m_tokens.size())) {
        if (!m_logits.empty()) {
            m_lastEvaluated = 0;  // the same tokens: the state and logits are already theirs
            return m_logits;
        }
        // decodeBest kept only the best logits: the last token runs again, from a checkpoint.
        common = int64_t(prompt.size()) - 1;
    }
    if (common < int64_t(m_tokens.size())) start = restoreCheckpoint(prompt, common);
    m_tokens.assign(prompt.begin(), prompt.end());
    if (start < int64_t(prompt.size())) evaluateFrom(prompt.subspan(size_t(start)), start);
    m_lastEvaluated = int64_t(prompt.size()) - start;
    if (start < int64_t(prompt.size()))
        saveCheckpoint(int64_t(prompt.size()));  // the end of a prompt: where a regenerate or the next turn starts
    if (m_keep == 0)
        m_keep =
            m_options.keepOnShift >= 0 ? m_options.keepOnShift : std::min<int64_t>(int64_t(prompt.size()), m_options.contextLength / 2);
    return m_logits;
}

int64_t Session::shiftContext()
{
    const int64_t used = int64_t(m_tokens.size());
    const int64_t keep = std::min(m_keep, used - 2);
    const int64_t discard = (used - keep) / 2;
    if (discard <= 0) throw Error(ErrorCode::InvalidArgument, "context shift: nothing left to discard");
    m_tokens.erase(m_tokens.begin() + keep, m_tokens.begin() + keep + discard);
    if (recurrent()) {
        // The recurrent state has every discarded token in it: go back to a checkpoint within the
        // kept prefix (or the start) and run the rest again at its new positions.
        const int64_t start = restoreCheckpoint(m_tokens, keep);
        evaluateFrom(std::span<const TokenId>(m_tokens).subspan(size_t(start)), start);
    } else if (m_cache->hasRings()) {
        // Sliding-window rings cannot have positions taken out of their middle: the tokens that
        // remain are evaluated again at their new positions (as slow as a prompt of that length).
        evaluateFrom(m_tokens, 0);
    } else {
        m_model.shiftKv(*m_cache, keep, discard, used);
    }
    ++m_shifts;
    return discard;
}

std::span<const float> Session::decode(TokenId token)
{
    if (int64_t(m_tokens.size()) >= m_options.contextLength) shiftContext();
    const TokenId one[1] = {token};
    m_model.forward(one, int64_t(m_tokens.size()), *m_cache, false, m_logits);
    m_tokens.push_back(token);
    return m_logits;
}

std::span<const LogitCandidate> Session::decodeBest(TokenId token, int64_t count)
{
    if (int64_t(m_tokens.size()) >= m_options.contextLength) shiftContext();
    const TokenId one[1] = {token};
    m_logits.clear();  // not these tokens' any more: evaluate() must not reuse them
    m_model.forwardBest(one, int64_t(m_tokens.size()), *m_cache, count, m_best);
    m_tokens.push_back(token);
    return m_best;
}

GenerateResult Session::generate(std::span<const TokenId> prompt, const GenerateOptions& options, const GenerateCallbacks& callbacks)
{
    using Clock = std::chrono::steady_clock;
    GenerateResult result;
    const int shiftsBefore = m_shifts;
    auto t0 = Clock::now();
    std::vector<float> logits;
    std::vector<LogitCandidate> best;  // instead of logits when the sampler needs only these
    bool fromBest = false;
    {
        auto l = evaluate(prompt);
        logits.assign(l.begin(), l.end());
    }
    result.promptTokensEvaluated = m_lastEvaluated;
    auto t1 = Clock::now();
    result.promptSeconds = std::chrono::duration<double>(t1 - t0).count();

    Sampler sampler(options.sampler);
    for (TokenId t : prompt) sampler.accept(t);
    const Tokenizer& tokenizer = m_model.tokenizer();
    // Structured output: every token's bytes, and the recognizer that masks the ones that would
    // break the value (the schema is checked before any token is generated).
    std::optional<JsonConstraint> constraint;
    std::vector<std::string> pieces;
    if (options.jsonSchema) {
        constraint.emplace(*options.jsonSchema);
        pieces.resize(logits.size());
        for (size_t id = 0; id < pieces.size(); ++id) pieces[id] = tokenizer.tokenBytes(TokenId(id));
    }
    Utf8Stream utf8;
    std::string held;  // text not yet emitted because a stop string might start in it
    size_t longestStop = 0;
    for (const auto& s : options.stopStrings) longestStop = std::max(longestStop, s.size());

    auto emit = [&](const std::string& text) {
        if (text.empty()) return;
        result.text += text;
        if (callbacks.onText) callbacks.onText(text);
    };

    result.reason = FinishReason::Length;
    for (int64_t n = 0; n < options.maxTokens; ++n) {
        if (callbacks.cancel && callbacks.cancel->load()) {
            result.reason = FinishReason::Cancelled;
            break;
        }
        if (constraint) {
            // Tokens whose first byte cannot come next are rejected without copying the state.
            bool firstByte[256];
            for (int b = 0; b < 256; ++b) firstByte[b] = constraint->accepts(std::string(1, char(b)));
            bool any = false;
            for (size_t id = 0; id < logits.size(); ++id) {
                const std::string& piece = pieces[id];
                const bool ok =
                    !piece.empty() && firstByte[static_cast<unsigned char>(piece[0])] && (piece.size() == 1 || constraint->accepts(piece));
                if (!ok) logits[id] = -std::numeric_limits<float>::infinity();
                any = any || ok;
            }
            if (!any) {  // nothing can continue the value (a context-filling string): stop here
                result.reason = FinishReason::Stop;
                break;
            }
        }
        const TokenId next = fromBest ? sampler.sampleBest(best) : sampler.sample(logits);
        if (!constraint && tokenizer.vocabulary().isEndOfGeneration(next)) {
            result.reason = FinishReason::Stop;
            break;
        }
        sampler.accept(next);
        result.tokens.push_back(next);
        held += utf8.push(tokenizer.tokenBytes(next));
        if (constraint) constraint->advance(pieces[size_t(next)]);
        const bool valueComplete = constraint && constraint->complete();

        bool stopped = false;
        for (const auto& s : options.stopStrings) {
            if (size_t at = held.find(s); !s.empty() && at != std::string::npos) {
                held.resize(at);
                stopped = true;
            }
        }
        if (stopped) {
            emit(held);
            held.clear();
            result.reason = FinishReason::Stop;
            break;
        }
        // Keep back only what could still grow into a stop string.
        const size_t safe = held.size() > longestStop ? held.size() - longestStop + 1 : 0;
        size_t cut = longestStop == 0 ? held.size() : safe;
        while (cut > 0 && cut < held.size() && (static_cast<unsigned char>(held[cut]) & 0xC0) == 0x80) --cut;
        emit(held.substr(0, cut));
        held.erase(0, cut);

        if (valueComplete) {
            result.reason = FinishReason::Stop;
            break;
        }
        if (n + 1 == options.maxTokens) break;
        const int shifts = m_shifts;
        const int64_t before = int64_t(m_tokens.size());
        const int64_t needed = options.bestLogitsOnly && !constraint ? sampler.bestNeeded() : 0;
        fromBest = needed > 0;
        if (fromBest) {
            auto b = decodeBest(next, needed);
            best.assign(b.begin(), b.end());
        } else {
            auto l = decode(next);
            logits.assign(l.begin(), l.end());
        }
        // decode() appended one token after discarding some: the callback gets what was discarded.
        if (m_shifts != shifts && callbacks.onContextShift) callbacks.onContextShift(before + 1 - int64_t(m_tokens.size()));
    }
    emit(held + utf8.flush());
    result.generateSeconds = std::chrono::duration<double>(Clock::now() - t1).count();
    result.contextShifts = m_shifts - shiftsBefore;
    return result;
}

}  // namespace hearth
