#pragma once
// nin's pooling windows in ONNX terms. nin pools in Caffe's ceil mode unless a layer says
// "ceil_mode": false: the output has ceil((in + 2·pad − kernel) / stride) + 1 windows, less one
// when the last would start past the input and its left padding; in floor mode it has
// floor((in + 2·pad − kernel) / stride) + 1. Windows are clipped to the input, a maximum ignores
// the padding and an average divides by the input cells inside the window.
//
// ONNX MaxPool and AveragePool (count_include_pad=0) compute the same values for the same windows,
// so the only question is the number of windows. Floor mode reads the same everywhere: nin's floor
// mode exports as ceil_mode=0 with its pads. In ceil mode the current ONNX specification drops a
// last window that would start in the end padding, as PyTorch and nin do; older readers (ONNX
// 1.12's shape inference, OpenCV 4.6 when unpadded) do not. Export of nin's ceil mode therefore
// writes ceil_mode=1 only where every reading gives nin's count on both axes, and otherwise floor
// mode, with the end padding extended on an axis that needs the extra window — exact either way.
// Import accepts any attributes whose windows are nin's (asymmetric pads included): in ceil mode
// where that gives them, else in floor mode; it refuses the rest.

#include <cstdint>
#include <string>

#include "nin/spec/network_spec.hpp"

namespace nin {

// MaxPool/AveragePool attributes for a 2-d input.
struct OnnxPooling {
  std::int64_t kernel_h = 1, kernel_w = 1;
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  bool ceil_mode = false;
  bool count_include_pad = false;  // AveragePool only
};

// The attributes that give nin's `window` in ceil or floor mode on a height × width input in every
// runtime.
OnnxPooling onnx_pooling_for(const Window2d& window, bool ceil_mode, std::int64_t height,
                             std::int64_t width);

// Output length along one axis as the ONNX specification defines it (see above for ceil mode).
std::int64_t onnx_pooling_output_size(std::int64_t input, std::int64_t kernel, std::int64_t stride,
                                      std::int64_t pad_begin, std::int64_t pad_end, bool ceil_mode);

// The nin window and mode that compute exactly what `pooling` computes on a height × width input,
// or why there are none.
struct PoolingMatch {
  Window2d window;
  bool ceil_mode = true;
  std::string problem;  // empty when `window` and `ceil_mode` are exact
};
PoolingMatch nin_window_for(const OnnxPooling& pooling, std::int64_t height, std::int64_t width,
                            bool average);

}  // namespace nin
