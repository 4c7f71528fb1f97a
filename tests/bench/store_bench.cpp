// A benchmark, not a test: how the store scales. Builds a database of 100k messages in 1,000
// conversations (one of them with 1,000 messages) and times what the app does with it.
// Usage: hearth-store-bench [--encrypted] [DIR]   (default: a temporary folder)
//   --encrypted: the same through the encrypting VFS (a key from Argon2id, as the app makes it)
#include "storage/store.h"
#include "storage/store_key.h"
#include "storage/store_keyring.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>

using namespace hearth::storage;
using Clock = std::chrono::steady_clock;

static double msSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

int main(int argc, char** argv)
{
    bool encrypted = false;
    std::filesystem::path dir = std::filesystem::temp_directory_path() / "hearth-store-bench";
    for (int i = 1; i < argc; ++i) {
        if (std::string(argv[i]) == "--encrypted") encrypted = true;
        else dir = argv[i];
    }
    std::filesystem::remove_all(dir);
    const std::string path = (dir / "hearth.db").string();
    if (encrypted) {
        const auto t = Clock::now();
        rememberStoreKey(path, StoreKey::derive("benchmark passphrase", newKdfParams()));
        std::printf("derive the key (Argon2id):           %8.1f ms\n", msSince(t));
    }
    // A 5,000-word vocabulary with a Zipf-like spread (common words are common), plus the
    // query words at realistic rarity.
    std::mt19937 rng(1);
    const char* syllables[] = {"ka", "lo", "mi", "ren", "to", "sa", "vel", "qu", "an", "tum", "or", "is", "pe", "dra"};
    std::vector<std::string> words;
    for (int i = 0; i < 5000; ++i) {
        std::string w;
        for (int k = 0; k < 2 + int(rng() % 3); ++k) w += syllables[rng() % std::size(syllables)];
        words.push_back(w);
    }
    const char* topics[] = {"quantum", "vulkan", "shader", "coffee", "recipe", "mountain"};
    auto sentence = [&](int n) {
        std::string s;
        for (int i = 0; i < n; ++i) {
            const double u = std::uniform_real_distribution<double>(0, 1)(rng);
            std::string w = u < 0.01 ? topics[rng() % std::size(topics)] : words[size_t(std::pow(u, 3) * 4999)];
            s += w + (i + 1 < n ? " " : ".");
        }
        return s;
    };
    int64_t big = 0;
    {
        auto store = Store::open(path);
        const auto t = Clock::now();
        store->inTransaction([&] {
            for (int c = 0; c < 1000; ++c) {
                const int64_t id = store->createConversation();
                const int count = c == 500 ? 1000 : 99;
                if (c == 500) big = id;
                std::optional<int64_t> parent;
                for (int m = 0; m < count; ++m)
                    parent = store->addMessage(id, parent, {m % 2 ? "assistant" : "user", sentence(30 + int(rng() % 40))});
            }
        });
        std::printf("build 100k messages:                 %8.0f ms\n", msSince(t));
    }
    auto t = Clock::now();
    auto store = Store::open(path);
    std::printf("open (quick_check + migrations):     %8.1f ms\n", msSince(t));
    t = Clock::now();
    auto list = store->listConversations();
    std::printf("list %zu conversations:            %8.1f ms\n", list.size(), msSince(t));
    t = Clock::now();
    auto thread = store->activeThread(big);
    std::printf("load a %zu-message conversation:    %8.1f ms\n", thread.size(), msSince(t));
    for (const char* query : {"quantum", "vulkan shader", "cof", "ka"}) {
        t = Clock::now();
        auto hits = store->search(query, 50);
        std::printf("search '%s' (top %zu):%*s%8.1f ms\n", query, hits.size(), int(22 - std::string(query).size()), "", msSince(t));
    }
    std::printf("database size: %.1f MiB%s\n", double(std::filesystem::file_size(path)) / 1048576.0, encrypted ? " (encrypted)" : "");
    return 0;
}
