#include "sampling/logit_candidate.h"

#include <algorithm>

namespace hearth {

std::vector<LogitCandidate> bestCandidates(std::span<const float> values, int64_t count)
{
    std::vector<LogitCandidate> all(values.size());
    for (size_t i = 0; i < values.size(); ++i) all[i] = {TokenId(i), values[i]};
    const size_t keep = std::min(all.size(), size_t(std::max<int64_t>(count, 0)));
    std::partial_sort(all.begin(), all.begin() + std::ptrdiff_t(keep), all.end(), betterCandidate);
    all.resize(keep);
    return all;
}

}  // namespace hearth
