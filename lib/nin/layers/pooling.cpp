#include "nin/layers/pooling.hpp"

#include <algorithm>
#include <limits>

#include "nin/core/parallel.hpp"
#include "nin/core/reduce.hpp"

namespace nin {

namespace {

// The maximum of a clipped window and the first position (row-major) that holds it; NaNs never win,
// so a window of NaNs gives −∞ at its first cell.
struct WindowMax {
  float value;
  std::int32_t index;
};

WindowMax clipped_window_max(const float* x, std::int64_t width, PoolWindow rows, PoolWindow cols) {
  WindowMax best{-std::numeric_limits<float>::infinity(),
                 static_cast<std::int32_t>(rows.begin * width + cols.begin)};
  for (std::int64_t h = rows.begin; h < rows.end; ++h)
    for (std::int64_t v = cols.begin; v < cols.end; ++v)
      if (x[h * width + v] > best.value)
        best = {x[h * width + v], static_cast<std::int32_t>(h * width + v)};
  return best;
}

// The same for a whole kKernel×kKernel window at `start`, unrolled: NIN pooling is mostly 3×3 on
// small planes. Branch-free: the maximum first (maxss keeps the running value when x is NaN), then
// the first cell equal to it, scanning backwards; a window without a number keeps its first cell.
template <int kKernel>
WindowMax full_window_max(const float* x, std::int64_t width, std::int64_t start) {
  float best = -std::numeric_limits<float>::infinity();
  for (int h = 0; h < kKernel; ++h)
    for (int v = 0; v < kKernel; ++v) best = std::max(best, x[start + h * width + v]);
  std::int64_t index = start;
  for (int h = kKernel - 1; h >= 0; --h)
    for (int v = kKernel - 1; v >= 0; --v) {
      const std::int64_t at = start + h * width + v;
      index = x[at] == best ? at : index;
    }
  return {best, static_cast<std::int32_t>(index)};
}

// Calls found(i, best) with every output element's maximum and its position.
template <int kKernel, typename Found>
void max_pool_plane(const float* x, std::int64_t height, std::int64_t width,
                    std::int64_t out_height, std::int64_t out_width, const Window2d& w,
                    Found&& found) {
  for (std::int64_t oh = 0; oh < out_height; ++oh) {
    const PoolWindow rows = pool_window(oh, w.kernel_h, w.stride_h, w.pad_h, height);
    const bool full_rows = kKernel > 0 && rows.end - rows.begin == kKernel;
    for (std::int64_t ow = 0; ow < out_width; ++ow) {
      const PoolWindow cols = pool_window(ow, w.kernel_w, w.stride_w, w.pad_w, width);
      WindowMax best;
      if constexpr (kKernel > 0) {
        if (full_rows && cols.end - cols.begin == kKernel)
          best = full_window_max<kKernel>(x, width, rows.begin * width + cols.begin);
        else
          best = clipped_window_max(x, width, rows, cols);
      } else {
        best = clipped_window_max(x, width, rows, cols);
      }
      found(oh * out_width + ow, best);
    }
  }
}

// Values only (the forward pass; backward finds the positions again): each output row takes the
// running maximum of its window's input rows column by column (a vectorisable pass), then of each
// window's columns in it. The maximum is exact and NaNs never win (the running value is kept when x
// is NaN), so the values are those max_pool_plane gives. `row_max` holds `width` floats.
void max_pool_plane_values(const float* x, std::int64_t height, std::int64_t width, float* y,
                           std::int64_t out_height, std::int64_t out_width, const Window2d& w,
                           float* row_max) {
  for (std::int64_t oh = 0; oh < out_height; ++oh) {
    const PoolWindow rows = pool_window(oh, w.kernel_h, w.stride_h, w.pad_h, height);
    std::fill(row_max, row_max + width, -std::numeric_limits<float>::infinity());
    for (std::int64_t h = rows.begin; h < rows.end; ++h) {
      const float* __restrict line = x + h * width;
      float* __restrict m = row_max;
      for (std::int64_t v = 0; v < width; ++v) m[v] = std::max(m[v], line[v]);
    }
    for (std::int64_t ow = 0; ow < out_width; ++ow) {
      const PoolWindow cols = pool_window(ow, w.kernel_w, w.stride_w, w.pad_w, width);
      float best = -std::numeric_limits<float>::infinity();
      for (std::int64_t v = cols.begin; v < cols.end; ++v) best = std::max(best, row_max[v]);
      y[oh * out_width + ow] = best;
    }
  }
}

}  // namespace

MaxPooling::MaxPooling(const LayerSpec& spec, std::int64_t /*max_batch*/, bool /*training*/)
    : Layer(spec), row_scratch_(spec.input.width) {}

void MaxPooling::forward(ConstActivations in, Activations out, Phase /*phase*/) {
  parallel_for(in.channels, [&](std::int64_t c) {
    float* row_max = row_scratch_.local();
    for (std::int64_t n = 0; n < in.batch; ++n)
      max_pool_plane_values(in.plane_of(c, n), in.height, in.width, out.plane_of(c, n), out.height,
                            out.width, spec_.window, row_max);
  });
}

void MaxPooling::backward(ConstActivations in, ConstActivations out, Activations out_grad,
                          Activations in_grad) {
  if (!in_grad.data) return;
  // Each window's maximum is found again in the input rather than kept from the forward pass (as
  // much memory as the output): a pass over the input, where the gradient pass itself is one too.
  const auto& w = spec_.window;
  const bool square3 = w.kernel_h == 3 && w.kernel_w == 3;
  const bool square2 = w.kernel_h == 2 && w.kernel_w == 2;
  parallel_for(in_grad.channels, [&](std::int64_t c) {
    for (std::int64_t n = 0; n < in_grad.batch; ++n) {
      const float* x = in.plane_of(c, n);
      float* dx = in_grad.plane_of(c, n);
      const float* dy = out_grad.plane_of(c, n);
      std::fill(dx, dx + in_grad.plane(), 0.0f);
      const auto route = [&](std::int64_t i, const WindowMax& best) { dx[best.index] += dy[i]; };
      if (square3)
        max_pool_plane<3>(x, in.height, in.width, out.height, out.width, w, route);
      else if (square2)
        max_pool_plane<2>(x, in.height, in.width, out.height, out.width, w, route);
      else
        max_pool_plane<0>(x, in.height, in.width, out.height, out.width, w, route);
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
