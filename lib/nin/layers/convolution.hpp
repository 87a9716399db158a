#pragma once
// Convolution with any kernel, stride and padding, as GEMM on CNHW activations.
// Work is split into blocks of whole images (so col2im never races across blocks):
// - the 1×1, stride 1, pad 0 case (NIN's cccp layers) multiplies the weights straight into the
//   activation rows, with no im2col: that needs exactly kernel 1, stride 1, pad 0;
// - stride-1 3×3 and 5×5 kernels with enough channels run through Winograd minimal filtering
//   (nin/layers/winograd.hpp): forward, and the input gradient as the correlation of the output
//   gradient with the rotated, channel-transposed kernel. The transformed kernels are cached and
//   made again whenever the (possibly batch-norm folded) weights differ from those they came from.
//   The weight gradient is taken in the transformed domain too (WinogradCorrelation::
//   accumulate_kernel_gradient) and carried back per chunk of the batch. Set
//   NIN_CONVOLUTION=im2col to force im2col everywhere (for comparisons), =winograd to use Winograd
//   wherever it applies; unset or =auto lets each layer choose;
// - every other case lowers a block with im2col, then one GEMM; the weight gradient lowers the
//   block again rather than keep every block of the batch (as large as an activation).
// Blocks never straddle a chunk of the global batch (nin/dist/batch_share.hpp); weight and bias
// gradients are summed per chunk and the chunks then in their fixed tree, so the result is
// bit-identical for any thread or process count.

#include <memory>
#include <vector>

#include "nin/core/parallel.hpp"
#include "nin/layers/batch_norm.hpp"
#include "nin/layers/layer.hpp"
#include "nin/layers/winograd.hpp"

namespace nin {

// How a non-pointwise convolution is computed. `automatic` follows $NIN_CONVOLUTION, and without
// it picks Winograd where it applies and pays; `winograd` falls back to im2col where it does not
// apply (stride other than 1, kernel other than 3×3 or 5×5).
enum class ConvolutionAlgorithm { automatic, im2col, winograd };

// $NIN_CONVOLUTION: unset, "" or "auto" → automatic, "im2col", "winograd"; throws UsageError
// otherwise.
ConvolutionAlgorithm convolution_algorithm_from_environment();

class Convolution final : public Layer {
 public:
  // Without `training`, the buffers only backward needs are not allocated.
  Convolution(const LayerSpec& spec, std::int64_t max_batch, bool training = true,
              ConvolutionAlgorithm algorithm = ConvolutionAlgorithm::automatic);

  bool can_fuse_relu() const override { return true; }
  void initialize(std::uint64_t seed) override;
  void forward(ConstActivations in, Activations out, Phase phase) override;
  void backward(ConstActivations in, ConstActivations out, Activations out_grad,
                Activations in_grad) override;
  std::int64_t backward_scratch_floats() const override {
    return training_chunks_ * spec_.outputs * fan_in();
  }

  std::int64_t images_per_block() const { return images_per_block_; }
  bool uses_winograd() const { return winograd_forward_ != nullptr; }

  // Inference only: applies a following batch normalisation (its running statistics, scale and
  // shift) by rescaling the weights and bias on each eval forward, so the normalisation costs no
  // pass over the activations. The batch-norm layer is then skipped.
  void fold_batch_norm(const BatchNorm* batch_norm);

 private:
  std::int64_t fan_in() const;  // Cin·kh·kw
  // out[o0, o1)[first, first + count) = weight · source (+ bias, then the fused ReLU): `count`
  // output columns of output channels [o0, o1) from `count` source columns whose rows are
  // source_row apart.
  void multiply_columns(const float* weight, const float* bias, const float* source,
                        std::int64_t source_row, Activations out, std::int64_t first,
                        std::int64_t count, std::int64_t o0, std::int64_t o1) const;
  // The forward pass of an im2col or pointwise layer whose batch is one block.
  void forward_one_block(ConstActivations in, Activations out, const float* weight,
                         const float* bias);
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

  // A transformed kernel and the weights it was made from.
  struct TransformedKernel {
    Tensor source, transformed;
    bool valid = false;
  };
  const float* transformed_kernel(const WinogradCorrelation& correlation,
                                  WinogradCorrelation::KernelLayout layout, const float* weight,
                                  TransformedKernel& cache) const;

  bool pointwise_;
  std::unique_ptr<WinogradCorrelation> winograd_forward_, winograd_backward_;  // when chosen
  ThreadScratch winograd_scratch_;
  TransformedKernel forward_kernel_, adjoint_kernel_;
  std::int64_t images_per_block_;
  std::int64_t im2col_images_;      // images lowered at once: a block's, or a small Winograd pass's
  std::int64_t max_block_columns_;  // output pixels of the largest lowered block
  ThreadScratch columns_;  // im2col block (fan_in × block columns), then one zero-padded plane
  std::int64_t training_chunks_ = 0;          // the most chunks of a training pass (0: no training)
  ThreadScratch kernel_gradient_scratch_{0};  // Winograd: a chunk's transformed weight gradient
  std::vector<double> bias_sums_;             // [chunks][outputs], then the total [outputs]
  const BatchNorm* folded_ = nullptr;
  Tensor folded_weight_, folded_bias_, folded_scale_;
};

}  // namespace nin
