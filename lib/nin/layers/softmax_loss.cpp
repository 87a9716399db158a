#include "nin/layers/softmax_loss.hpp"

#include <cmath>

namespace nin {

LossResult softmax_cross_entropy(ConstActivations logits, const std::int32_t* labels,
                                 Activations grad, std::int64_t first, std::int64_t last,
                                 std::int64_t mean_over, double label_smoothing) {
  const std::int64_t classes = logits.channels;
  const std::int64_t batch = logits.batch;
  const double mean_divisor = static_cast<double>(mean_over > 0 ? mean_over : batch);
  const double spread = label_smoothing / static_cast<double>(classes);
  const double on_label = 1.0 - label_smoothing + spread;
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
    const double log_denominator = std::log(denominator);
    if (label_smoothing == 0.0) {
      result.loss_sum += log_denominator - double(column[label * batch] - max);
    } else {
      double loss = 0.0;  // −Σ target_k · log p_k
      for (std::int64_t k = 0; k < classes; ++k)
        loss +=
            (k == label ? on_label : spread) * (log_denominator - double(column[k * batch] - max));
      result.loss_sum += loss;
    }
    result.correct += best == label;
    if (grad.data) {
      for (std::int64_t k = 0; k < classes; ++k) {
        const double p = std::exp(double(column[k * batch] - max)) / denominator;
        grad.data[k * batch + n] =
            static_cast<float>((p - (k == label ? on_label : spread)) / mean_divisor);
      }
    }
  }
  return result;
}

}  // namespace nin
