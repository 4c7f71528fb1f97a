// Fallback formats, the reasoning splitter, and templates that are broken or hostile.
#include "chat/chat_formatter.h"
#include "chat/reasoning_splitter.h"
#include "core/error.h"

#include <gtest/gtest.h>

#include <chrono>

using namespace hearth;

namespace {

Vocabulary vocabularyWith(std::vector<std::string> specials)
{
    Vocabulary v;
    v.tokens = {"<unk>", "<s>", "</s>"};
    for (auto& s : specials) v.tokens.push_back(s);
    v.types.assign(v.tokens.size(), TokenType::Control);
    v.bos = 1;
    v.eos = 2;
    return v;
}

const std::vector<ChatMessage> kChat = {{"system", "Be brief.", std::nullopt},
                                        {"user", "Hi", std::nullopt},
                                        {"assistant", "Hello.", std::nullopt},
                                        {"user", "Bye", std::nullopt}};

}  // namespace

TEST(ChatFormatter, FamilyIsGuessedFromSpecialTokens)
{
    EXPECT_EQ(guessChatFamily(vocabularyWith({"<|im_start|>", "<|im_end|>"}), "qwen2"), ChatFamily::ChatML);
    EXPECT_EQ(guessChatFamily(vocabularyWith({"<|start_header_id|>", "<|eot_id|>"}), "llama"), ChatFamily::Llama3);
    EXPECT_EQ(guessChatFamily(vocabularyWith({"<｜User｜>", "<｜Assistant｜>"}), "qwen2"), ChatFamily::DeepSeekR1);
    EXPECT_EQ(guessChatFamily(vocabularyWith({"<start_of_turn>"}), "gemma"), ChatFamily::Gemma);
    EXPECT_EQ(guessChatFamily(vocabularyWith({"<|user|>", "<|end|>"}), "phi3"), ChatFamily::Phi3);
    EXPECT_EQ(guessChatFamily(vocabularyWith({"<|user|>"}), "llama"), ChatFamily::Zephyr);
    EXPECT_EQ(guessChatFamily(vocabularyWith({"[INST]"}), "llama"), ChatFamily::Mistral);
    EXPECT_EQ(guessChatFamily(vocabularyWith({}), "llama"), ChatFamily::Llama2);
    EXPECT_EQ(guessChatFamily(vocabularyWith({}), "qwen2"), ChatFamily::ChatML);
}

