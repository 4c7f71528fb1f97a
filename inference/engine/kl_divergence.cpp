#include "engine/kl_divergence.h"

#include <algorithm>
#include <cstdarg>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace hearth {

namespace {

// llama.cpp's mean_and_uncertainty: the mean and the standard error of the mean.
Estimate meanAndUncertainty(double sum, double sum2, int64_t count)
{
    if (count < 1) return {};
    const double mean = sum / double(count);
    const double variance = sum2 / double(count) - mean * mean;
    return {mean, variance > 0 && count > 10 ? std::sqrt(variance / double(count - 1)) : 0.0};
}

double covariance(double sumA, double sumB, double sumAB, int64_t count)
{
    if (count < 10) return 0;
    const double n = double(count);
    return (sumAB / n - (sumA / n) * (sumB / n)) / (n - 1);
}

// llama.cpp's percentile: linear interpolation between the sorted neighbours.
double percentile(const std::vector<float>& sorted, float fraction)
{
    if (fraction <= 0) return sorted.front();
    if (fraction >= 1) return sorted.back();
    float position = fraction * float(sorted.size() - 1);
    const size_t index = size_t(position);
    position -= float(index);
    return (1 - position) * sorted[index] + position * sorted[std::min(index + 1, sorted.size() - 1)];
}

// Appends printf-formatted text (the attribute lets the compiler check every call's format).
[[gnu::format(printf, 2, 3)]] void appendf(std::string& out, const char* format, ...)
{
    char line[160];
    va_list args;
    va_start(args, format);
    std::vsnprintf(line, sizeof line, format, args);
    va_end(args);
    out += line;
}

double median(const std::vector<float>& sorted)
{
    const size_t n = sorted.size();
    return n % 2 == 0 ? 0.5f * (sorted[n / 2] + sorted[n / 2 - 1]) : sorted[n / 2];
}

}  // namespace

void KlDivergenceAccumulator::add(std::span<const float> logits, std::span<const uint16_t> baseRow, int32_t target)
{
    // Single precision where llama.cpp uses it, so the numbers match to the printed digits.
    const int64_t vocabulary = int64_t(logits.size());
    float maxLogit = logits[0];
    int64_t top = 0;
    for (int64_t i = 1; i < vocabulary; ++i)
        if (logits[size_t(i)] > maxLogit) {
            maxLogit = logits[size_t(i)];
            top = i;
        }
    double sumExp = 0;
    for (float l : logits) sumExp += std::exp(l - maxLogit);
    const float logSumExp = float(std::log(sumExp));
    float scale, minLogProb;
    std::memcpy(&scale, baseRow.data(), sizeof scale);
    std::memcpy(&minLogProb, baseRow.data() + 2, sizeof minLogProb);
    const uint16_t* base = baseRow.data() + 4;

    const float nll = maxLogit + logSumExp - logits[size_t(target)];
    const float nllBase = -(scale * base[target] + minLogProb);
    m_sumNll += nll;
    m_sumNll2 += double(nll) * nll;
    m_sumNllBase += nllBase;
    m_sumNllBase2 += double(nllBase) * nllBase;
    m_sumNllNllBase += double(nll) * nllBase;

    const float logNormalizer = maxLogit + logSumExp;
    double kld = 0;
    int64_t topBase = -1;
    float topBaseLogProb = 0;
    for (int64_t i = 0; i < vocabulary; ++i) {
        const float logProbBase = scale * base[i] + minLogProb;
        if (i == 0 || logProbBase > topBaseLogProb) {
            topBaseLogProb = logProbBase;
            topBase = i;
        }
        if (logProbBase > -16.f) kld += std::exp(logProbBase) * (logProbBase - logits[size_t(i)] + logNormalizer);
    }
    m_sumKld += kld;
    m_sumKld2 += kld * kld;
    ++m_count;
    if (top == topBase) ++m_sameTop;

    const float pDiff = std::exp(-nll) - std::exp(-nllBase);
    const double pDiff2 = double(pDiff) * pDiff;
    m_sumPDiff += pDiff;
    m_sumPDiff2 += pDiff2;
    m_sumPDiff4 += pDiff2 * pDiff2;
    m_kldValues.push_back(float(kld));
    m_pDiffValues.push_back(pDiff);
}

