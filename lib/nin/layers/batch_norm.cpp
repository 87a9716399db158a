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

template <typename ChunkSums, typename UseTotals>
void BatchNorm::over_batch(const BatchShare& share, const ChunkSums& chunk_sums,
                           const UseTotals& use_totals) {
  const std::int64_t C = spec_.input.channels;
  const std::int64_t chunks = share.local_chunks();
  if (share.communicator().size() == 1) {
    // One process: each channel's chunks are summed in its own task, which then goes on while its
    // activations are still in the cache. Same tree, same bits.
    parallel_for(C, [&](std::int64_t c) {
      double* part = sums_.data() + c * 2 * (kBatchChunks + 1);  // [chunks][2], then the totals
      for (std::int64_t j = 0; j < chunks; ++j) chunk_sums(c, j, part + 2 * j);
      const std::span<double> all(part, static_cast<std::size_t>(2 * (chunks + 1)));
      share.sum(all.first(static_cast<std::size_t>(2 * chunks)), all.last(2));
      use_totals(c, part[2 * chunks], part[2 * chunks + 1]);
    });
    return;
  }
  // Several: every channel's sums go into one exchange, [chunks][channels][2], then the totals.
  parallel_for(C, [&](std::int64_t c) {
    for (std::int64_t j = 0; j < chunks; ++j) chunk_sums(c, j, sums_.data() + 2 * (j * C + c));
  });
  const std::span<double> all(sums_);
  const std::span<double> totals = all.last(static_cast<std::size_t>(2 * C));
  share.sum(all.first(static_cast<std::size_t>(2 * chunks * C)), totals);
  parallel_for(C, [&](std::int64_t c) {
    use_totals(c, totals[static_cast<std::size_t>(2 * c)],
               totals[static_cast<std::size_t>(2 * c + 1)]);
  });
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
  const double count = static_cast<double>(share.global_images() * plane);
  const double momentum = spec_.bn_momentum;
  const auto chunk_sums = [&](std::int64_t c, std::int64_t j, double* out) {
    const std::int64_t begin = share.chunk_begin(j) * plane;
    const ShiftedSums sums = row_shifted_sums(
        in.channel(c) + begin, share.chunk_end(j) * plane - begin, running_mean_.data()[c]);
    out[0] = sums.sum;
    out[1] = sums.square;
  };
  const auto normalise = [&](std::int64_t c, double sum, double square_sum) {
    const double offset = sum / count;
    const double square = square_sum / count;
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
  };
  over_batch(share, chunk_sums, normalise);
}

void BatchNorm::backward(ConstActivations in, ConstActivations out, Activations out_grad,
                         Activations in_grad) {
  const std::int64_t row = in.row();
  const std::int64_t plane = in.plane();
  const BatchShare share = batch_share(in.batch);
  const double count = static_cast<double>(share.global_images() * plane);
  const float* scale = parameters_[0].value;
  float* scale_grad = parameters_[0].grad;
  float* shift_grad = parameters_[1].grad;
  // Σ dy and Σ dy·x per chunk (dy masked by a fused ReLU first), then over the global batch.
  const auto chunk_sums = [&](std::int64_t c, std::int64_t j, double* out_sums) {
    const std::int64_t begin = share.chunk_begin(j) * plane;
    const SumDot sums =
        masked_sum_dot(out_grad.channel(c) + begin, fused_relu_ ? out.channel(c) + begin : nullptr,
                       in.channel(c) + begin, share.chunk_end(j) * plane - begin);
    out_sums[0] = sums.sum;
    out_sums[1] = sums.dot;
  };
  const auto gradients = [&](std::int64_t c, double dy_sum, double dy_x_sum) {
    const float mean = batch_mean_.data()[c];
    const float inv_std = batch_inv_std_.data()[c];
    // Σ dy·x̂ = inv_std · (Σ dy·x − mean · Σ dy)
    const double dy_xhat_sum = inv_std * (dy_x_sum - mean * dy_sum);
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
  };
  over_batch(share, chunk_sums, gradients);
}

}  // namespace nin
