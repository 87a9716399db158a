#include "nin/layers/softmax_loss.hpp"

#include <cmath>

namespace nin {

LossResult softmax_cross_entropy(ConstActivations logits, const std::int32_t* labels,
                                 Activations grad, std::int64_t first, std::int64_t last,
                                 std::int64_t mean_over) {
  const std::int64_t classes = logits.channels;
  const std::int64_t batch = logits.batch;
  const double mean_divisor = static_cast<double>(mean_over > 0 ? mean_over : batch);
  LossResult result;
  for (std::int64_t n = first; n < (last < 0 ? batch : last); ++n) {
    const float* column = logits.data + n;  // stride `batch` between classes
    std::int64_t best = 0;
    float max = column[0];
    for (std::int64_t k = 1; k < classes; ++k)
      if (column[k * batch] > max) {
        max = column[k * batch];
        best = k;
      }
    double denominator = 0.0;
    for (std::int64_t k = 0; k < classes; ++k)
      denominator += std::exp(double(column[k * batch] - max));
    const std::int32_t label = labels[n];
    result.loss_sum += std::log(denominator) - double(column[label * batch] - max);
    result.correct += best == label;
    if (grad.data) {
      for (std::int64_t k = 0; k < classes; ++k) {
        const double p = std::exp(double(column[k * batch] - max)) / denominator;
        grad.data[k * batch + n] =
            static_cast<float>((p - (k == label ? 1.0 : 0.0)) / mean_divisor);
      }
    }
  }
  return result;
}

}  // namespace nin