KlDivergenceReport KlDivergenceAccumulator::report() const
{
    KlDivergenceReport r;
    r.tokens = m_count;
    if (m_count == 0) return r;
    const Estimate logPpl = meanAndUncertainty(m_sumNll, m_sumNll2, m_count);
    const Estimate logPplBase = meanAndUncertainty(m_sumNllBase, m_sumNllBase2, m_count);
    r.pplQ = {std::exp(logPpl.value), std::exp(logPpl.value) * logPpl.uncertainty};
    r.pplBase = {std::exp(logPplBase.value), std::exp(logPplBase.value) * logPplBase.uncertainty};
    const double logCov = covariance(m_sumNll, m_sumNllBase, m_sumNllNllBase, m_count);
    r.logPplCorrelation = logCov / (logPpl.uncertainty * logPplBase.uncertainty);
    r.logPplRatio = {logPpl.value - logPplBase.value,
                     std::sqrt(logPpl.uncertainty * logPpl.uncertainty + logPplBase.uncertainty * logPplBase.uncertainty - 2 * logCov)};
    r.pplRatio = {std::exp(r.logPplRatio.value), std::exp(r.logPplRatio.value) * r.logPplRatio.uncertainty};
    const double pplCov = r.pplQ.value * r.pplBase.value * logCov;
    r.pplDifference = {r.pplQ.value - r.pplBase.value,
                       std::sqrt(r.pplQ.uncertainty * r.pplQ.uncertainty + r.pplBase.uncertainty * r.pplBase.uncertainty - 2 * pplCov)};
    r.meanKld = meanAndUncertainty(m_sumKld, m_sumKld2, m_count);

    std::vector<float> kld = m_kldValues, pDiff = m_pDiffValues;
    std::sort(kld.begin(), kld.end());
    std::sort(pDiff.begin(), pDiff.end());
    const float kldFractions[] = {0.999f, 0.990f, 0.950f, 0.900f};
    r.kldQuantiles[0] = kld.back();
    for (int i = 0; i < 4; ++i) r.kldQuantiles[1 + i] = percentile(kld, kldFractions[i]);
    r.kldQuantiles[5] = median(kld);
    const float lowFractions[] = {0.100f, 0.050f, 0.010f, 0.001f};
    for (int i = 0; i < 4; ++i) r.kldQuantiles[6 + i] = percentile(kld, lowFractions[i]);
    r.kldQuantiles[10] = kld.front();

    r.meanDeltaP = meanAndUncertainty(m_sumPDiff, m_sumPDiff2, m_count);
    const float highP[] = {0.999f, 0.990f, 0.950f, 0.900f, 0.750f};
    r.deltaPQuantiles[0] = pDiff.back();
    for (int i = 0; i < 5; ++i) r.deltaPQuantiles[1 + i] = percentile(pDiff, highP[i]);
    r.deltaPQuantiles[6] = median(pDiff);
    const float lowP[] = {0.250f, 0.100f, 0.050f, 0.010f, 0.001f};
    for (int i = 0; i < 5; ++i) r.deltaPQuantiles[7 + i] = percentile(pDiff, lowP[i]);
    r.deltaPQuantiles[12] = pDiff.front();

    const Estimate mse = meanAndUncertainty(m_sumPDiff2, m_sumPDiff4, m_count);
    const double rms = std::sqrt(mse.value);
    r.rmsDeltaP = {rms, rms > 0 ? 0.5 / rms * mse.uncertainty : 0.0};
    const double same = double(m_sameTop) / double(m_count);
    r.sameTop = {same, m_count > 1 ? std::sqrt(same * (1 - same) / double(m_count - 1)) : 0.0};
    return r;
}

std::string formatKlDivergenceReport(const KlDivergenceReport& r)
{
    std::string out;
    appendf(out, "====== Perplexity statistics ======\n");
    appendf(out, "Mean PPL(Q)                   : %10.6lf ± %10.6lf\n", r.pplQ.value, r.pplQ.uncertainty);
    appendf(out, "Mean PPL(base)                : %10.6lf ± %10.6lf\n", r.pplBase.value, r.pplBase.uncertainty);
    appendf(out, "Cor(ln(PPL(Q)), ln(PPL(base))): %6.2lf%%\n", 100.0 * r.logPplCorrelation);
    appendf(out, "Mean ln(PPL(Q)/PPL(base))     : %10.6lf ± %10.6lf\n", r.logPplRatio.value, r.logPplRatio.uncertainty);
    appendf(out, "Mean PPL(Q)/PPL(base)         : %10.6lf ± %10.6lf\n", r.pplRatio.value, r.pplRatio.uncertainty);
    appendf(out, "Mean PPL(Q)-PPL(base)         : %10.6lf ± %10.6lf\n", r.pplDifference.value, r.pplDifference.uncertainty);
    appendf(out, "\n====== KL divergence statistics ======\n");
    appendf(out, "Mean    KLD: %10.6lf ± %10.6lf\n", r.meanKld.value, r.meanKld.uncertainty);
    const char* kldLabels[] = {"Maximum KLD", "99.9%   KLD", "99.0%   KLD", "95.0%   KLD", "90.0%   KLD", "Median  KLD",
                               "10.0%   KLD", " 5.0%   KLD", " 1.0%   KLD", " 0.1%   KLD", "Minimum KLD"};
    for (int i = 0; i < 11; ++i) appendf(out, "%s: %10.6f\n", kldLabels[i], r.kldQuantiles[i]);
    appendf(out, "\n====== Token probability statistics ======\n");
    appendf(out, "Mean    Δp: %6.3lf ± %5.3lf %%\n", 100.0 * r.meanDeltaP.value, 100.0 * r.meanDeltaP.uncertainty);
    const char* pLabels[] = {"Maximum Δp", "99.9%   Δp", "99.0%   Δp", "95.0%   Δp", "90.0%   Δp", "75.0%   Δp", "Median  Δp",
                             "25.0%   Δp", "10.0%   Δp", " 5.0%   Δp", " 1.0%   Δp", " 0.1%   Δp", "Minimum Δp"};
    for (int i = 0; i < 13; ++i) appendf(out, "%s: %6.3lf%%\n", pLabels[i], 100.0 * r.deltaPQuantiles[i]);
    appendf(out, "RMS Δp    : %6.3lf ± %5.3lf %%\n", 100.0 * r.rmsDeltaP.value, 100.0 * r.rmsDeltaP.uncertainty);
    appendf(out, "Same top p: %6.3lf ± %5.3lf %%\n", 100.0 * r.sameTop.value, 100.0 * r.sameTop.uncertainty);
    return out;
}

}  // namespace hearth
