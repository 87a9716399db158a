#pragma once
// Batch normalisation over each channel: batch statistics in training (biased variance to
// normalise, unbiased variance into the running average, as PyTorch does), running statistics in
// evaluation. The statistics, and backward's sums, are those of the whole global batch: summed per
// chunk and combined through the BatchShare (synchronised batch normalisation across processes). A
// following ReLU can be fused. fold_into() rewrites a preceding convolution so that inference needs
// no normalisation step.

#include <vector>

#include "nin/layers/layer.hpp"

namespace nin {

class BatchNorm final : public Layer {
 public:
  explicit BatchNorm(const LayerSpec& spec);

  bool can_fuse_relu() const override { return true; }
  void initialize(std::uint64_t seed) override;
  void forward(ConstActivations in, Activations out, Phase phase) override;
  void backward(ConstActivations in, ConstActivations out, Activations out_grad,
                Activations in_grad) override;

  // Scale and shift that evaluation applies: y = a·x + b per channel, from the running statistics.
  void inference_affine(float* a, float* b) const;

  // Set when a convolution applies this layer (Convolution::fold_batch_norm); forward then does
  // nothing and the network runs it in place.
  void mark_folded() { folded_ = true; }
  bool folded() const { return folded_; }

 private:
  Tensor running_mean_, running_var_;
  Tensor batch_mean_, batch_inv_std_;  // of the latest training forward
  // Two sums per channel for each chunk, [chunks][2][channels], then their totals [2][channels].
  std::vector<double> sums_;
  // Sums each channel's two per-chunk sums over the global batch: the totals, [2][channels].
  std::span<const double> sum_over_batch(const BatchShare& share);
  bool folded_ = false;
};

}  // namespace nin
