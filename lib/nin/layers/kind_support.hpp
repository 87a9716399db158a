#pragma once
// Pieces the layer kinds (nin/layers/*_kind.cpp) share: window checks, shape text, and the ONNX
// attributes of a window.

#include <cstdint>
#include <string>

#include "nin/layers/layer_kind.hpp"
#include "nin/onnx/onnx_layer_mapping.hpp"

namespace nin::kinds {

// "3x3"
std::string dims(std::int64_t h, std::int64_t w);
// "16x30x30", or with another sign between the sizes
std::string shape_text(const Shape& shape, const std::string& times = "x");

// Refuses a window that is not positive, beyond the spec limits, or larger than its padded input.
void check_window(const LayerSpec& layer, const ShapeContext& ctx);

// Two windows with equal kernels, strides and pads.
bool same_window(const Window2d& a, const Window2d& b);

// The shortest decimal that reads back as `value`, as a double: 1e-05f becomes 1e-05, not
// 9.99999974737875e-06.
double shortest_decimal(float value);

}  // namespace nin::kinds
