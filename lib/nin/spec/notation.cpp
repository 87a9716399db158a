#include "nin/spec/notation.hpp"

namespace nin::notation {

std::string pair_text(std::int64_t a, std::int64_t b) {
  return std::to_string(a) + kTimes + std::to_string(b);
}

std::string stride_pad_text(const Window2d& w) {
  std::string text = "/" + (w.stride_h == w.stride_w ? std::to_string(w.stride_h)
                                                     : pair_text(w.stride_h, w.stride_w));
  if (w.pad_h || w.pad_w)
    text += " p" + (w.pad_h == w.pad_w ? std::to_string(w.pad_h) : pair_text(w.pad_h, w.pad_w));
  return text;
}

std::string hwc_text(const Shape& shape) {
  return std::to_string(shape.height) + kTimes + std::to_string(shape.width) + kTimes +
         std::to_string(shape.channels);
}

}  // namespace nin::notation
