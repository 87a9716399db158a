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
  const float scale = 1.0f / (1.0f - static_cast<float>(spec_.dropout_ratio));
  // Each 64-bit draw gives four 16-bit uniforms; a value is kept when its uniform is at least
  // ratio·2^16, so the keep probability is within 2^-16 of 1 − ratio.
  const auto threshold = static_cast<std::uint32_t>(spec_.dropout_ratio * 65536.0 + 0.5);
  const std::uint64_t pass = passes_++;
  const std::int64_t total = in.size();
  constexpr std::int64_t kChunk = 1 << 14;  // a multiple of 4
  parallel_for((total + kChunk - 1) / kChunk, [&](std::int64_t chunk) {
    const std::int64_t begin = chunk * kChunk, end = std::min(total, begin + kChunk);
    for (std::int64_t i = begin; i < end; i += 4) {
      std::uint64_t bits = random_bits(seed_, pass, static_cast<std::uint64_t>(i / 4));
      for (std::int64_t j = i; j < std::min(end, i + 4); ++j, bits >>= 16) {
        const bool keep = (bits & 0xffff) >= threshold;
        keep_[static_cast<std::size_t>(j)] = keep;
        out.data[j] = keep ? in.data[j] * scale : 0.0f;
      }
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
