#pragma once
// Stochastic gradient descent with momentum (classic or Nesterov), L2 weight decay on the tensors
// that take it (convolution weights; not biases or batch-norm scale/shift) and per-parameter
// learning-rate multipliers. Same update as torch.optim.SGD:
//   g = grad + decay·w;  v = μ·v + g;  w -= lr·mult·(nesterov ? g + μ·v : v)

#include "nin/core/tensor.hpp"
#include "nin/net/network.hpp"

namespace nin {

struct SgdOptions {
  double momentum = 0.9;
  double weight_decay = 0.0;
  bool nesterov = false;
};

class Sgd {
 public:
  Sgd(Network& network, SgdOptions options);
  void step(double learning_rate);
  Tensor& velocity() { return velocity_; }  // one value per parameter, in flat order

 private:
  Network& network_;
  SgdOptions options_;
  Tensor velocity_;
};

}  // namespace nin
