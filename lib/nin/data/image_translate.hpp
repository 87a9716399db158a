#pragma once
// Translation of images by whole pixels, with the uncovered pixels set to zero: the test of how
// much a network's accuracy depends on where the object sits in the frame.
//
// Images are stored as the data sets store them, image after image, each channels × height ×
// width. Translating raw pixels (before the model's normalisation) makes the uncovered area a
// black raw image, whose normalised value is −mean/std, not 0. The result depends only on the
// images and the shift, never on the thread count.

#include <cstdint>
#include <span>

#include "nin/data/dataset.hpp"
#include "nin/spec/network_spec.hpp"

namespace nin {

// dx pixels to the right (negative: left), dy pixels down (negative: up).
struct Translation {
  std::int64_t dx = 0, dy = 0;
  bool is_identity() const { return dx == 0 && dy == 0; }
  bool operator==(const Translation&) const = default;
};

// Writes the images of `in` translated by `shift` to `out`: out(c, y, x) = in(c, y − dy, x − dx)
// where that pixel exists, else 0. A shift of a whole width or height (or more) clears the image.
// `in` and `out` hold the same whole number of images of `shape` and must not overlap; throws
// std::invalid_argument otherwise.
void translate_images(std::span<const float> in, std::span<float> out, const Shape& shape,
                      Translation shift);
void translate_images(std::span<const std::uint8_t> in, std::span<std::uint8_t> out,
                      const Shape& shape, Translation shift);

// A copy of `data` (labels, class names, source) with every image translated by `shift`.
Dataset translated(const Dataset& data, Translation shift);

}  // namespace nin
