#pragma once
// Convolution with any kernel, stride and padding, as GEMM on CNHW activations.
// Work is split into blocks of whole images (so col2im never races across blocks):
// - the 1×1, stride 1, pad 0 case (NIN's cccp layers) multiplies the weights straight into the
//   activation rows, with no im2col: that needs exactly kernel 1, stride 1, pad 0;
// - every other case lowers a block with im2col, then one GEMM; a training forward keeps the
//   lowered blocks (up to 256 MiB) so that the weight gradient need not lower them again.
// Blocks never straddle a chunk of the global batch (nin/dist/batch_share.hpp); weight and bias
// gradients are summed per chunk and the chunks then in their fixed tree, so the result is
// bit-identical for any thread or process count.

#include <memory>
#include <vector>

#include "nin/core/parallel.hpp"
#include "nin/layers/batch_norm.hpp"
#include "nin/layers/layer.hpp"

namespace nin {

class Convolution final : public Layer {
 public:
  // Without `training`, the buffers only backward needs are not allocated.
  Convolution(const LayerSpec& spec, std::int64_t max_batch, bool training = true);

  bool can_fuse_relu() const override { return true; }
  void initialize(std::uint64_t seed) override;
  void forward(ConstActivations in, Activations out, Phase phase) override;
  void backward(ConstActivations in, ConstActivations out, Activations out_grad,
                Activations in_grad) override;

  std::int64_t images_per_block() const { return images_per_block_; }

  // Inference only: applies a following batch normalisation (its running statistics, scale and
  // shift) by rescaling the weights and bias on each eval forward, so the normalisation costs no
  // pass over the activations. The batch-norm layer is then skipped.
  void fold_batch_norm(const BatchNorm* batch_norm);

 private:
  std::int64_t fan_in() const;  // Cin·kh·kw
  // Lowers images [n0, n1) into col (fan_in × columns); `padded` is scratch for one padded plane.
  void im2col(const float* in, std::int64_t in_row, std::int64_t n0, std::int64_t n1, float* col,
              float* padded) const;
  void col2im(const float* col, float* in_grad, std::int64_t in_row, std::int64_t n0,
              std::int64_t n1) const;

  // The blocks of a pass: `per_chunk` slots for each local chunk, the last ones of a short chunk
  // empty. block() gives slot `index`'s local images [n0, n1).
  struct Blocks {
    std::int64_t per_chunk, count;
  };
  struct Block {
    std::int64_t n0, n1;
  };
  Blocks blocks_of(const BatchShare& share) const;
  Block block(const BatchShare& share, const Blocks& blocks, std::int64_t index) const;

  bool pointwise_;
  std::int64_t images_per_block_;
  std::int64_t max_block_columns_;    // output pixels of the largest block
  std::int64_t saved_block_columns_;  // of the largest training block (within a chunk)
  ThreadScratch columns_;   // im2col block (fan_in × block columns), then one zero-padded plane
  Tensor chunk_gradients_;  // [chunks][outputs × fan_in]
  std::vector<double> bias_sums_;  // [chunks][outputs], then the total [outputs]
  Tensor saved_columns_;  // every block's im2col of the last training forward (may be empty)
  const BatchNorm* folded_ = nullptr;
  Tensor folded_weight_, folded_bias_, folded_scale_;
};

}  // namespace nin
