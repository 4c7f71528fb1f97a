// The CPU reference backend's tensors: weights viewed in place in the mapped file, F32
// activations, and the KV cache (F16 bits or F32).
#pragma once

#include "backend/backend.h"
#include "gguf/ggml_type.h"
#include "quant/dequantize.h"
#include "quant/fp16.h"

#include <cstring>
#include <vector>

namespace hearth {

// A weight: a view into the memory-mapped file, no copy.
class CpuWeight : public Tensor {
public:
    CpuWeight(int64_t rows, int64_t cols, GgmlType weightType, const uint8_t* bytes)
        : Tensor(rows, cols), type(weightType), data(bytes), rowBytes(hearth::rowBytes(weightType, cols))
    {
    }
    GgmlType type;
    const uint8_t* data;
    size_t rowBytes;
    const uint8_t* row(int64_t r) const { return data + size_t(r) * rowBytes; }
};

class CpuActivations : public Tensor {
public:
    CpuActivations(int64_t rows, int64_t cols) : Tensor(rows, cols), values(size_t(rows * cols)) { }
    std::vector<float> values;
    float* row(int64_t r) { return values.data() + r * cols(); }
    const float* row(int64_t r) const { return values.data() + r * cols(); }
};

// Half-precision to float through a table: the attention loop reads every cached value.
const float* halfTable();

// K and V per layer and slot, stored as F16 bits or F32 as chosen.
class CpuKvCache : public KvCache {
public:
    CpuKvCache(int64_t layers, int64_t slots, int64_t kvDim, bool halfPrecision, std::span<const int64_t> rings, bool keysOnly = false,
               std::span<const int64_t> layerKvDims = {})
        : KvCache(layers, slots, kvDim, rings, keysOnly, layerKvDims), f16(halfPrecision)
    {
        size_t n = 0;
        for (int64_t layer = 0; layer < layers; ++layer) {
            layerBase.push_back(n);
            n += size_t(layerSlots(layer) * this->kvDim(layer));
        }
        if (f16) {
            keys16.resize(n);
            values16.resize(keysOnly ? 0 : n);
        } else {
            keys32.resize(n);
            values32.resize(keysOnly ? 0 : n);
        }
    }
    bool f16;

    // Where position `slot` of `layer` lives (a sliding layer's ring reuses its slots).
    size_t offset(int64_t layer, int64_t slot) const
    {
        return layerBase[size_t(layer)] + size_t((slot % layerSlots(layer)) * kvDim(layer));
    }
    std::vector<size_t> layerBase;
    void store(bool key, int64_t layer, int64_t slot, const float* src)
    {
        if (!key && keysOnly()) return;  // the values are the keys
        const size_t at = offset(layer, slot);
        if (f16) {
            uint16_t* dst = (key ? keys16 : values16).data() + at;
            for (int64_t i = 0; i < kvDim(layer); ++i) dst[i] = floatToFp16(src[i]);
        } else {
            std::memcpy((key ? keys32 : values32).data() + at, src, size_t(kvDim(layer)) * sizeof(float));
        }
    }
    // Copies `count` values starting at `first` within the slot's row into dst as floats.
    void load(bool key, int64_t layer, int64_t slot, int64_t first, int64_t count, float* dst) const
    {
        const size_t at = offset(layer, slot) + size_t(first);
        if (f16) {
            const uint16_t* src = (key || keysOnly() ? keys16 : values16).data() + at;
            const float* table = halfTable();
            for (int64_t i = 0; i < count; ++i) dst[i] = table[src[i]];
        } else {
            std::memcpy(dst, (key || keysOnly() ? keys32 : values32).data() + at, size_t(count) * sizeof(float));
        }
    }
    // The raw row of a slot (F16 bits or floats, as the cache holds them), for the attention kernels.
    const uint16_t* halfRow(bool key, int64_t layer, int64_t slot) const
    {
        return (key || keysOnly() ? keys16 : values16).data() + offset(layer, slot);
    }
    const float* floatRow(bool key, int64_t layer, int64_t slot) const
    {
        return (key || keysOnly() ? keys32 : values32).data() + offset(layer, slot);
    }
    void move(int64_t layer, int64_t from, int64_t to)
    {
        const size_t a = offset(layer, from), b = offset(layer, to), n = size_t(kvDim(layer));
        if (f16) {
            std::memmove(keys16.data() + b, keys16.data() + a, n * 2);
            if (!keysOnly()) std::memmove(values16.data() + b, values16.data() + a, n * 2);
        } else {
            std::memmove(keys32.data() + b, keys32.data() + a, n * 4);
            if (!keysOnly()) std::memmove(values32.data() + b, values32.data() + a, n * 4);
        }
    }

private:
    std::vector<uint16_t> keys16, values16;
    std::vector<float> keys32, values32;
};

// Both CPU backends' argument check: a shape mismatch is the caller's bug, named by the op.
void requireShape(bool ok, const char* op);

inline const CpuWeight& asWeight(const Tensor& t) { return static_cast<const CpuWeight&>(t); }
inline CpuActivations& asActs(Tensor& t) { return static_cast<CpuActivations&>(t); }
inline const CpuActivations& asActs(const Tensor& t) { return static_cast<const CpuActivations&>(t); }

}  // namespace hearth
