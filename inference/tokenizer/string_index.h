// An open-addressing hash index over strings kept elsewhere (a vocabulary's tokens, its merges):
// 4 bytes a slot, where a std::unordered_map<std::string, int> spent about 70 bytes a key on its
// node and its own copy of the string (a 152k-token vocabulary's two maps took ~19 MB more than
// this). Lookups take the key in pieces, so a merge ("left right") is found without
// building the string.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace hearth {

class StringIndex {
public:
    StringIndex() = default;
    // Indexes keys[0..n); of equal keys the first is found.
    explicit StringIndex(const std::vector<std::string>& keys);
    // The index in `keys` (the vector it was built from) of the key equal to the pieces joined, or -1.
    int32_t find(const std::vector<std::string>& keys, std::initializer_list<std::string_view> pieces) const;
    int32_t find(const std::vector<std::string>& keys, std::string_view key) const { return find(keys, {key}); }

private:
    size_t firstSlot(std::initializer_list<std::string_view> pieces) const;
    std::vector<int32_t> m_slots;  // key indices, -1 where empty; a power of two at most half full
};

}  // namespace hearth
