#include "nin/layers/elementwise.hpp"

#include <algorithm>

#include "nin/core/parallel.hpp"
#include "nin/core/random.hpp"

namespace nin {

void Relu::forward(ConstActivations in, Activations out, Phase /*phase*/) {
  parallel_for(in.channels, [&](std::int64_t c) {
    const float* x = in.channel(c);
    float* y = out.channel(c);
    for (std::int64_t i = 0; i < in.row(); ++i) y[i] = std::max(x[i], 0.0f);
  });
}

void Relu::backward(ConstActivations /*in*/, ConstActivations out, Activations out_grad,
                    Activations in_grad) {
  if (!in_grad.data) return;
  parallel_for(out.channels, [&](std::int64_t c) {
    const float* y = out.channel(c);
    const float* dy = out_grad.channel(c);
    float* dx = in_grad.channel(c);
    for (std::int64_t i = 0; i < out.row(); ++i) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
  });
}

Dropout::Dropout(const LayerSpec& spec, std::int64_t max_batch, bool training)
    : Layer(spec),
      keep_(training ? static_cast<std::size_t>(spec.output.elements() * max_batch) : 0) {}

void Dropout::initialize(std::uint64_t seed) {
  seed_ = seed;
  passes_ = 0;
}

void Dropout::forward(ConstActivations in, Activations out, Phase phase) {
  if (phase == Phase::eval) {
    if (in.data != out.data) std::copy(in.data, in.data + in.size(), out.data);
    return;
  }
  const float ratio = static_cast<float>(spec_.dropout_ratio);
  const float scale = 1.0f / (1.0f - ratio);
  const std::uint64_t pass = passes_++;
  parallel_for(in.channels, [&](std::int64_t c) {
    const std::int64_t offset = c * in.row();
    for (std::int64_t i = 0; i < in.row(); ++i) {
      const auto index = static_cast<std::uint64_t>(offset + i);
      const bool keep = random_uniform(seed_, pass, index) >= ratio;
      keep_[static_cast<std::size_t>(offset + i)] = keep;
      out.data[offset + i] = keep ? in.data[offset + i] * scale : 0.0f;
    }
  });
}

void Dropout::backward(ConstActivations /*in*/, ConstActivations /*out*/, Activations out_grad,
                       Activations in_grad) {
  if (!in_grad.data) return;
  const float scale = 1.0f / (1.0f - static_cast<float>(spec_.dropout_ratio));
  parallel_for(out_grad.channels, [&](std::int64_t c) {
    const std::int64_t offset = c * out_grad.row();
    for (std::int64_t i = offset; i < offset + out_grad.row(); ++i)
      in_grad.data[i] = keep_[static_cast<std::size_t>(i)] ? out_grad.data[i] * scale : 0.0f;
  });
}

}  // namespace nin
