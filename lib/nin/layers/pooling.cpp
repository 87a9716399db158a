#include "nin/layers/pooling.hpp"

#include <algorithm>
#include <limits>

#include "nin/core/parallel.hpp"
#include "nin/core/reduce.hpp"

namespace nin {

namespace {

// y[ow] = max(y[ow], x[ow·stride]) over [begin, end), recording the winner's index when arg is
// set. The common strides are compile-time constants so the loop vectorises.
template <int kStride>
void max_into_row(const float* __restrict x, std::int64_t shift, std::int64_t begin,
                  std::int64_t end, float* __restrict y, std::int32_t* __restrict arg,
                  std::int64_t runtime_stride = 0) {
  const std::int64_t stride = kStride ? kStride : runtime_stride;
  if (arg) {
    for (std::int64_t ow = begin; ow < end; ++ow) {
      const float value = x[ow * stride];
      const bool greater = value > y[ow];
      y[ow] = greater ? value : y[ow];
      arg[ow] = greater ? static_cast<std::int32_t>(shift + ow * stride) : arg[ow];
    }
  } else {
    for (std::int64_t ow = begin; ow < end; ++ow) y[ow] = std::max(y[ow], x[ow * stride]);
  }
}

}  // namespace

MaxPooling::MaxPooling(const LayerSpec& spec, std::int64_t max_batch, bool training)
    : Layer(spec),
      argmax_(training ? static_cast<std::size_t>(spec.output.elements() * max_batch) : 0) {}

void MaxPooling::forward(ConstActivations in, Activations out, Phase phase) {
  const auto& w = spec_.window;
  const bool keep = phase == Phase::train;
  const std::int64_t W = in.width;
  // Output columns whose window lies inside the input horizontally: they need no clipping, and
  // the loop over them has no dependence between iterations, so it vectorises.
  std::int64_t inner_begin = 0;
  while (inner_begin < out.width && inner_begin * w.stride_w - w.pad_w < 0) ++inner_begin;
  std::int64_t inner_end = inner_begin;
  while (inner_end < out.width && inner_end * w.stride_w - w.pad_w + w.kernel_w <= W) ++inner_end;
  parallel_for(in.channels, [&](std::int64_t c) {
    for (std::int64_t n = 0; n < in.batch; ++n) {
      const float* x = in.plane_of(c, n);
      float* y = out.plane_of(c, n);
      std::int32_t* arg = keep ? argmax_.data() + (y - out.data) : nullptr;
      for (std::int64_t oh = 0; oh < out.height; ++oh) {
        const PoolWindow rows = pool_window(oh, w.kernel_h, w.stride_h, w.pad_h, in.height);
        float* y_row = y + oh * out.width;
        std::int32_t* arg_row = keep ? arg + oh * out.width : nullptr;
        // Edge columns: clipped windows, one at a time.
        const auto edge = [&](std::int64_t ow) {
          const PoolWindow cols = pool_window(ow, w.kernel_w, w.stride_w, w.pad_w, W);
          float best = -std::numeric_limits<float>::infinity();
          std::int32_t best_index = static_cast<std::int32_t>(rows.begin * W + cols.begin);
          for (std::int64_t h = rows.begin; h < rows.end; ++h)
            for (std::int64_t v = cols.begin; v < cols.end; ++v)
              if (x[h * W + v] > best) {
                best = x[h * W + v];
                best_index = static_cast<std::int32_t>(h * W + v);
              }
          y_row[ow] = best;
          if (keep) arg_row[ow] = best_index;
        };
        for (std::int64_t ow = 0; ow < inner_begin; ++ow) edge(ow);
        for (std::int64_t ow = inner_end; ow < out.width; ++ow) edge(ow);
        for (std::int64_t ow = inner_begin; ow < inner_end; ++ow) {
          y_row[ow] = -std::numeric_limits<float>::infinity();
          if (keep)
            arg_row[ow] = static_cast<std::int32_t>(rows.begin * W + ow * w.stride_w - w.pad_w);
        }
        for (std::int64_t h = rows.begin; h < rows.end; ++h)
          for (std::int64_t kw = 0; kw < w.kernel_w; ++kw) {
            const std::int64_t shift = h * W + kw - w.pad_w;
            if (w.stride_w == 2)
              max_into_row<2>(x + shift, shift, inner_begin, inner_end, y_row, arg_row);
            else if (w.stride_w == 1)
              max_into_row<1>(x + shift, shift, inner_begin, inner_end, y_row, arg_row);
            else
              max_into_row<0>(x + shift, shift, inner_begin, inner_end, y_row, arg_row, w.stride_w);
          }
      }
    }
  });
}

void MaxPooling::backward(ConstActivations /*in*/, ConstActivations out, Activations out_grad,
                          Activations in_grad) {
  if (!in_grad.data) return;
  const std::int64_t out_plane = out.plane();
  parallel_for(in_grad.channels, [&](std::int64_t c) {
    for (std::int64_t n = 0; n < in_grad.batch; ++n) {
      float* dx = in_grad.plane_of(c, n);
      const float* dy = out_grad.plane_of(c, n);
      const std::int32_t* arg = argmax_.data() + (dy - out_grad.data);
      std::fill(dx, dx + in_grad.plane(), 0.0f);
      for (std::int64_t i = 0; i < out_plane; ++i) dx[arg[i]] += dy[i];
    }
  });
}

void AveragePooling::forward(ConstActivations in, Activations out, Phase /*phase*/) {
  const auto& w = spec_.window;
  parallel_for(in.channels, [&](std::int64_t c) {
    for (std::int64_t n = 0; n < in.batch; ++n) {
      const float* x = in.plane_of(c, n);
      float* y = out.plane_of(c, n);
      for (std::int64_t oh = 0; oh < out.height; ++oh) {
        const PoolWindow rows = pool_window(oh, w.kernel_h, w.stride_h, w.pad_h, in.height);
        for (std::int64_t ow = 0; ow < out.width; ++ow) {
          const PoolWindow cols = pool_window(ow, w.kernel_w, w.stride_w, w.pad_w, in.width);
          float sum = 0.0f;
          for (std::int64_t h = rows.begin; h < rows.end; ++h)
            for (std::int64_t v = cols.begin; v < cols.end; ++v) sum += x[h * in.width + v];
          y[oh * out.width + ow] =
              sum / static_cast<float>((rows.end - rows.begin) * (cols.end - cols.begin));
        }
      }
    }
  });
}

void AveragePooling::backward(ConstActivations /*in*/, ConstActivations out, Activations out_grad,
                              Activations in_grad) {
  if (!in_grad.data) return;
  const auto& w = spec_.window;
  parallel_for(in_grad.channels, [&](std::int64_t c) {
    for (std::int64_t n = 0; n < in_grad.batch; ++n) {
      float* dx = in_grad.plane_of(c, n);
      const float* dy = out_grad.plane_of(c, n);
      std::fill(dx, dx + in_grad.plane(), 0.0f);
      for (std::int64_t oh = 0; oh < out.height; ++oh) {
        const PoolWindow rows = pool_window(oh, w.kernel_h, w.stride_h, w.pad_h, in_grad.height);
        for (std::int64_t ow = 0; ow < out.width; ++ow) {
          const PoolWindow cols = pool_window(ow, w.kernel_w, w.stride_w, w.pad_w, in_grad.width);
          const float share = dy[oh * out.width + ow] /
                              static_cast<float>((rows.end - rows.begin) * (cols.end - cols.begin));
          for (std::int64_t h = rows.begin; h < rows.end; ++h)
            for (std::int64_t v = cols.begin; v < cols.end; ++v) dx[h * in_grad.width + v] += share;
        }
      }
    }
  });
}

void GlobalAveragePooling::forward(ConstActivations in, Activations out, Phase /*phase*/) {
  const std::int64_t plane = in.plane();
  parallel_for(in.channels, [&](std::int64_t c) {
    for (std::int64_t n = 0; n < in.batch; ++n) {
      out.plane_of(c, n)[0] =
          static_cast<float>(row_sum(in.plane_of(c, n), plane) / static_cast<double>(plane));
    }
  });
}

void GlobalAveragePooling::backward(ConstActivations /*in*/, ConstActivations /*out*/,
                                    Activations out_grad, Activations in_grad) {
  if (!in_grad.data) return;
  const std::int64_t plane = in_grad.plane();
  parallel_for(in_grad.channels, [&](std::int64_t c) {
    for (std::int64_t n = 0; n < in_grad.batch; ++n) {
      const float share = out_grad.plane_of(c, n)[0] / static_cast<float>(plane);
      float* dx = in_grad.plane_of(c, n);
      std::fill(dx, dx + plane, share);
    }
  });
}

}  // namespace nin
