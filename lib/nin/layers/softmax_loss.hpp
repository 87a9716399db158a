#pragma once
// Softmax with cross-entropy loss, numerically stable (the largest logit is subtracted first).

#include <cstdint>

#include "nin/core/tensor.hpp"

namespace nin {

struct LossResult {
  double loss_sum = 0.0;     // sum over the batch of −log p(label)
  std::int64_t correct = 0;  // top-1 hits
};

// logits: [classes][batch] (CNHW with 1×1 planes). Writes grad = d(mean loss)/d(logits), same
// layout, when grad.data is not null. Labels must lie in [0, classes). Sums in a fixed order.
LossResult softmax_cross_entropy(ConstActivations logits, const std::int32_t* labels,
                                 Activations grad);

}  // namespace nin