TEST(ChatFormatter, FallbackFormatsRenderTheirPublishedShapes)
{
    auto render = [](ChatFamily family, bool generationPrompt) {
        ChatTemplate t(familyTemplateSource(family));
        return t.render({kChat, generationPrompt, "<s>", "</s>"});
    };
    EXPECT_EQ(render(ChatFamily::ChatML, true),
              "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello.<|im_end|>\n"
              "<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n");
    EXPECT_EQ(render(ChatFamily::Llama3, true),
              "<s><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi"
              "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|><|start_header_id|>user<|end_header_id|>"
              "\n\nBye<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
    EXPECT_EQ(render(ChatFamily::Llama2, true), "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello. </s><s>[INST] Bye [/INST]");
    EXPECT_EQ(render(ChatFamily::Mistral, true), "<s>[INST] Be brief.\n\nHi [/INST]Hello.</s>[INST] Bye [/INST]");
    EXPECT_EQ(render(ChatFamily::Zephyr, true),
              "<|system|>\nBe brief.</s>\n<|user|>\nHi</s>\n<|assistant|>\nHello.</s>\n<|user|>\nBye</s>\n<|assistant|>\n");
    EXPECT_EQ(render(ChatFamily::DeepSeekR1, true),
              "<s>Be brief.<｜User｜>Hi<｜Assistant｜>Hello.<｜end▁of▁sentence｜><｜User｜>Bye<｜Assistant｜><think>\n");
    EXPECT_EQ(render(ChatFamily::Gemma, false),
              "<s><start_of_turn>user\nBe "
              "brief.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello.<end_of_turn>\n<start_of_turn>user\nBye<end_of_turn>\n");
    EXPECT_EQ(render(ChatFamily::Phi3, true),
              "<|system|>\nBe brief.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\nHello.<|end|>\n<|user|>\nBye<|end|>\n<|assistant|>\n");
}

TEST(ChatFormatter, UsesTheModelTemplateOrSaysWhyNot)
{
    ChatFormatter own("{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}", vocabularyWith({"<|im_start|>"}), "qwen2");
    EXPECT_TRUE(own.usesModelTemplate());
    EXPECT_EQ(own.render(kChat, true), "[system]Be brief.[user]Hi[assistant]Hello.[user]Bye");
    EXPECT_EQ(own.description(), "the model's own chat template");

    ChatFormatter none("", vocabularyWith({"<|im_start|>"}), "qwen2");
    EXPECT_FALSE(none.usesModelTemplate());
    EXPECT_EQ(none.description(), "built-in ChatML format (the model has no chat template)");

    ChatFormatter broken("{% for m in messages %}", vocabularyWith({"<|start_header_id|>"}), "llama");
    EXPECT_NE(broken.description().find("built-in Llama 3 format (its template cannot be read"), std::string::npos) << broken.description();
    EXPECT_NE(broken.render(kChat, true).find("<|start_header_id|>assistant"), std::string::npos);
}

TEST(ChatTemplateErrors, BadTemplatesFailClearlyAndQuickly)
{
    const std::pair<const char*, const char*> cases[] = {
        {"{% if x %}never closed", "missing {% endif %}"},
        {"{{ 1 + }}", "line 1"},
        {"{% for x in %}{% endfor %}", "line 1"},
        {"{% frobnicate %}", "unknown statement 'frobnicate'"},
        {"{{ 'unterminated }}", "unterminated"},
        {"{% for i in range(100000000) %}x{% endfor %}", "range() too large"},
        {"{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "ran too long"},
        {"{% set s = 'x' * 1000000 %}{% for i in range(100) %}{{ s }}{% endfor %}", "output exceeds"},
        {"{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", "nested too deeply"},
        {"{{ raise_exception('Conversation roles must alternate') }}", "Conversation roles must alternate"},
        {"{{ messages[0].nope.deeper }}", "undefined"},
        {"{{ 1 / 0 }}", "division by zero"},
        {"{{ 'a' < 1 }}", "cannot compare"},
        {"{{ foo|nosuchfilter }}", "unknown filter 'nosuchfilter'"},
        {"{{ 99999999999999999999999999 }}", "number out of range"},  // found by the fuzzer
        // Memory: doubling a string 64 times (2.6 GB before this budget), repetition past the
        // per-value limit (was silently capped at 1 MiB), and arguments that size a value.
        {"{% set s = namespace(v='xx') %}{% for i in range(64) %}{% set s.v = s.v ~ s.v %}{% endfor %}{{ s.v|length }}",
         "over the limit of 16 MiB for one value"},
        {"{{ ('x' * 10000000000)|length }}", "over the limit of 16 MiB for one value"},
        {"{% set l = namespace(v=['x']) %}{% for i in range(64) %}{% set l.v = l.v + l.v %}{% endfor %}{{ l.v|length }}", "for one value"},
        {"{% set n = namespace(v=[]) %}{% for i in range(100000) %}{% set n.v = n.v + ['0123456789abcdef' * 100] %}{% endfor %}",
         "of values (runaway string or list growth?)"},
        {"{{ 'a\nb'|indent(100000000000) }}", "for one value"},
        // Found by the template-memory fuzzer: join's result is items x separator, both growing;
        // and shared references nest exponentially under tojson.
        {"{% set ns = namespace(s='xy', l=['a']) %}{% for i in range(64) %}{% set ns.s = ns.l | join(ns.s) %}"
         "{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.s | length }}",
         "for one value"},
        {"{% set ns = namespace(l=['xxxxxxxx']) %}{% for i in range(40) %}{% set ns.l = [ns.l, ns.l, ns.l] %}{% endfor %}"
         "{{ ns.l | tojson | length }}",
         "for one value"},
        // Also found by it: nesting without end (recursion in output and destruction), and cycles.
        {"{% set ns = namespace(l=[]) %}{% for i in range(5000) %}{% set ns.l = [ns.l] %}{% endfor %}", "nested too deeply"},
        {"{% set l = [1] %}{% set _ = l.append(l) %}{{ l }}", "cannot contain itself"},
        {"{% set ns = namespace(a=1) %}{% set ns.me = ns %}{{ ns }}", "cannot contain itself"},
        {"{% set ns = namespace(l=[]) %}{% for i in range(5000) %}{% set m = [] %}{% set _ = m.append(ns.l) %}"
         "{% set ns.l = m %}{% endfor %}",
         "nested too deeply"},
        {"{{ ((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((("
         "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((1 }}",
         "nested too deeply"},
    };
    for (const auto& [source, expected] : cases) {
        const auto start = std::chrono::steady_clock::now();
        try {
            ChatTemplate t(source);
            t.render({kChat, true, "<s>", "</s>"});
            ADD_FAILURE() << source << ": rendered without an error";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
            EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << source << " -> " << e.what();
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        EXPECT_LT(seconds, 30.0) << source << " is bounded (a generous limit: this is a hang check, not a benchmark)";
    }
}

TEST(ReasoningSplitter, SplitsThinkBlocksAcrossChunkBoundaries)
{
    ReasoningSplitter s;
    std::string reasoning, answer;
    for (const char* chunk : {" <th", "ink>\nLet me", " think.</th", "ink>\n\nThe answer", " is 4."}) {
        auto d = s.push(chunk);
        reasoning += d.reasoning;
        answer += d.answer;
    }
    auto d = s.flush();
    reasoning += d.reasoning;
    answer += d.answer;
    EXPECT_EQ(reasoning, "\nLet me think.");
    EXPECT_EQ(answer, "The answer is 4.");
}

TEST(ReasoningSplitter, PromptThatOpensThinkStartsInsideReasoning)
{
    EXPECT_TRUE(ReasoningSplitter::promptOpensReasoning("<｜User｜>2+2?<｜Assistant｜><think>\n"));
    EXPECT_FALSE(ReasoningSplitter::promptOpensReasoning("<|im_start|>assistant\n"));
    EXPECT_FALSE(ReasoningSplitter::promptOpensReasoning("<think>x</think>\n"));
    ReasoningSplitter s(true);
    auto a = s.push("Two plus two.\n</think>\n\nIt is 4.");
    EXPECT_EQ(a.reasoning, "Two plus two.\n");
    EXPECT_EQ(a.answer, "It is 4.");
}

TEST(ReasoningSplitter, Gemma4ThinksInItsThoughtChannel)
{
    const auto tags = ReasoningSplitter::gemma4Tags();
    ReasoningSplitter s(false, tags);
    std::string reasoning, answer;
    for (const char* chunk : {"<|channel>", "thought", "\n", "Two plus", " two.<chan", "nel|>It is 4."}) {
        auto d = s.push(chunk);
        reasoning += d.reasoning;
        answer += d.answer;
    }
    auto d = s.flush();
    EXPECT_EQ(reasoning + d.reasoning, "Two plus two.");
    EXPECT_EQ(answer + d.answer, "It is 4.");
    // Thinking off: Gemma 4's template closes an empty thought in the prompt; the reply is all answer.
    EXPECT_FALSE(ReasoningSplitter::promptOpensReasoning("<|turn>model\n<|channel>thought\n<channel|>", tags));
    EXPECT_TRUE(ReasoningSplitter::promptOpensReasoning("<|turn>model\n<|channel>thought\n", tags));
    ReasoningSplitter plain(false, tags);
    EXPECT_EQ(plain.push("It is 4.").answer + plain.flush().answer, "It is 4.");
}

TEST(ReasoningSplitter, PlainRepliesAreAllAnswer)
{
    ReasoningSplitter s;
    auto a = s.push("Hello");
    auto b = s.push(" <think> is just text here");
    EXPECT_EQ(a.answer + b.answer + s.flush().answer, "Hello <think> is just text here");
    ReasoningSplitter unfinished;
    auto c = unfinished.push("<think>still thinking when the reply was cut");
    EXPECT_EQ(c.reasoning + unfinished.flush().reasoning, "still thinking when the reply was cut");
}
