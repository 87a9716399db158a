#include "nin/data/image_resize.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace nin {

namespace {

// The weights of one axis: output pixel o reads `count` source pixels from first[o], with
// weights weights[o·stride ...]. They sum to 1 (up to float rounding).
struct Taps {
  std::vector<std::int64_t> first, count;
  std::vector<float> weights;
  std::int64_t stride = 0;
};

Taps make_taps(std::int64_t in_size, std::int64_t out_size) {
  const double scale = static_cast<double>(in_size) / static_cast<double>(out_size);
  const double filter_scale = std::max(scale, 1.0);  // the triangle's radius in source pixels
  Taps taps;
  taps.stride = static_cast<std::int64_t>(std::ceil(filter_scale)) * 2 + 1;
  taps.first.resize(static_cast<std::size_t>(out_size));
  taps.count.resize(static_cast<std::size_t>(out_size));
  taps.weights.assign(static_cast<std::size_t>(out_size * taps.stride), 0.0f);
  std::vector<double> w(static_cast<std::size_t>(taps.stride));
  for (std::int64_t o = 0; o < out_size; ++o) {
    // In source coordinates where pixel i covers [i, i + 1) and has its centre at i + 0.5.
    const double centre = (static_cast<double>(o) + 0.5) * scale;
    auto lo = static_cast<std::int64_t>(std::floor(centre - filter_scale - 0.5));
    auto hi = static_cast<std::int64_t>(std::ceil(centre + filter_scale - 0.5));
    lo = std::max<std::int64_t>(lo, 0);
    hi = std::min<std::int64_t>(hi, in_size - 1);
    // Keep the pixels of positive weight; the nearest one always has some (its distance to the
    // centre is at most 0.5 and the radius at least 1).
    std::int64_t first = -1, last = -1;
    double sum = 0.0;
    for (std::int64_t i = lo; i <= hi; ++i) {
      const double d = std::abs(static_cast<double>(i) + 0.5 - centre) / filter_scale;
      if (d >= 1.0) continue;
      if (first < 0) first = i;
      last = i;
      w[static_cast<std::size_t>(i - first)] = 1.0 - d;
      sum += 1.0 - d;
    }
    // Zero-weight pixels between first and last cannot occur (the filter is one hump), so
    // w[0 .. last − first] are exactly the kept weights.
    const std::int64_t count = last - first + 1;
    taps.first[static_cast<std::size_t>(o)] = first;
    taps.count[static_cast<std::size_t>(o)] = count;
    for (std::int64_t k = 0; k < count; ++k)
      taps.weights[static_cast<std::size_t>(o * taps.stride + k)] =
          static_cast<float>(w[static_cast<std::size_t>(k)] / sum);
  }
  return taps;
}

std::uint8_t to_byte(float value) {
  return static_cast<std::uint8_t>(std::clamp(value, 0.0f, 255.0f) + 0.5f);
}

}  // namespace

CropWindow center_crop_window(std::int64_t width, std::int64_t height, std::int64_t target_width,
                              std::int64_t target_height) {
  CropWindow window{0, 0, width, height};
  // Sides are at most 65,535 and targets at most 2^26: the products fit easily.
  if (width * target_height > height * target_width) {
    window.width = std::clamp<std::int64_t>(
        (2 * height * target_width + target_height) / (2 * target_height), 1, width);
    window.x = (width - window.width) / 2;
  } else if (width * target_height < height * target_width) {
    window.height = std::clamp<std::int64_t>(
        (2 * width * target_height + target_width) / (2 * target_width), 1, height);
    window.y = (height - window.height) / 2;
  }
  return window;
}

void image_to_input(const DecodedImage& image, const Shape& target, bool center_crop,
                    std::span<std::uint8_t> out) {
  const std::int64_t channels = image.channels;
  if (channels != target.channels || target.height < 1 || target.width < 1 ||
      static_cast<std::int64_t>(out.size()) != target.elements() ||
      static_cast<std::int64_t>(image.pixels.size()) != image.width * image.height * channels)
    throw std::invalid_argument("image_to_input: the image (" + std::to_string(channels) +
                                " channels) or the output (" + std::to_string(out.size()) +
                                " bytes) does not match the target");
  const CropWindow crop =
      center_crop ? center_crop_window(image.width, image.height, target.width, target.height)
                  : CropWindow{0, 0, image.width, image.height};
  const std::int64_t out_h = target.height, out_w = target.width, plane = out_h * out_w;
  const std::int64_t row_bytes = image.width * channels;
  const std::uint8_t* const in =
      image.pixels.data() + crop.y * row_bytes + crop.x * channels;  // the crop's first pixel

  if (crop.width == out_w && crop.height == out_h) {
    for (std::int64_t y = 0; y < out_h; ++y)
      for (std::int64_t x = 0; x < out_w; ++x)
        for (std::int64_t c = 0; c < channels; ++c)
          out[static_cast<std::size_t>(c * plane + y * out_w + x)] =
              in[y * row_bytes + x * channels + c];
    return;
  }

  // Each row of the crop is filtered across once, then added with its vertical weights to the
  // output rows it contributes to. Memory is one row and the output in floats, whatever the
  // image's size. The first and last taps of output rows never decrease from row to row.
  const Taps across = make_taps(crop.width, out_w);
  const Taps down = make_taps(crop.height, out_h);
  std::vector<float> sums(static_cast<std::size_t>(channels * plane), 0.0f);
  std::vector<float> row(static_cast<std::size_t>(channels * out_w));
  std::int64_t first_out = 0;  // the first output row that source row y may contribute to
  for (std::int64_t y = 0; y < crop.height; ++y) {
    const std::uint8_t* src = in + y * row_bytes;
    for (std::int64_t x = 0; x < out_w; ++x) {
      const std::uint8_t* s = src + across.first[static_cast<std::size_t>(x)] * channels;
      const float* w = &across.weights[static_cast<std::size_t>(x * across.stride)];
      const std::int64_t count = across.count[static_cast<std::size_t>(x)];
      for (std::int64_t c = 0; c < channels; ++c) {
        float sum = 0.0f;
        for (std::int64_t k = 0; k < count; ++k)
          sum += w[k] * static_cast<float>(s[k * channels + c]);
        row[static_cast<std::size_t>(c * out_w + x)] = sum;
      }
    }
    const auto first_of = [&](std::int64_t o) { return down.first[static_cast<std::size_t>(o)]; };
    const auto end_of = [&](std::int64_t o) {
      return first_of(o) + down.count[static_cast<std::size_t>(o)];
    };
    while (first_out < out_h && end_of(first_out) <= y) ++first_out;
    for (std::int64_t o = first_out; o < out_h && first_of(o) <= y; ++o) {
      const float w = down.weights[static_cast<std::size_t>(o * down.stride + y - first_of(o))];
      for (std::int64_t c = 0; c < channels; ++c) {
        float* dst = &sums[static_cast<std::size_t>(c * plane + o * out_w)];
        const float* r = &row[static_cast<std::size_t>(c * out_w)];
        for (std::int64_t x = 0; x < out_w; ++x) dst[x] += w * r[x];
      }
    }
  }
  for (std::size_t i = 0; i < sums.size(); ++i) out[i] = to_byte(sums[i]);
}

}  // namespace nin
