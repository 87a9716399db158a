#include "nin/layers/batch_norm.hpp"

#include <algorithm>
#include <cmath>

#include "nin/core/parallel.hpp"
#include "nin/core/reduce.hpp"

namespace nin {

BatchNorm::BatchNorm(const LayerSpec& spec)
    : Layer(spec),
      running_mean_({spec.input.channels}),
      running_var_({spec.input.channels}),
      batch_mean_({spec.input.channels}),
      batch_inv_std_({spec.input.channels}),
      sums_(static_cast<std::size_t>((kBatchChunks + 1) * 2 * spec.input.channels)) {
  const std::int64_t C = spec.input.channels;
  parameters_.push_back({"scale", {C}, static_cast<float>(spec.lr_mult), false});
  parameters_.push_back({"shift", {C}, static_cast<float>(spec.bias_lr_mult), false});
  state_.push_back({"running_mean", {C}, running_mean_.data()});
  state_.push_back({"running_var", {C}, running_var_.data()});
  running_var_.fill(1.0f);
}

void BatchNorm::initialize(std::uint64_t /*seed*/) {
  std::fill(parameters_[0].value, parameters_[0].value + parameters_[0].size(), 1.0f);
  std::fill(parameters_[1].value, parameters_[1].value + parameters_[1].size(), 0.0f);
  running_mean_.fill(0.0f);
  running_var_.fill(1.0f);
}

void BatchNorm::inference_affine(float* a, float* b) const {
  for (std::int64_t c = 0; c < spec_.input.channels; ++c) {
    const double inv_std =
        1.0 / std::sqrt(static_cast<double>(running_var_.data()[c]) + spec_.bn_eps);
    a[c] = static_cast<float>(parameters_[0].value[c] * inv_std);
    b[c] = static_cast<float>(parameters_[1].value[c] - running_mean_.data()[c] * a[c]);
  }
}

std::span<const double> BatchNorm::sum_over_batch(const BatchShare& share) {
  const auto width = static_cast<std::size_t>(2 * spec_.input.channels);
  const std::span<double> sums(sums_);
  const std::span<double> totals = sums.last(width);
  share.sum(sums.first(static_cast<std::size_t>(share.local_chunks()) * width), totals);
  return totals;
}

void BatchNorm::forward(ConstActivations in, Activations out, Phase phase) {
  if (folded_) return;  // the preceding convolution applied it
  const std::int64_t C = in.channels;
  const std::int64_t row = in.row();
  const float* scale = parameters_[0].value;
  const float* shift = parameters_[1].value;
  const auto apply = [&](std::int64_t c, float a, float b) {
    const float* x = in.channel(c);
    float* y = out.channel(c);
    if (fused_relu_) {
      for (std::int64_t i = 0; i < row; ++i) y[i] = std::max(a * x[i] + b, 0.0f);
    } else {
      for (std::int64_t i = 0; i < row; ++i) y[i] = a * x[i] + b;
    }
  };
  if (phase == Phase::eval) {
    parallel_for(C, [&](std::int64_t c) {
      const double inv_std =
          1.0 / std::sqrt(static_cast<double>(running_var_.data()[c]) + spec_.bn_eps);
      apply(c, static_cast<float>(scale[c] * inv_std),
            static_cast<float>(shift[c] - running_mean_.data()[c] * scale[c] * inv_std));
    });
    return;
  }
  // Sums per chunk around the running mean (the same on every rank), then over the global batch.
  const BatchShare share = batch_share(in.batch);
  const std::int64_t plane = in.plane();
  parallel_for(C, [&](std::int64_t c) {
    const float* x = in.channel(c);
    for (std::int64_t j = 0; j < share.local_chunks(); ++j) {
      const std::int64_t begin = share.chunk_begin(j) * plane;
      const ShiftedSums sums =
          row_shifted_sums(x + begin, share.chunk_end(j) * plane - begin, running_mean_.data()[c]);
      sums_[static_cast<std::size_t>((2 * j) * C + c)] = sums.sum;
      sums_[static_cast<std::size_t>((2 * j + 1) * C + c)] = sums.square;
    }
  });
  const std::span<const double> totals = sum_over_batch(share);
  const double count = static_cast<double>(share.global_images() * plane);
  const double momentum = spec_.bn_momentum;
  parallel_for(C, [&](std::int64_t c) {
    const double offset = totals[static_cast<std::size_t>(c)] / count;
    const double square = totals[static_cast<std::size_t>(C + c)] / count;
    const double mean = running_mean_.data()[c] + offset;
    const double var = square > offset * offset ? square - offset * offset : 0.0;
    const double inv_std = 1.0 / std::sqrt(var + spec_.bn_eps);
    batch_mean_.data()[c] = static_cast<float>(mean);
    batch_inv_std_.data()[c] = static_cast<float>(inv_std);
    const double unbiased = count > 1 ? var * count / (count - 1) : var;
    running_mean_.data()[c] =
        static_cast<float>((1.0 - momentum) * running_mean_.data()[c] + momentum * mean);
    running_var_.data()[c] =
        static_cast<float>((1.0 - momentum) * running_var_.data()[c] + momentum * unbiased);
    apply(c, static_cast<float>(scale[c] * inv_std),
          static_cast<float>(shift[c] - mean * scale[c] * inv_std));
  });
}

void BatchNorm::backward(ConstActivations in, ConstActivations out, Activations out_grad,
                         Activations in_grad) {
  const std::int64_t C = in.channels;
  const std::int64_t row = in.row();
  const std::int64_t plane = in.plane();
  const BatchShare share = batch_share(in.batch);
  // Σ dy and Σ dy·x per chunk (dy masked by a fused ReLU first), then over the global batch.
  parallel_for(C, [&](std::int64_t c) {
    const float* x = in.channel(c);
    const float* y = out.channel(c);
    float* dy = out_grad.channel(c);
    for (std::int64_t j = 0; j < share.local_chunks(); ++j) {
      const std::int64_t begin = share.chunk_begin(j) * plane;
      const SumDot sums = masked_sum_dot(dy + begin, fused_relu_ ? y + begin : nullptr, x + begin,
                                         share.chunk_end(j) * plane - begin);
      sums_[static_cast<std::size_t>((2 * j) * C + c)] = sums.sum;
      sums_[static_cast<std::size_t>((2 * j + 1) * C + c)] = sums.dot;
    }
  });
  const std::span<const double> totals = sum_over_batch(share);
  const double count = static_cast<double>(share.global_images() * plane);
  const float* scale = parameters_[0].value;
  float* scale_grad = parameters_[0].grad;
  float* shift_grad = parameters_[1].grad;
  parallel_for(C, [&](std::int64_t c) {
    const float mean = batch_mean_.data()[c];
    const float inv_std = batch_inv_std_.data()[c];
    // Σ dy·x̂ = inv_std · (Σ dy·x − mean · Σ dy)
    const double dy_sum = totals[static_cast<std::size_t>(c)];
    const double dy_xhat_sum = inv_std * (totals[static_cast<std::size_t>(C + c)] - mean * dy_sum);
    scale_grad[c] = static_cast<float>(dy_xhat_sum);
    shift_grad[c] = static_cast<float>(dy_sum);
    if (!in_grad.data) return;
    const float* x = in.channel(c);
    const float* dy = out_grad.channel(c);
    float* dx = in_grad.channel(c);
    const float k = scale[c] * inv_std;
    const float mean_dy = static_cast<float>(dy_sum / count);
    const float mean_dy_xhat = static_cast<float>(dy_xhat_sum / count);
    for (std::int64_t i = 0; i < row; ++i) {
      const float xhat = (x[i] - mean) * inv_std;
      dx[i] = k * (dy[i] - mean_dy - xhat * mean_dy_xhat);
    }
  });
}

}  // namespace nin
