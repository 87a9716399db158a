#pragma once
// Softmax with cross-entropy loss, numerically stable (the largest logit is subtracted first).

#include <cstdint>

#include "nin/core/tensor.hpp"

namespace nin {

struct LossResult {
  double loss_sum = 0.0;     // sum over the batch of the cross-entropy (−log p(label) unsmoothed)
  std::int64_t correct = 0;  // top-1 hits
};

// logits: [classes][batch] (CNHW with 1×1 planes). Over the samples [first, last) of the batch
// (last −1: to its end), sums the loss in sample order and, when grad.data is not null, writes
// their columns of grad = d(mean loss)/d(logits), same layout, the mean being over `mean_over`
// samples (0: the batch; a process holding part of a global batch gives the global size).
// Labels must lie in [0, classes). With label_smoothing ε the target is (1−ε) on the label and
// ε/classes on every class (Szegedy et al. 2016), in the loss and the gradient alike.
LossResult softmax_cross_entropy(ConstActivations logits, const std::int32_t* labels,
                                 Activations grad, std::int64_t first = 0, std::int64_t last = -1,
                                 std::int64_t mean_over = 0, double label_smoothing = 0.0);

}  // namespace nin
