// The BPE tokenizer's lookups: a token's id by its text and a merge's rank by its two sides,
// through an index that keeps no copy of the strings.
#include "tokenizer/string_index.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace hearth;

TEST(StringIndex, FindsEachKeyAndTheFirstOfDuplicates)
{
    const std::vector<std::string> keys {"a", "", "Ġthe", "a", "t he", std::string("nul\0byte", 8), "ab"};
    const StringIndex index(keys);
    EXPECT_EQ(index.find(keys, "a"), 0);  // not 3: the first of equal keys, as the merges' lowest rank
    EXPECT_EQ(index.find(keys, ""), 1);
    EXPECT_EQ(index.find(keys, "Ġthe"), 2);
    EXPECT_EQ(index.find(keys, "t he"), 4);
    EXPECT_EQ(index.find(keys, std::string_view("nul\0byte", 8)), 5);
    EXPECT_EQ(index.find(keys, "nul"), -1);  // a prefix is not the key
    EXPECT_EQ(index.find(keys, "abc"), -1);  // nor is a longer string
    EXPECT_EQ(index.find(keys, "b"), -1);
}

TEST(StringIndex, FindsAKeyFromItsPieces)
{
    const std::vector<std::string> merges {"Ġ t", "h e", "Ġt he"};
    const StringIndex index(merges);
    EXPECT_EQ(index.find(merges, {"Ġt", " ", "he"}), 2);
    EXPECT_EQ(index.find(merges, {"h", " ", "e"}), 1);
    EXPECT_EQ(index.find(merges, {"Ġt", " ", "h"}), -1);
    EXPECT_EQ(index.find(merges, {"Ġt he", "", ""}), 2);  // the pieces joined, however they are cut
    EXPECT_EQ(index.find(merges, {"h e", " "}), -1);
}

TEST(StringIndex, FindsEveryKeyOfAVocabularySizedSet)
{
    // Enough keys that many share a first slot: every one is found at its own index, and strings
    // that are not keys are not.
    std::vector<std::string> keys;
    for (int i = 0; i < 200000; ++i) keys.push_back("tok" + std::to_string(i * 7));
    const StringIndex index(keys);
    for (int i = 0; i < 200000; ++i) ASSERT_EQ(index.find(keys, keys[size_t(i)]), i);
    for (int i = 0; i < 1000; ++i) EXPECT_EQ(index.find(keys, "tok" + std::to_string(i * 7 + 1)), -1);
}

TEST(StringIndex, AnEmptyIndexFindsNothing)
{
    const std::vector<std::string> none;
    EXPECT_EQ(StringIndex(none).find(none, "a"), -1);
    EXPECT_EQ(StringIndex().find(none, "a"), -1);
}
