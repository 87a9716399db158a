#include "nin/layers/elementwise.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

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
  static_assert(std::endian::native == std::endian::little, "dropout reads draws as 16-bit words");
  const float scale = 1.0f / (1.0f - static_cast<float>(spec_.dropout_ratio));
  // Each 64-bit draw gives four 16-bit uniforms; a value is kept when its uniform is at least
  // ratio·2^16, so the keep probability is within 2^-16 of 1 − ratio.
  const auto threshold = static_cast<std::uint32_t>(spec_.dropout_ratio * 65536.0 + 0.5);
  const std::uint64_t pass = passes_++;
  const std::uint64_t key = random_stream_key(seed_, pass);
  // Draws follow an element's position in the global batch's activations (channel after
  // channel, each a row of every image's plane), so a share of the batch draws its own part of
  // the masks that one process would draw for the whole batch.
  const BatchShare share = batch_share(in.batch);
  const std::int64_t plane = in.plane();
  const std::int64_t row = in.row();
  const std::int64_t global_row = share.global_images() * plane;
  const std::int64_t offset = share.first_image() * plane;
  constexpr std::int64_t kChunk = 1 << 14;  // a multiple of 4
  const std::int64_t pieces = (row + kChunk - 1) / kChunk;
  parallel_for(in.channels * pieces, [&](std::int64_t task) {
    const std::int64_t c = task / pieces;
    const std::int64_t begin = (task % pieces) * kChunk, end = std::min(row, begin + kChunk);
    const std::int64_t position = c * global_row + offset + begin;
    // Draw the bits first (a loop the compiler vectorises), then read them as 16-bit uniforms:
    // uniform j of draw q is bits 16j..16j+15, which on a little-endian machine is the 16-bit
    // word 4q + j of the buffer.
    std::array<std::uint64_t, kChunk / 4 + 1> bits;
    const std::int64_t first = position / 4;
    const std::int64_t draws = (position + (end - begin) + 3) / 4 - first;
    for (std::int64_t q = 0; q < draws; ++q)
      bits[static_cast<std::size_t>(q)] =
          random_bits_of_stream(key, static_cast<std::uint64_t>(first + q));
    std::array<std::uint16_t, kChunk + 4> uniforms;
    std::memcpy(uniforms.data(), bits.data(), sizeof bits);
    const std::int64_t skip = position - 4 * first;
    const float* x = in.channel(c) + begin;
    float* y = out.channel(c) + begin;
    std::uint8_t* keep = keep_.data() + c * row + begin;
    for (std::int64_t j = 0; j < end - begin; ++j) {
      const bool kept = uniforms[static_cast<std::size_t>(skip + j)] >= threshold;
      keep[j] = kept;
      y[j] = kept ? x[j] * scale : 0.0f;
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
