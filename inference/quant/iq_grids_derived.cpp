// Tables computed from the generated grids (iq_grids.cpp) once, at first use.
#include "quant/iq_grids.h"

#include <array>
#include <cstddef>

namespace hearth::iq {

const uint64_t* iq1sGridPlus10()
{
    static const std::array<uint64_t, 2048> table = [] {
        std::array<uint64_t, 2048> t {};
        for (std::size_t i = 0; i < t.size(); ++i)
            for (int j = 0; j < 8; ++j) {
                const int g = int8_t(iq1s_grid[i] >> (8 * j));
                t[i] |= uint64_t(8 * g + 10) << (8 * j);
            }
        return t;
    }();
    return table.data();
}

}  // namespace hearth::iq
