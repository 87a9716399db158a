#include "nin/layers/kind_support.hpp"

#include <charconv>
#include <cstdlib>

#include "nin/core/error.hpp"

namespace nin {

void ShapeContext::fail(const LayerSpec& layer, const std::string& what) const {
  throw SpecError("'" + spec.source + "': layer '" + layer.name + "' (" + layer.type +
                  "): " + what);
}

void ShapeContext::fail_network(const std::string& what) const {
  throw SpecError("'" + spec.source + "': " + what);
}

std::string onnx_dims_text(const OnnxDims& dims) {
  std::string text = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) text += (i ? "," : "") + std::to_string(dims[i]);
  return text + "]";
}

}  // namespace nin

namespace nin::kinds {

std::string dims(std::int64_t h, std::int64_t w) {
  return std::to_string(h) + "x" + std::to_string(w);
}

std::string shape_text(const Shape& s, const std::string& times) {
  return std::to_string(s.channels) + times + std::to_string(s.height) + times +
         std::to_string(s.width);
}

void check_window(const LayerSpec& layer, const ShapeContext& ctx) {
  const Window2d& w = layer.window;
  const Shape& shape = layer.input;
  if (w.kernel_h <= 0 || w.kernel_w <= 0) ctx.fail(layer, "kernel must be positive");
  if (w.stride_h <= 0 || w.stride_w <= 0) ctx.fail(layer, "stride must be at least 1");
  if (w.pad_h < 0 || w.pad_w < 0) ctx.fail(layer, "pad must not be negative");
  // Specs built in code (from an ONNX graph) skip the parser's limits; with these, no size below
  // can overflow.
  for (const auto extent : {w.kernel_h, w.kernel_w, w.stride_h, w.stride_w, w.pad_h, w.pad_w})
    if (extent > kMaxSpecExtent)
      ctx.fail(layer, "kernel " + dims(w.kernel_h, w.kernel_w) + ", stride " +
                          dims(w.stride_h, w.stride_w) + " and pad " + dims(w.pad_h, w.pad_w) +
                          " must be at most " + std::to_string(kMaxSpecExtent));
  const auto padded_h = shape.height + 2 * w.pad_h;
  const auto padded_w = shape.width + 2 * w.pad_w;
  if (w.kernel_h > padded_h || w.kernel_w > padded_w)
    ctx.fail(layer, "kernel " + dims(w.kernel_h, w.kernel_w) + " is larger than its padded input " +
                        dims(padded_h, padded_w) + " (input " + shape_text(shape) + ")");
}

bool same_window(const Window2d& u, const Window2d& v) {
  return u.kernel_h == v.kernel_h && u.kernel_w == v.kernel_w && u.stride_h == v.stride_h &&
         u.stride_w == v.stride_w && u.pad_h == v.pad_h && u.pad_w == v.pad_w;
}

double shortest_decimal(float value) {
  char text[32];
  const auto result = std::to_chars(text, text + sizeof text, value);
  return std::strtod(std::string(text, result.ptr).c_str(), nullptr);
}

}  // namespace nin::kinds
