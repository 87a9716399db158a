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
  // Two sums per channel for each chunk, and their totals.
  std::vector<double> sums_;
  // chunk_sums(c, j, out) writes channel c's two sums over local chunk j to out[0..1];
  // use_totals(c, first, second) then gets their totals over the global batch.
  template <typename ChunkSums, typename UseTotals>
  void over_batch(const BatchShare& share, const ChunkSums& chunk_sums,
                  const UseTotals& use_totals);
  bool folded_ = false;
};

}  // namespace nin
