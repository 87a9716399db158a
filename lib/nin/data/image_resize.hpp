#pragma once
// A decoded image turned into a network input: an optional centre crop to the input's aspect
// ratio, then a resize to the input's height and width, written channels first (CHW) as bytes.
//
// The filter is the one of Pillow's Image.resize(..., Image.BILINEAR): separable, a triangle
// (tent) filter whose radius is one source pixel when enlarging (plain bilinear interpolation)
// and `scale` source pixels when shrinking by `scale` (so every source pixel contributes and a
// reduction does not alias). Pixel centres are aligned: output pixel x samples the source at
// (x + 0.5)·scale − 0.5. Taps beyond the image's edge are dropped and the others renormalised
// (for bilinear this repeats the edge pixel). Sums are in float without rounding between the two
// passes (Pillow rounds to bytes in between), then rounded to the nearest byte and clamped to
// 0..255. The result depends only on the image and the target, never on the thread count.
//
// An image (or crop) that already has the target size is copied exactly, without resampling.

#include <cstdint>
#include <span>

#include "nin/data/image_codec.hpp"
#include "nin/spec/network_spec.hpp"

namespace nin {

// A rectangle of an image, in whole pixels.
struct CropWindow {
  std::int64_t x = 0, y = 0, width = 0, height = 0;
  bool operator==(const CropWindow&) const = default;
};

// The largest window of a width×height image with the aspect ratio of target_width ×
// target_height (its size rounded to whole pixels), centred; an odd margin leaves the smaller
// half at the left or top. The whole image when the ratios are equal.
CropWindow center_crop_window(std::int64_t width, std::int64_t height, std::int64_t target_width,
                              std::int64_t target_height);

// Writes `image` as target.channels × target.height × target.width bytes to `out`: the whole
// image, or with `center_crop` the center_crop_window, resized as described above. The image must
// have target.channels channels (decode it so) and `out` exactly target.elements() bytes; throws
// std::invalid_argument otherwise.
void image_to_input(const DecodedImage& image, const Shape& target, bool center_crop,
                    std::span<std::uint8_t> out);

}  // namespace nin
