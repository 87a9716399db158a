#include "nin/layers/pooling.hpp"

#include <algorithm>
#include <limits>

#include "nin/core/parallel.hpp"

namespace nin {

MaxPooling::MaxPooling(const LayerSpec& spec, std::int64_t max_batch, bool training)
    : Layer(spec),
      argmax_(training ? static_cast<std::size_t>(spec.output.elements() * max_batch) : 0) {}

void MaxPooling::forward(ConstActivations in, Activations out, Phase phase) {
  const auto& w = spec_.window;
  const bool keep = phase == Phase::train;
  parallel_for(in.channels, [&](std::int64_t c) {
    for (std::int64_t n = 0; n < in.batch; ++n) {
      const float* x = in.plane_of(c, n);
      float* y = out.plane_of(c, n);
      std::int32_t* arg = argmax_.data() + (y - out.data);
      for (std::int64_t oh = 0; oh < out.height; ++oh) {
        const PoolWindow rows = pool_window(oh, w.kernel_h, w.stride_h, w.pad_h, in.height);
        for (std::int64_t ow = 0; ow < out.width; ++ow) {
          const PoolWindow cols = pool_window(ow, w.kernel_w, w.stride_w, w.pad_w, in.width);
          float best = -std::numeric_limits<float>::infinity();
          std::int64_t best_index = rows.begin * in.width + cols.begin;
          for (std::int64_t h = rows.begin; h < rows.end; ++h)
            for (std::int64_t v = cols.begin; v < cols.end; ++v)
              if (x[h * in.width + v] > best) {
                best = x[h * in.width + v];
                best_index = h * in.width + v;
              }
          y[oh * out.width + ow] = best;
          if (keep) arg[oh * out.width + ow] = static_cast<std::int32_t>(best_index);
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

void AveragePooling::backward(ConstActivations /*in*/, ConstActivations out,
                              Activations out_grad, Activations in_grad) {
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
      const float* x = in.plane_of(c, n);
      float sum = 0.0f;
      for (std::int64_t i = 0; i < plane; ++i) sum += x[i];
      out.plane_of(c, n)[0] = sum / static_cast<float>(plane);
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
