#include "nin/layers/fully_connected.hpp"

#include <algorithm>
#include <cmath>
#include <span>

#include "nin/core/gemm.hpp"
#include "nin/core/parallel.hpp"
#include "nin/core/reduce.hpp"
#include "nin/layers/weight_init.hpp"

namespace nin {

FullyConnected::FullyConnected(const LayerSpec& spec, std::int64_t max_batch, bool training)
    : Layer(spec), rows_({max_batch * spec.input.elements()}) {
  if (training) {
    training_chunks_ = max_batch_chunks(max_batch);
    if (spec.bias)
      bias_sums_.resize(static_cast<std::size_t>((training_chunks_ + 1) * spec.outputs));
  }
  parameters_.push_back(
      {"weight", {spec.outputs, features()}, static_cast<float>(spec.lr_mult), true});
  if (spec.bias)
    parameters_.push_back({"bias", {spec.outputs}, static_cast<float>(spec.bias_lr_mult), false});
}

void FullyConnected::initialize(std::uint64_t seed) {
  initialize_weights(parameters_[0], spec_.init, features(), seed);
  if (spec_.bias)
    std::fill(parameters_[1].value, parameters_[1].value + parameters_[1].size(), 0.0f);
}

void FullyConnected::forward(ConstActivations in, Activations out, Phase phase) {
  const std::int64_t N = in.batch, F = features(), M = spec_.outputs;
  const std::int64_t plane = in.plane();
  float* rows = rows_.data();
  // [C][N][H·W] → [N][C·H·W]
  parallel_for(N, [&](std::int64_t n) {
    for (std::int64_t c = 0; c < in.channels; ++c) {
      const float* src = in.plane_of(c, n);
      std::copy(src, src + plane, rows + n * F + c * plane);
    }
  });
  // One GEMM per chunk, so that each image's outputs are computed alike whoever holds its chunk.
  const BatchShare share = phase == Phase::train ? batch_share(N) : BatchShare::single_chunk(N);
  const float* weight = parameters_[0].value;
  parallel_for(share.local_chunks(), [&](std::int64_t j) {
    const std::int64_t n0 = share.chunk_begin(j), n1 = share.chunk_end(j);
    if (n0 == n1) return;
    gemm(Transpose::no, Transpose::yes, M, n1 - n0, F, 1.0f, weight, F, rows + n0 * F, F, 0.0f,
         out.data + n0, N);
  });
  if (!spec_.bias && !fused_relu_) return;
  const float* bias = spec_.bias ? parameters_[1].value : nullptr;
  parallel_for(M, [&](std::int64_t o) {
    float* y = out.data + o * N;
    const float b = bias ? bias[o] : 0.0f;
    for (std::int64_t n = 0; n < N; ++n) {
      const float v = y[n] + b;
      y[n] = fused_relu_ && v < 0.0f ? 0.0f : v;
    }
  });
}

void FullyConnected::backward(ConstActivations in, ConstActivations out, Activations out_grad,
                              Activations in_grad) {
  const std::int64_t N = in.batch, F = features(), M = spec_.outputs;
  const BatchShare share = batch_share(N);
  const std::int64_t chunks = share.local_chunks();
  float* partials = backward_scratch();  // [chunks][outputs × features]; throws in inference
  float* g = out_grad.data;              // [M][N]
  if (fused_relu_ || spec_.bias) {
    parallel_for(M, [&](std::int64_t o) {
      float* go = g + o * N;
      if (fused_relu_) {
        const float* y = out.data + o * N;
        for (std::int64_t n = 0; n < N; ++n) go[n] = y[n] > 0.0f ? go[n] : 0.0f;
      }
      if (spec_.bias)
        for (std::int64_t j = 0; j < chunks; ++j)
          bias_sums_[static_cast<std::size_t>(j * M + o)] =
              row_sum(go + share.chunk_begin(j), share.chunk_end(j) - share.chunk_begin(j));
    });
    if (spec_.bias) {
      const std::span<double> sums(bias_sums_);
      share.sum(sums.first(static_cast<std::size_t>(chunks * M)),
                sums.last(static_cast<std::size_t>(M)));
      for (std::int64_t o = 0; o < M; ++o)
        parameters_[1].grad[o] =
            static_cast<float>(sums[sums.size() - static_cast<std::size_t>(M - o)]);
    }
  }

  // Weight gradient: dL/dW = g · rows, a partial product per chunk, then the chunks' tree.
  const std::int64_t weight_size = M * F;
  float* rows = rows_.data();
  parallel_for(chunks, [&](std::int64_t j) {
    const std::int64_t n0 = share.chunk_begin(j), n1 = share.chunk_end(j);
    float* partial = partials + j * weight_size;
    if (n0 == n1) {
      std::fill(partial, partial + weight_size, 0.0f);
      return;
    }
    gemm(Transpose::no, Transpose::no, M, F, n1 - n0, 1.0f, g + n0, N, rows + n0 * F, F, 0.0f,
         partial, F);
  });
  share.sum(std::span<float>(partials, static_cast<std::size_t>(chunks * weight_size)),
            std::span<float>(parameters_[0].grad, static_cast<std::size_t>(weight_size)));

  if (!in_grad.data) return;
  // dL/d(in) = gᵀ · W, image-major into the rows (no longer needed), then back to [C][N][H·W].
  const float* weight = parameters_[0].value;
  parallel_for(chunks, [&](std::int64_t j) {
    const std::int64_t n0 = share.chunk_begin(j), n1 = share.chunk_end(j);
    if (n0 == n1) return;
    gemm(Transpose::yes, Transpose::no, n1 - n0, F, M, 1.0f, g + n0, N, weight, F, 0.0f,
         rows + n0 * F, F);
  });
  const std::int64_t plane = in_grad.plane();
  parallel_for(N, [&](std::int64_t n) {
    for (std::int64_t c = 0; c < in_grad.channels; ++c) {
      const float* src = rows + n * F + c * plane;
      std::copy(src, src + plane, in_grad.plane_of(c, n));
    }
  });
}

}  // namespace nin
