#include "tokenizer/string_index.h"

#include "core/error.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace hearth {

namespace {

// FNV-1a over the pieces' bytes in order (the same value as over the joined string), then
// multiplied so that the high bits, which pick the slot, depend on every byte.
uint64_t hashPieces(std::initializer_list<std::string_view> pieces)
{
    uint64_t h = 14695981039346656037ull;
    for (std::string_view piece : pieces)
        for (char c : piece) h = (h ^ uint8_t(c)) * 1099511628211ull;
    return h * 0x9E3779B97F4A7C15ull;
}

bool equalsJoined(const std::string& key, std::initializer_list<std::string_view> pieces)
{
    size_t at = 0;
    for (std::string_view piece : pieces) {
        if (piece.size() > key.size() - at || std::memcmp(key.data() + at, piece.data(), piece.size()) != 0) return false;
        at += piece.size();
    }
    return at == key.size();
}

}  // namespace

StringIndex::StringIndex(const std::vector<std::string>& keys)
{
    if (keys.size() > size_t(INT32_MAX) / 2)
        throw Error(ErrorCode::InvalidFile, std::to_string(keys.size()) + " strings are more than a vocabulary can hold");
    m_slots.assign(std::bit_ceil(std::max<size_t>(2 * keys.size(), 16)), -1);
    const size_t mask = m_slots.size() - 1;
    for (size_t i = 0; i < keys.size(); ++i) {
        for (size_t slot = firstSlot({keys[i]});; slot = (slot + 1) & mask) {
            if (m_slots[slot] < 0) {
                m_slots[slot] = int32_t(i);
                break;
            }
            if (keys[size_t(m_slots[slot])] == keys[i]) break;  // a duplicate: the first stays
        }
    }
}

size_t StringIndex::firstSlot(std::initializer_list<std::string_view> pieces) const
{
    const int shift = 64 - std::countr_zero(m_slots.size());
    return size_t(hashPieces(pieces) >> shift);
}

int32_t StringIndex::find(const std::vector<std::string>& keys, std::initializer_list<std::string_view> pieces) const
{
    if (m_slots.empty()) return -1;
    const size_t mask = m_slots.size() - 1;
    for (size_t slot = firstSlot(pieces);; slot = (slot + 1) & mask) {
        const int32_t index = m_slots[slot];
        if (index < 0) return -1;
        if (equalsJoined(keys[size_t(index)], pieces)) return index;
    }
}

}  // namespace hearth
