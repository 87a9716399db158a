#include "nin/layers/convolution.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include "nin/core/error.hpp"
#include "nin/core/gemm.hpp"
#include "nin/core/reduce.hpp"
#include "nin/layers/weight_init.hpp"

namespace nin {
namespace {

// Columns (output pixels) a block aims for: enough for an efficient GEMM, small enough to give
// every core work. Depends only on the layer's shape, never on the thread count.
constexpr std::int64_t kTargetBlockColumns = 512;

void relu_in_place(float* row, std::int64_t count) {
  for (std::int64_t i = 0; i < count; ++i) row[i] = std::max(row[i], 0.0f);
}

// Fewer tiles than this in a single-block inference pass (one small image, say) and Winograd's 36
// GEMMs cost more than im2col's one: each packs its whole transformed kernel (36 times the weights
// in all) for a few columns. Such a pass runs as im2col.
constexpr std::int64_t kMinWinogradTiles = 16;

// Below these many input channels im2col is as fast as Winograd (nin-bench on 32×32 planes, 192
// outputs, 2 AMD EPYC cores): the transforms cost per tile and output channel whatever the input
// channels, while the GEMM work they save grows with them. F(2×2, 5×5) moves 36 values for 4
// outputs (F(4×4, 3×3) for 16), so 5×5 needs more channels to pay.
std::int64_t min_winograd_channels(std::int64_t kernel) {
  return kernel == 3 ? 24 : 40;
}

// The Winograd correlation for this layer's forward pass when it is to be used, else null.
std::unique_ptr<WinogradCorrelation> forward_winograd(const LayerSpec& spec,
                                                      ConvolutionAlgorithm algorithm) {
  const Window2d& w = spec.window;
  if (w.stride_h != 1 || w.stride_w != 1 ||
      !WinogradCorrelation::supports_kernel(w.kernel_h, w.kernel_w))
    return nullptr;
  if (algorithm == ConvolutionAlgorithm::automatic)
    algorithm = convolution_algorithm_from_environment();
  if (algorithm == ConvolutionAlgorithm::im2col) return nullptr;
  if (algorithm == ConvolutionAlgorithm::automatic &&
      spec.input.channels < min_winograd_channels(w.kernel_h))
    return nullptr;
  return std::make_unique<WinogradCorrelation>(WinogradCorrelation::Geometry{
      spec.input.channels, spec.outputs, w.kernel_h, spec.input.height, spec.input.width,
      spec.output.height, spec.output.width, w.pad_h, w.pad_w});
}

// dL/dx is the correlation of dL/dy, padded by kernel - 1 - pad, with the rotated kernel whose
// channels swap roles.
std::unique_ptr<WinogradCorrelation> backward_winograd(const LayerSpec& spec) {
  const Window2d& w = spec.window;
  return std::make_unique<WinogradCorrelation>(WinogradCorrelation::Geometry{
      spec.outputs, spec.input.channels, w.kernel_h, spec.output.height, spec.output.width,
      spec.input.height, spec.input.width, w.kernel_h - 1 - w.pad_h, w.kernel_w - 1 - w.pad_w});
}

}  // namespace

ConvolutionAlgorithm convolution_algorithm_from_environment() {
  const char* text = std::getenv("NIN_CONVOLUTION");
  const std::string value = text ? text : "";
  if (value.empty() || value == "auto") return ConvolutionAlgorithm::automatic;
  if (value == "im2col") return ConvolutionAlgorithm::im2col;
  if (value == "winograd") return ConvolutionAlgorithm::winograd;
  throw UsageError("NIN_CONVOLUTION: '" + value + "' is not one of auto, im2col, winograd");
}

Convolution::Convolution(const LayerSpec& spec, std::int64_t max_batch, bool training,
                         ConvolutionAlgorithm algorithm)
    : Layer(spec),
      pointwise_(spec.window.is_pointwise()),
      winograd_forward_(pointwise_ ? nullptr : forward_winograd(spec, algorithm)),
      winograd_backward_(winograd_forward_ && training ? backward_winograd(spec) : nullptr),
      winograd_scratch_(0),
      images_per_block_(
          std::max<std::int64_t>(1, kTargetBlockColumns / spec.output.height / spec.output.width)),
      im2col_images_(
          pointwise_ ? 0
          : winograd_forward_
              ? std::min(max_batch, (kMinWinogradTiles - 1) / winograd_forward_->tiles_per_image())
              : std::min(images_per_block_, max_batch)),
      max_block_columns_(im2col_images_ * spec.output.height * spec.output.width),
      columns_(im2col_images_ == 0 ? 0
                                   : fan_in() * max_block_columns_ +
                                         (spec.input.height + 2 * spec.window.pad_h) *
                                             (spec.input.width + 2 * spec.window.pad_w)) {
  const std::int64_t chunks = max_batch_chunks(max_batch);
  if (training) {
    training_chunks_ = chunks;
    if (spec.bias) bias_sums_.resize(static_cast<std::size_t>((chunks + 1) * spec.outputs));
  }
  if (winograd_forward_) {
    const std::int64_t block_images = std::min(images_per_block_, max_batch);
    std::int64_t scratch = winograd_forward_->scratch_floats(block_images);
    const std::int64_t kernel_floats = spec.outputs * fan_in();
    forward_kernel_.source = Tensor({kernel_floats});
    forward_kernel_.transformed = Tensor({winograd_forward_->transformed_kernel_floats()});
    if (winograd_backward_) {
      scratch = std::max(scratch, winograd_backward_->scratch_floats(block_images));
      adjoint_kernel_.source = Tensor({kernel_floats});
      adjoint_kernel_.transformed = Tensor({winograd_backward_->transformed_kernel_floats()});
    }
    winograd_scratch_ = ThreadScratch(scratch);
    // A chunk's transformed weight gradient, then the scratch of its carrying back.
    if (training)
      kernel_gradient_scratch_ = ThreadScratch(winograd_forward_->transformed_kernel_floats() +
                                               winograd_forward_->kernel_gradient_scratch_floats());
  }
  parameters_.push_back(
      {"weight",
       {spec.outputs, spec.input.channels, spec.window.kernel_h, spec.window.kernel_w},
       static_cast<float>(spec.lr_mult),
       true});
  if (spec.bias)
    parameters_.push_back({"bias", {spec.outputs}, static_cast<float>(spec.bias_lr_mult), false});
}

Convolution::Blocks Convolution::blocks_of(const BatchShare& share) const {
  const std::int64_t per_chunk =
      (share.max_chunk_images() + images_per_block_ - 1) / images_per_block_;
  return {per_chunk, share.local_chunks() * per_chunk};
}

Convolution::Block Convolution::block(const BatchShare& share, const Blocks& blocks,
                                      std::int64_t index) const {
  const std::int64_t chunk = index / blocks.per_chunk;
  const std::int64_t n0 = share.chunk_begin(chunk) + (index % blocks.per_chunk) * images_per_block_;
  const std::int64_t end = share.chunk_end(chunk);
  return {std::min(n0, end), std::min(end, n0 + images_per_block_)};
}

std::int64_t Convolution::fan_in() const {
  return spec_.input.channels * spec_.window.kernel_h * spec_.window.kernel_w;
}

void Convolution::initialize(std::uint64_t seed) {
  initialize_weights(parameters_[0], spec_.init, fan_in(), seed);
  if (spec_.bias)
    std::fill(parameters_[1].value, parameters_[1].value + parameters_[1].size(), 0.0f);
}

void Convolution::im2col(const float* in, std::int64_t in_row, std::int64_t n0, std::int64_t n1,
                         float* col, float* padded) const {
  const auto& w = spec_.window;
  const std::int64_t H = spec_.input.height, W = spec_.input.width;
  const std::int64_t Ho = spec_.output.height, Wo = spec_.output.width;
  const std::int64_t cols = (n1 - n0) * Ho * Wo;
  if (w.stride_h == 1 && w.stride_w == 1) {
    // Stride 1: copy each plane once into a zero-bordered one (scratch after the columns), then
    // every row of the lowered matrix is a plain copy of Wo values, with no bounds to test.
    const std::int64_t Hp = H + 2 * w.pad_h, Wp = W + 2 * w.pad_w;
    std::fill(padded, padded + Hp * Wp, 0.0f);
    for (std::int64_t c = 0; c < spec_.input.channels; ++c) {
      for (std::int64_t n = n0; n < n1; ++n) {
        const float* plane = in + c * in_row + n * H * W;
        for (std::int64_t h = 0; h < H; ++h)
          std::copy(plane + h * W, plane + (h + 1) * W, padded + (h + w.pad_h) * Wp + w.pad_w);
        for (std::int64_t ki = 0; ki < w.kernel_h; ++ki)
          for (std::int64_t kj = 0; kj < w.kernel_w; ++kj) {
            float* __restrict dst =
                col + ((c * w.kernel_h + ki) * w.kernel_w + kj) * cols + (n - n0) * Ho * Wo;
            const float* __restrict src = padded + ki * Wp + kj;
            for (std::int64_t oh = 0; oh < Ho; ++oh)
              for (std::int64_t ow = 0; ow < Wo; ++ow) dst[oh * Wo + ow] = src[oh * Wp + ow];
          }
      }
    }
    return;
  }
  for (std::int64_t c = 0; c < spec_.input.channels; ++c) {
    for (std::int64_t ki = 0; ki < w.kernel_h; ++ki) {
      for (std::int64_t kj = 0; kj < w.kernel_w; ++kj) {
        float* dst = col + ((c * w.kernel_h + ki) * w.kernel_w + kj) * cols;
        for (std::int64_t n = n0; n < n1; ++n) {
          const float* plane = in + c * in_row + n * H * W;
          for (std::int64_t oh = 0; oh < Ho; ++oh, dst += Wo) {
            const std::int64_t ih = oh * w.stride_h - w.pad_h + ki;
            if (ih < 0 || ih >= H) {
              std::fill(dst, dst + Wo, 0.0f);
              continue;
            }
            const float* src = plane + ih * W;
            for (std::int64_t ow = 0; ow < Wo; ++ow) {
              const std::int64_t iw = ow * w.stride_w - w.pad_w + kj;
              dst[ow] = (iw >= 0 && iw < W) ? src[iw] : 0.0f;
            }
          }
        }
      }
    }
  }
}

void Convolution::col2im(const float* col, float* in_grad, std::int64_t in_row, std::int64_t n0,
                         std::int64_t n1) const {
  const auto& w = spec_.window;
  const std::int64_t H = spec_.input.height, W = spec_.input.width;
  const std::int64_t Ho = spec_.output.height, Wo = spec_.output.width;
  const std::int64_t cols = (n1 - n0) * Ho * Wo;
  for (std::int64_t c = 0; c < spec_.input.channels; ++c) {
    for (std::int64_t n = n0; n < n1; ++n)
      std::fill(in_grad + c * in_row + n * H * W, in_grad + c * in_row + (n + 1) * H * W, 0.0f);
    for (std::int64_t ki = 0; ki < w.kernel_h; ++ki) {
      for (std::int64_t kj = 0; kj < w.kernel_w; ++kj) {
        const float* src = col + ((c * w.kernel_h + ki) * w.kernel_w + kj) * cols;
        for (std::int64_t n = n0; n < n1; ++n) {
          float* plane = in_grad + c * in_row + n * H * W;
          for (std::int64_t oh = 0; oh < Ho; ++oh, src += Wo) {
            const std::int64_t ih = oh * w.stride_h - w.pad_h + ki;
            if (ih < 0 || ih >= H) continue;
            float* dst = plane + ih * W;
            if (w.stride_w == 1) {
              const std::int64_t first = std::clamp<std::int64_t>(w.pad_w - kj, 0, Wo);
              const std::int64_t last = std::clamp<std::int64_t>(W + w.pad_w - kj, first, Wo);
              float* __restrict d = dst - w.pad_w + kj;
              const float* __restrict s = src;
              for (std::int64_t ow = first; ow < last; ++ow) d[ow] += s[ow];
            } else {
              for (std::int64_t ow = 0; ow < Wo; ++ow) {
                const std::int64_t iw = ow * w.stride_w - w.pad_w + kj;
                if (iw >= 0 && iw < W) dst[iw] += src[ow];
              }
            }
          }
        }
      }
    }
  }
}

const float* Convolution::transformed_kernel(const WinogradCorrelation& correlation,
                                             WinogradCorrelation::KernelLayout layout,
                                             const float* weight, TransformedKernel& cache) const {
  const std::size_t bytes = static_cast<std::size_t>(cache.source.size()) * sizeof(float);
  if (!cache.valid || std::memcmp(weight, cache.source.data(), bytes) != 0) {
    std::memcpy(cache.source.data(), weight, bytes);
    correlation.transform_kernel(weight, layout, cache.transformed.data());
    cache.valid = true;
  }
  return cache.transformed.data();
}

void Convolution::fold_batch_norm(const BatchNorm* batch_norm) {
  folded_ = batch_norm;
  folded_weight_ = Tensor({spec_.outputs, fan_in()});
  folded_bias_ = Tensor({spec_.outputs});
  folded_scale_ = Tensor({spec_.outputs});
}

void Convolution::forward(ConstActivations in, Activations out, Phase phase) {
  const std::int64_t out_plane = out.plane();
  const std::int64_t K = fan_in();
  const float* weight = parameters_[0].value;
  const float* bias = spec_.bias ? parameters_[1].value : nullptr;
  if (folded_ && phase == Phase::eval) {
    // y = a·(W x + bias) + b  ==  (a·W) x + (a·bias + b)
    float* a = folded_scale_.data();
    float* b = folded_bias_.data();
    folded_->inference_affine(a, b);
    for (std::int64_t m = 0; m < spec_.outputs; ++m) {
      for (std::int64_t k = 0; k < K; ++k)
        folded_weight_.data()[m * K + k] = a[m] * weight[m * K + k];
      if (bias) b[m] += a[m] * bias[m];
    }
    weight = folded_weight_.data();
    bias = b;
  }
  // Training keeps blocks within chunks, for the weight gradient's sums; inference has none.
  const BatchShare share =
      phase == Phase::train ? batch_share(in.batch) : BatchShare::single_chunk(in.batch);
  const Blocks blocks = blocks_of(share);
  // Fewer than 16 tiles are fewer than 256 output pixels, so the pass is one block.
  const bool few_tiles =
      winograd_forward_ && in.batch * winograd_forward_->tiles_per_image() < kMinWinogradTiles;
  if (winograd_forward_ && !(few_tiles && phase == Phase::eval)) {
    const float* kernel = transformed_kernel(
        *winograd_forward_, WinogradCorrelation::KernelLayout::direct, weight, forward_kernel_);
    if (blocks.count == 1) {  // one block: spread its GEMMs and transforms instead
      winograd_forward_->run(kernel, in.data, in.row(), bias, fused_relu_, out.data, out.row(), 0,
                             in.batch, winograd_scratch_.local(), true);
      return;
    }
    parallel_for(blocks.count, [&](std::int64_t index) {
      const auto [n0, n1] = block(share, blocks, index);
      if (n0 == n1) return;
      winograd_forward_->run(kernel, in.data, in.row(), bias, fused_relu_, out.data, out.row(), n0,
                             n1, winograd_scratch_.local());
    });
    return;
  }
  if (blocks.count == 1 && phase == Phase::eval) {  // for latency; training keeps its bits
    forward_one_block(in, out, weight, bias);
    return;
  }
  parallel_for(blocks.count, [&](std::int64_t index) {
    const auto [n0, n1] = block(share, blocks, index);
    if (n0 == n1) return;
    const std::int64_t cols = (n1 - n0) * out_plane;
    if (pointwise_) {
      multiply_columns(weight, bias, in.data + n0 * in.plane(), in.row(), out, n0 * out_plane, cols,
                       0, spec_.outputs);
      return;
    }
    float* col = columns_.local();
    im2col(in.data, in.row(), n0, n1, col, col + K * max_block_columns_);
    multiply_columns(weight, bias, col, cols, out, n0 * out_plane, cols, 0, spec_.outputs);
  });
}

void Convolution::multiply_columns(const float* weight, const float* bias, const float* source,
                                   std::int64_t source_row, Activations out, std::int64_t first,
                                   std::int64_t count, std::int64_t o0, std::int64_t o1) const {
  const std::int64_t K = fan_in();
  float* y = out.data + first;
  // The bias is the GEMM's initial C (beta 1): cheaper than a zeroing pass and an add pass.
  if (bias)
    for (std::int64_t c = o0; c < o1; ++c)
      std::fill(y + c * out.row(), y + c * out.row() + count, bias[c]);
  gemm(Transpose::no, Transpose::no, o1 - o0, count, K, 1.0f, weight + o0 * K, K, source,
       source_row, bias ? 1.0f : 0.0f, y + o0 * out.row(), out.row());
  if (fused_relu_)
    for (std::int64_t c = o0; c < o1; ++c) relu_in_place(y + c * out.row(), count);
}

void Convolution::forward_one_block(ConstActivations in, Activations out, const float* weight,
                                    const float* bias) {
  // One block is the whole pass (a single image, say): lower it once, then spread the GEMM over a
  // fixed grid of column ranges and, when the columns are few, output-channel ranges, so that a
  // few cores have work. The grid depends on the layer's shape only; every output is the same
  // product of a weight row and a column whichever piece computes it.
  constexpr std::int64_t kSpreadColumns = 256;
  constexpr std::int64_t kMinPieces = 4;
  constexpr std::int64_t kRowAlign = 16;  // whole register tiles of OpenBLAS's kernels
  const std::int64_t K = fan_in();
  const std::int64_t M = spec_.outputs;
  const std::int64_t cols = in.batch * out.plane();
  const float* source = in.data;
  std::int64_t source_row = in.row();
  if (!pointwise_) {
    float* scratch = columns_.local();
    im2col(in.data, in.row(), 0, in.batch, scratch, scratch + K * max_block_columns_);
    source = scratch;
    source_row = cols;
  }
  const std::int64_t column_pieces = (cols + kSpreadColumns - 1) / kSpreadColumns;
  const std::int64_t row_pieces = std::clamp<std::int64_t>(
      (kMinPieces + column_pieces - 1) / column_pieces, 1, std::max<std::int64_t>(1, M / 32));
  const auto row_start = [&](std::int64_t piece) {  // row_start(row_pieces) == M
    return std::min(M, (M * piece / row_pieces + kRowAlign - 1) / kRowAlign * kRowAlign);
  };
  parallel_for(column_pieces * row_pieces, [&](std::int64_t piece) {
    const std::int64_t j0 = piece / row_pieces * kSpreadColumns;
    const std::int64_t o0 = row_start(piece % row_pieces), o1 = row_start(piece % row_pieces + 1);
    if (o0 == o1) return;
    multiply_columns(weight, bias, source + j0, source_row, out, j0,
                     std::min(kSpreadColumns, cols - j0), o0, o1);
  });
}

void Convolution::backward(ConstActivations in, ConstActivations out, Activations out_grad,
                           Activations in_grad) {
  const std::int64_t out_plane = out.plane();
  const std::int64_t K = fan_in();
  const std::int64_t M = spec_.outputs;
  const std::int64_t row = out.row();
  const BatchShare share = batch_share(in.batch);
  const std::int64_t chunks = share.local_chunks();
  float* partials = backward_scratch();  // [chunks][outputs × fan_in]; throws in inference

  if (fused_relu_ || spec_.bias) {
    parallel_for(M, [&](std::int64_t c) {
      float* g = out_grad.channel(c);
      if (fused_relu_) {
        const float* y = out.channel(c);
        for (std::int64_t i = 0; i < row; ++i) g[i] = y[i] > 0.0f ? g[i] : 0.0f;
      }
      if (spec_.bias)
        for (std::int64_t j = 0; j < chunks; ++j) {
          const std::int64_t begin = share.chunk_begin(j) * out_plane;
          const std::int64_t end = share.chunk_end(j) * out_plane;
          bias_sums_[static_cast<std::size_t>(j * M + c)] = row_sum(g + begin, end - begin);
        }
    });
    if (spec_.bias) {
      const std::span<double> sums(bias_sums_);
      share.sum(sums.first(static_cast<std::size_t>(chunks * M)),
                sums.last(static_cast<std::size_t>(M)));
      for (std::int64_t c = 0; c < M; ++c)
        parameters_[1].grad[c] =
            static_cast<float>(sums[sums.size() - static_cast<std::size_t>(M - c)]);
    }
  }

  // Weight gradient: a partial sum per chunk of the batch, then the chunks' fixed tree.
  const Blocks blocks = blocks_of(share);
  const std::int64_t weight_size = M * K;
  if (winograd_forward_) {
    parallel_for(chunks, [&](std::int64_t chunk) {
      float* transformed = kernel_gradient_scratch_.local();
      const std::int64_t first = chunk * blocks.per_chunk;
      for (std::int64_t index = first; index < first + blocks.per_chunk; ++index) {
        const auto [n0, n1] = block(share, blocks, index);
        if (n0 == n1) {
          if (index == first)
            std::fill(transformed, transformed + winograd_forward_->transformed_kernel_floats(),
                      0.0f);
          break;
        }
        winograd_forward_->accumulate_kernel_gradient(in.data, in.row(), out_grad.data, row, n0, n1,
                                                      index != first, transformed,
                                                      winograd_scratch_.local());
      }
      winograd_forward_->kernel_gradient(
          transformed, partials + chunk * weight_size,
          transformed + winograd_forward_->transformed_kernel_floats());
    });
  } else {
    parallel_for(chunks, [&](std::int64_t chunk) {
      float* partial = partials + chunk * weight_size;
      if (pointwise_) {
        const std::int64_t c0 = share.chunk_begin(chunk) * out_plane;
        const std::int64_t c1 = share.chunk_end(chunk) * out_plane;
        gemm(Transpose::no, Transpose::yes, M, K, c1 - c0, 1.0f, out_grad.data + c0, row,
             in.data + c0, in.row(), 0.0f, partial, K);
        return;
      }
      float* scratch = columns_.local();
      for (std::int64_t index = chunk * blocks.per_chunk; index < (chunk + 1) * blocks.per_chunk;
           ++index) {
        const auto [n0, n1] = block(share, blocks, index);
        if (n0 == n1) break;
        const std::int64_t cols = (n1 - n0) * out_plane;
        // Lowered again: keeping the forward's blocks would cost as much memory as an activation.
        im2col(in.data, in.row(), n0, n1, scratch, scratch + K * max_block_columns_);
        gemm(Transpose::no, Transpose::yes, M, K, cols, 1.0f, out_grad.data + n0 * out_plane, row,
             scratch, cols, index == chunk * blocks.per_chunk ? 0.0f : 1.0f, partial, K);
      }
    });
  }
  share.sum(std::span<float>(partials, static_cast<std::size_t>(chunks * weight_size)),
            std::span<float>(parameters_[0].grad, static_cast<std::size_t>(weight_size)));

  if (!in_grad.data) return;
  const float* weight = parameters_[0].value;
  if (winograd_backward_) {
    const float* kernel = transformed_kernel(
        *winograd_backward_, WinogradCorrelation::KernelLayout::adjoint, weight, adjoint_kernel_);
    parallel_for(blocks.count, [&](std::int64_t index) {
      const auto [n0, n1] = block(share, blocks, index);
      if (n0 == n1) return;
      winograd_backward_->run(kernel, out_grad.data, row, nullptr, false, in_grad.data,
                              in_grad.row(), n0, n1, winograd_scratch_.local());
    });
    return;
  }
  parallel_for(blocks.count, [&](std::int64_t index) {
    const auto [n0, n1] = block(share, blocks, index);
    if (n0 == n1) return;
    const std::int64_t cols = (n1 - n0) * out_plane;
    const float* dy = out_grad.data + n0 * out_plane;
    if (pointwise_) {
      gemm(Transpose::yes, Transpose::no, K, cols, M, 1.0f, weight, K, dy, row, 0.0f,
           in_grad.data + n0 * in.plane(), in_grad.row());
      return;
    }
    float* col = columns_.local();
    gemm(Transpose::yes, Transpose::no, K, cols, M, 1.0f, weight, K, dy, row, 0.0f, col, cols);
    col2im(col, in_grad.data, in_grad.row(), n0, n1);
  });
}

}  // namespace nin
