#include "nin/train/sgd.hpp"

#include "nin/core/parallel.hpp"

namespace nin {

Sgd::Sgd(Network& network, SgdOptions options)
    : network_(network),
      options_(options),
      velocity_({static_cast<std::int64_t>(network.parameter_values().size())}) {}

void Sgd::step(double learning_rate) {
  const float mu = static_cast<float>(options_.momentum);
  const bool nesterov = options_.nesterov;
  float* velocity = velocity_.data();
  const float* base = network_.parameter_values().data();
  const auto parameters = network_.parameters();
  parallel_for(static_cast<std::int64_t>(parameters.size()), [&](std::int64_t i) {
    Parameter& p = *parameters[static_cast<std::size_t>(i)].parameter;
    const float lr = static_cast<float>(learning_rate * p.lr_mult);
    const float decay = p.weight_decay ? static_cast<float>(options_.weight_decay) : 0.0f;
    float* v = velocity + (p.value - base);
    for (std::int64_t j = 0; j < p.size(); ++j) {
      const float g = p.grad[j] + decay * p.value[j];
      v[j] = mu * v[j] + g;
      p.value[j] -= lr * (nesterov ? g + mu * v[j] : v[j]);
    }
  });
}

}  // namespace nin
