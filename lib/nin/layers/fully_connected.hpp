#pragma once
// A fully connected layer (Caffe's InnerProduct, PyTorch's Flatten + Linear): each image's input,
// read as one vector of C·H·W values in PyTorch's order (channel, then row, then column), times a
// weight matrix [outputs][C·H·W], plus a bias; the output is outputs×1×1 per image.
// The input is gathered image-major once per pass so that every product is one GEMM per chunk of
// the global batch; weight and bias gradients are summed per chunk and the chunks then in their
// fixed tree (nin/dist/batch_share.hpp), so the result is bit-identical for any thread or process
// count. A following ReLU can be fused.

#include <vector>

#include "nin/layers/layer.hpp"

namespace nin {

class FullyConnected final : public Layer {
 public:
  FullyConnected(const LayerSpec& spec, std::int64_t max_batch, bool training = true);

  bool can_fuse_relu() const override { return true; }
  void initialize(std::uint64_t seed) override;
  void forward(ConstActivations in, Activations out, Phase phase) override;
  void backward(ConstActivations in, ConstActivations out, Activations out_grad,
                Activations in_grad) override;
  std::int64_t backward_scratch_floats() const override {
    return training_chunks_ * spec_.outputs * features();
  }

 private:
  std::int64_t features() const { return spec_.input.elements(); }

  Tensor rows_;  // [batch][features]: the gathered input, then backward's dL/d(in)
  std::int64_t training_chunks_ = 0;  // the most chunks of a training pass (0: no training)
  std::vector<double> bias_sums_;     // [chunks][outputs], then the total [outputs]
};

}  // namespace nin
