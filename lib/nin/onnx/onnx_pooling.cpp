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

  std::string along() const { return std::string(" along the ") + name; }
  // nin's window count with this axis's kernel, stride and start padding.
  std::int64_t nin_windows(bool ceil_mode) const {
    return pooling_output_size(input, kernel, stride, pad_begin, ceil_mode);
  }
};

// Why no nin window has the sizes of the ONNX windows along `axis`, or "" when one has.
std::string size_problem(const Axis& a) {
  if (a.kernel < 1 || a.stride < 1 || a.pad_begin < 0 || a.pad_end < 0)
    return "kernel, stride and pads" + a.along() + " must be positive (pads: not negative)";
  if (a.pad_begin >= a.kernel)
    return "padding " + std::to_string(a.pad_begin) + a.along() +
           " is not smaller than the kernel " + std::to_string(a.kernel);
  if (a.kernel > a.input + 2 * a.pad_begin)
    return "kernel " + std::to_string(a.kernel) + a.along() + " is larger than the padded input " +
           std::to_string(a.input + 2 * a.pad_begin);
  return "";
}

// Why neither of nin's modes gives the ONNX window counts `onnx` along both axes.
std::string count_problem(const Axis (&axes)[2], const std::int64_t (&onnx)[2]) {
  for (int i = 0; i < 2; ++i) {
    const Axis& a = axes[i];
    const std::int64_t ceil = a.nin_windows(true), floor = a.nin_windows(false);
    if (onnx[i] != ceil && onnx[i] != floor)
      return "it gives " + std::to_string(onnx[i]) + " windows" + a.along() +
             ", nin's pooling (padding " + std::to_string(a.pad_begin) + ") " +
             (ceil == floor ? std::to_string(ceil) + " in either mode"
                            : std::to_string(ceil) + " in ceil mode, " + std::to_string(floor) +
                                  " in floor mode");
  }
  // Each axis has the windows of one mode, a different one on each.
  const bool height_ceil = onnx[0] == axes[0].nin_windows(true);
  return std::string("it gives nin's ") + (height_ceil ? "ceil" : "floor") +
         "-mode windows along the height but its " + (height_ceil ? "floor" : "ceil") +
         "-mode windows along the width; a nin pooling has one mode for both axes";
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

OnnxPooling onnx_pooling_for(const Window2d& window, bool ceil_mode, std::int64_t height,
                             std::int64_t width) {
  const Window2d& w = window;
  OnnxPooling p;
  p.kernel_h = w.kernel_h;
  p.kernel_w = w.kernel_w;
  p.stride_h = w.stride_h;
  p.stride_w = w.stride_w;
  p.pad_top = p.pad_bottom = w.pad_h;
  p.pad_left = p.pad_right = w.pad_w;
  if (!ceil_mode) return p;  // floor mode with nin's pads: the same windows in every runtime
  const std::int64_t out_h = pooling_output_size(height, w.kernel_h, w.stride_h, w.pad_h, true);
  const std::int64_t out_w = pooling_output_size(width, w.kernel_w, w.stride_w, w.pad_w, true);
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
  const Axis axes[2] = {{height, p.kernel_h, p.stride_h, p.pad_top, p.pad_bottom, "height"},
                        {width, p.kernel_w, p.stride_w, p.pad_left, p.pad_right, "width"}};
  std::int64_t onnx[2];
  for (int i = 0; i < 2; ++i) {
    const Axis& a = axes[i];
    match.problem = size_problem(a);
    if (!match.problem.empty()) return match;
    onnx[i] =
        onnx_pooling_output_size(a.input, a.kernel, a.stride, a.pad_begin, a.pad_end, p.ceil_mode);
  }
  // With the window's sizes fixed, the counts decide: the node's own mode where it gives ONNX's
  // windows on both axes (then the layer also behaves like the node on other input sizes), else
  // the other mode.
  const auto gives_onnx_windows = [&](bool ceil_mode) {
    return axes[0].nin_windows(ceil_mode) == onnx[0] && axes[1].nin_windows(ceil_mode) == onnx[1];
  };
  if (gives_onnx_windows(p.ceil_mode)) {
    match.ceil_mode = p.ceil_mode;
  } else if (gives_onnx_windows(!p.ceil_mode)) {
    match.ceil_mode = !p.ceil_mode;
  } else {
    match.problem = count_problem(axes, onnx);
    return match;
  }
  // With count_include_pad=1 runtimes differ about cells past the input; agree only when no
  // window leaves it.
  for (const Axis& a : axes) {
    if (average && p.count_include_pad &&
        (a.pad_begin > 0 || (a.nin_windows(match.ceil_mode) - 1) * a.stride + a.kernel > a.input)) {
      match.problem = "count_include_pad=1 counts cells outside the input" + a.along() +
                      " in its averages, nin only the input cells inside each window";
      break;
    }
  }
  return match;
}

}  // namespace nin
