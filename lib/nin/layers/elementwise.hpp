#pragma once
// Layers that work element by element and in place: ReLU and (inverted) dropout.

#include <vector>

#include "nin/layers/layer.hpp"

namespace nin {

class Relu final : public Layer {
 public:
  using Layer::Layer;
  bool in_place() const override { return true; }
  void forward(ConstActivations in, Activations out, Phase phase) override;
  void backward(ConstActivations in, ConstActivations out, Activations out_grad,
                Activations in_grad) override;
};

// Inverted dropout: in training each value is kept with probability 1 − ratio and scaled by
// 1 / (1 − ratio); in evaluation it is the identity. The mask of a forward pass is a function of
// (seed, pass counter, element index) only, so it does not depend on the thread count.
class Dropout final : public Layer {
 public:
  Dropout(const LayerSpec& spec, std::int64_t max_batch, bool training = true);
  bool in_place() const override { return true; }
  void initialize(std::uint64_t seed) override;
  void forward(ConstActivations in, Activations out, Phase phase) override;
  void backward(ConstActivations in, ConstActivations out, Activations out_grad,
                Activations in_grad) override;

  // Position in the random stream (saved in checkpoints so a resumed run draws the same masks).
  std::uint64_t passes() const { return passes_; }
  void set_passes(std::uint64_t passes) { passes_ = passes; }

 private:
  std::vector<std::uint8_t> keep_;
  std::uint64_t seed_ = 0;
  std::uint64_t passes_ = 0;
};

}  // namespace nin
