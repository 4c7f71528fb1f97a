// An obviously-correct forward pass for tests: dequantized weights, double precision, one
// token at a time, written straight from the model's equations (no backend, no batching).
#pragma once

#include "gguf/gguf_file.h"
#include "model/model_config.h"
#include "tokenizer/vocabulary.h"

#include <vector>

namespace hearth::test {

class ReferenceForward {
public:
    explicit ReferenceForward(const GgufFile& file);
    // Feeds one token at the next position; returns its logits.
    std::vector<double> step(TokenId token);

private:
    using Matrix = std::vector<double>;  // row-major [rows][cols]
    Matrix load(const std::string& name, bool optional = false) const;
    std::vector<double> matVec(const Matrix& w, const std::vector<double>& x, size_t rows) const;
    std::vector<double> rmsNorm(const std::vector<double>& x, const Matrix& w) const;
    void rope(std::vector<double>& v, size_t heads, int position) const;

    const GgufFile& m_file;
    ModelConfig m_config;
    std::vector<std::vector<double>> m_keys, m_values;  // per layer: [position * kvDim + i]
    int m_position = 0;
};

}  // namespace hearth::test
