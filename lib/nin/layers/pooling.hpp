#pragma once
// Max and average pooling with Caffe's ceil-mode output size, or floor mode when the spec says
// "ceil_mode": false (the spec's shapes give the number of windows). Windows that run into the
// padding or past the input are clipped to it; an average divides by the number of input cells
// inside the clipped window. Global average pooling averages each channel plane into one value.

#include <vector>

#include "nin/core/parallel.hpp"
#include "nin/layers/layer.hpp"

namespace nin {

class MaxPooling final : public Layer {
 public:
  MaxPooling(const LayerSpec& spec, std::int64_t max_batch, bool training = true);
  void forward(ConstActivations in, Activations out, Phase phase) override;
  void backward(ConstActivations in, ConstActivations out, Activations out_grad,
                Activations in_grad) override;

 private:
  ThreadScratch row_scratch_;  // a forward pass's column maxima of one output row
};

class AveragePooling final : public Layer {
 public:
  using Layer::Layer;
  void forward(ConstActivations in, Activations out, Phase phase) override;
  void backward(ConstActivations in, ConstActivations out, Activations out_grad,
                Activations in_grad) override;
};

class GlobalAveragePooling final : public Layer {
 public:
  using Layer::Layer;
  void forward(ConstActivations in, Activations out, Phase phase) override;
  void backward(ConstActivations in, ConstActivations out, Activations out_grad,
                Activations in_grad) override;
};

// The window of output index o along one axis, clipped to the input [0, size).
struct PoolWindow {
  std::int64_t begin, end;
};
inline PoolWindow pool_window(std::int64_t o, std::int64_t kernel, std::int64_t stride,
                              std::int64_t pad, std::int64_t size) {
  const std::int64_t start = o * stride - pad;
  return {start < 0 ? 0 : start, start + kernel < size ? start + kernel : size};
}

}  // namespace nin
