// hearth-make-test-model: writes a random-weight model of a chosen shape and weight type, e.g.
// one shaped like Qwen2.5-0.5B for benchmarks:
//   hearth-make-test-model --arch qwen2 --type Q4_0 --embedding 896 --layers 24 --heads 14
//       --kv-heads 2 --ff 4864 --vocab 151936 --tied qwen05b-shape-q4_0.gguf
// or like Qwen3-30B-A3B (fewer layers):
//   hearth-make-test-model --arch qwen3moe --type Q4_K --embedding 2048 --layers 4 --heads 32 --kv-heads 4
//       --head-dim 128 --experts 128 --experts-used 8 --expert-ff 768 --vocab 151936 qwen3moe-shape.gguf
#include "core/error.h"
#include "test_model_writer.h"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <cstring>
#include <string>

using namespace hearth;

int main(int argc, char** argv)
{
    test::TestModelSpec spec;
    std::string out;
    try {
        for (int i = 1; i < argc; ++i) {
            std::string a = argv[i];
            auto next = [&]() -> std::string {
                if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
                return argv[++i];
            };
            if (a == "--arch") spec.architecture = next();
            else if (a == "--type") {
                std::string name = next();
                bool found = false;
                for (const auto& t : allGgmlTypes())
                    if (t.name == name) {
                        spec.weightType = t.type;
                        found = true;
                    }
                if (!found) throw std::invalid_argument("unknown type " + name);
            } else if (a == "--embedding") spec.embedding = std::stoll(next());
            else if (a == "--layers") spec.layers = std::stoll(next());
            else if (a == "--heads") spec.heads = std::stoll(next());
            else if (a == "--kv-heads") spec.kvHeads = std::stoll(next());
            else if (a == "--head-dim") spec.headDim = std::stoll(next());  // Qwen3: key_length != embedding / heads
            else if (a == "--ff") spec.feedForward = std::stoll(next());
            else if (a == "--vocab") spec.vocabulary = std::stoll(next());
            else if (a == "--seed") spec.seed = std::stoull(next());
            else if (a == "--experts") spec.experts = std::stoll(next());  // qwen3moe, gpt-oss
            else if (a == "--experts-used") spec.expertsUsed = std::stoll(next());
            else if (a == "--expert-ff") spec.expertFeedForward = std::stoll(next());
            else if (a == "--sliding-window") spec.slidingWindow = std::stoll(next());
            else if (a == "--delta-key-heads") spec.deltaKeyHeads = std::stoll(next());  // qwen35's linear layers
            else if (a == "--delta-value-heads") spec.deltaValueHeads = std::stoll(next());
            else if (a == "--delta-head-dim") spec.deltaHeadDim = std::stoll(next());
            else if (a == "--tied") spec.tiedEmbeddings = true;
            else if (a == "--chat-template") {  // a .jinja file, stored as tokenizer.chat_template
                std::ifstream in(next(), std::ios::binary);
                if (!in) throw std::invalid_argument("cannot read the chat template file");
                spec.chatTemplate.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
            } else if (!a.empty() && a[0] != '-') out = a;
            else throw std::invalid_argument("unknown option " + a);
        }
        if (out.empty()) throw std::invalid_argument("usage: hearth-make-test-model [options] OUT.gguf");
        test::writeTestModel(out, spec);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "hearth-make-test-model: %s\n", e.what());
        return 1;
    }
    return 0;
}
