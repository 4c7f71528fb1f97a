#include "quant/iq_grid_unpack.h"

#include "core/error.h"
#include "quant/fp16.h"
#include "quant/iq_grids.h"

#include <cstring>
#include <string>

namespace hearth {

namespace {

#include "quant/iq_grid_decode.inc"

template <GgmlType Type>
void unpack(const uint8_t* block, KBlockInts& out)
{
    out.d = decodeIqGrid<Type>(block, out.scale, [&](int ib, const uint64_t* grids, uint32_t signs4) {
        for (int l = 0; l < 4; ++l) {
            const uint8_t signs = uint8_t(signs4 >> (8 * l));
            for (int j = 0; j < 8; ++j) {
                const int g = int(int8_t(uint8_t(grids[l] >> (8 * j))));
                const int v = kIsIq1Grid<Type> ? 8 * g + (signs ? -1 : 1) : ((signs >> j) & 1 ? -g : g);
                out.q[32 * ib + 8 * l + j] = int8_t(v);
            }
        }
    });
    std::memset(out.min, 0, sizeof out.min);
    out.dmin = 0;
}

}  // namespace

void unpackIqGridInts(GgmlType type, const uint8_t* block, KBlockInts& out)
{
    switch (type) {
    case GgmlType::IQ2_XXS: return unpack<GgmlType::IQ2_XXS>(block, out);
    case GgmlType::IQ2_XS: return unpack<GgmlType::IQ2_XS>(block, out);
    case GgmlType::IQ2_S: return unpack<GgmlType::IQ2_S>(block, out);
    case GgmlType::IQ3_XXS: return unpack<GgmlType::IQ3_XXS>(block, out);
    case GgmlType::IQ3_S: return unpack<GgmlType::IQ3_S>(block, out);
    case GgmlType::IQ1_S: return unpack<GgmlType::IQ1_S>(block, out);
    case GgmlType::IQ1_M: return unpack<GgmlType::IQ1_M>(block, out);
    default: break;
    }
    throw Error(ErrorCode::UnsupportedType, "unpackIqGridInts: " + std::string(ggmlTypeName(type)) + " is not a grid IQ type");
}

}  // namespace hearth
