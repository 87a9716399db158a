#include "nin/onnx/onnx_pooling.hpp"

#include <algorithm>

namespace nin {
namespace {

// Caffe's ceil rounding without the rule about the last window: what a reader that does not
// apply the rule computes.
std::int64_t plain_ceil_output_size(std::int64_t input, std::int64_t kernel, std::int64_t stride,
                                    std::int64_t pad) {
  return (input + 2 * pad - kernel + stride - 1) / stride + 1;
}

struct Axis {
  std::int64_t input, kernel, stride, pad_begin, pad_end;
  const char* name;
};

// Why the ONNX windows along `axis` are not nin's, or "" when they are.
std::string axis_problem(const Axis& a, bool ceil_mode, bool average, bool count_include_pad) {
  const std::string along = std::string(" along the ") + a.name;
  if (a.kernel < 1 || a.stride < 1 || a.pad_begin < 0 || a.pad_end < 0)
    return "kernel, stride and pads" + along + " must be positive (pads: not negative)";
  if (a.pad_begin >= a.kernel)
    return "padding " + std::to_string(a.pad_begin) + along + " is not smaller than the kernel " +
           std::to_string(a.kernel);
  if (a.kernel > a.input + 2 * a.pad_begin)
    return "kernel " + std::to_string(a.kernel) + along + " is larger than the padded input " +
           std::to_string(a.input + 2 * a.pad_begin);
  const std::int64_t onnx =
      onnx_pooling_output_size(a.input, a.kernel, a.stride, a.pad_begin, a.pad_end, ceil_mode);
  const std::int64_t ours = pooling_output_size(a.input, a.kernel, a.stride, a.pad_begin);
  if (onnx != ours)
    return "it gives " + std::to_string(onnx) + " windows" + along +
           ", nin's pooling (Caffe ceil mode, padding " + std::to_string(a.pad_begin) + ") " +
           std::to_string(ours);
  // With count_include_pad=1 runtimes differ about cells past the input; agree only when no
  // window leaves it.
  if (average && count_include_pad &&
      (a.pad_begin > 0 || (ours - 1) * a.stride + a.kernel > a.input))
    return "count_include_pad=1 counts cells outside the input" + along +
           " in its averages, nin only the input cells inside each window";
  return "";
}

}  // namespace

std::int64_t onnx_pooling_output_size(std::int64_t input, std::int64_t kernel, std::int64_t stride,
                                      std::int64_t pad_begin, std::int64_t pad_end,
                                      bool ceil_mode) {
  const std::int64_t span = input + pad_begin + pad_end - kernel;
  if (span < 0) return 0;
  if (!ceil_mode) return span / stride + 1;
  std::int64_t out = (span + stride - 1) / stride + 1;
  if ((out - 1) * stride >= input + pad_begin) --out;  // the last window would start in the padding
  return out;
}

OnnxPooling onnx_pooling_for(const Window2d& window, std::int64_t height, std::int64_t width) {
  const Window2d& w = window;
  OnnxPooling p;
  p.kernel_h = w.kernel_h;
  p.kernel_w = w.kernel_w;
  p.stride_h = w.stride_h;
  p.stride_w = w.stride_w;
  p.pad_top = p.pad_bottom = w.pad_h;
  p.pad_left = p.pad_right = w.pad_w;
  const std::int64_t out_h = pooling_output_size(height, w.kernel_h, w.stride_h, w.pad_h);
  const std::int64_t out_w = pooling_output_size(width, w.kernel_w, w.stride_w, w.pad_w);
  p.ceil_mode = plain_ceil_output_size(height, w.kernel_h, w.stride_h, w.pad_h) == out_h &&
                plain_ceil_output_size(width, w.kernel_w, w.stride_w, w.pad_w) == out_w;
  if (!p.ceil_mode) {
    // ceil_mode holds for both axes. On an axis where plain ceil rounding gives one window more
    // than nin, that window would start in the padding and floor rounding gives nin's count; on
    // the other axis the end padding is extended to reach the last window, (out − 1)·stride +
    // kernel cells from the first window's start. The extension stays below the kernel.
    p.pad_bottom = std::max(w.pad_h, (out_h - 1) * w.stride_h + w.kernel_h - height - w.pad_h);
    p.pad_right = std::max(w.pad_w, (out_w - 1) * w.stride_w + w.kernel_w - width - w.pad_w);
  }
  return p;
}

PoolingMatch nin_window_for(const OnnxPooling& pooling, std::int64_t height, std::int64_t width,
                            bool average) {
  const OnnxPooling& p = pooling;
  PoolingMatch match;
  match.window = {p.kernel_h, p.kernel_w, p.stride_h, p.stride_w, p.pad_top, p.pad_left};
  const Axis axes[] = {{height, p.kernel_h, p.stride_h, p.pad_top, p.pad_bottom, "height"},
                       {width, p.kernel_w, p.stride_w, p.pad_left, p.pad_right, "width"}};
  for (const Axis& a : axes) {
    match.problem = axis_problem(a, p.ceil_mode, average, p.count_include_pad);
    if (!match.problem.empty()) break;
  }
  return match;
}

}  // namespace nin
