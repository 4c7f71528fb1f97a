#include "backend/backend.h"

namespace hearth {

std::vector<LogitCandidate> Backend::bestOfRow(const Tensor& x, int64_t row, int64_t count)
{
    std::vector<float> values(size_t(x.cols()));
    readRow(x, row, values);
    return bestCandidates(values, count);
}

}  // namespace hearth
