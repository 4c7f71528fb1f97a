// Accumulates llama.cpp's KL-divergence statistics of our logits against a base file's rows.
#pragma once

#include "engine/perplexity_report.h"

#include <span>
#include <vector>

namespace hearth {

class KlDivergenceAccumulator {
public:
    // logits: one row of our logits; baseRow: the same position's row of the logits file.
    void add(std::span<const float> logits, std::span<const uint16_t> baseRow, int32_t target);
    int64_t count() const { return m_count; }
    double meanNll() const { return m_count ? m_sumNll / double(m_count) : 0; }
    KlDivergenceReport report() const;  // quantiles need at least one token

private:
    double m_sumNll = 0, m_sumNll2 = 0, m_sumNllBase = 0, m_sumNllBase2 = 0, m_sumNllNllBase = 0;
    double m_sumKld = 0, m_sumKld2 = 0, m_sumPDiff = 0, m_sumPDiff2 = 0, m_sumPDiff4 = 0;
    int64_t m_sameTop = 0, m_count = 0;
    std::vector<float> m_kldValues, m_pDiffValues;
};

}  // namespace hearth
