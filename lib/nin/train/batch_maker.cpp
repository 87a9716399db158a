#include "nin/train/batch_maker.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "nin/core/error.hpp"
#include "nin/core/parallel.hpp"
#include "nin/core/random.hpp"

namespace nin {
namespace {
constexpr std::uint64_t kAugmentStream = 0x617567ull;    // "aug"
constexpr std::uint64_t kEraseStream = 0x6572617365ull;  // "erase"

// Random erasing's rectangle for one image, or an empty one (no erasing this time). Up to ten
// draws are made for a rectangle that fits, as in the method's description.
struct Rectangle {
  std::int64_t top = 0, left = 0, height = 0, width = 0;
};

Rectangle erasing_rectangle(double probability, std::int64_t H, std::int64_t W, std::uint64_t seed,
                            std::uint64_t epoch, std::uint64_t index) {
  const std::uint64_t key = random_stream_key(seed, kEraseStream + epoch);
  const auto uniform = [&](std::uint64_t draw) {  // [0, 1), 24 bits
    return static_cast<double>(random_bits_of_stream(key, index * 64 + draw) >> 40) / 16777216.0;
  };
  if (uniform(0) >= probability) return {};
  constexpr double kMinArea = 0.02, kMaxArea = 0.4, kMinAspect = 0.3;
  for (std::uint64_t attempt = 0; attempt < 10; ++attempt) {
    const double area =
        (kMinArea + (kMaxArea - kMinArea) * uniform(1 + 4 * attempt)) * static_cast<double>(H * W);
    const double aspect =
        std::exp(std::log(kMinAspect) + (-2.0 * std::log(kMinAspect)) * uniform(2 + 4 * attempt));
    const auto h = static_cast<std::int64_t>(std::lround(std::sqrt(area * aspect)));
    const auto w = static_cast<std::int64_t>(std::lround(std::sqrt(area / aspect)));
    if (h < 1 || w < 1 || h >= H || w >= W) continue;
    const auto top = static_cast<std::int64_t>(uniform(3 + 4 * attempt) * double(H - h + 1));
    const auto left = static_cast<std::int64_t>(uniform(4 + 4 * attempt) * double(W - w + 1));
    return {top, left, h, w};
  }
  return {};
}
}  // namespace

Normalization compute_normalization(const Dataset& data, std::span<const std::int64_t> indices) {
  const Shape s = data.shape;
  const std::int64_t plane = s.height * s.width;
  std::vector<double> sum(static_cast<std::size_t>(s.channels)), square(sum.size());
  std::vector<float> image(static_cast<std::size_t>(s.elements()));
  for (const std::int64_t index : indices) {
    data.copy_images({&index, 1}, image.data());
    for (std::int64_t c = 0; c < s.channels; ++c) {
      double a = 0.0, b = 0.0;
      for (std::int64_t i = 0; i < plane; ++i) {
        const double v = image[static_cast<std::size_t>(c * plane + i)];
        a += v;
        b += v * v;
      }
      sum[static_cast<std::size_t>(c)] += a;
      square[static_cast<std::size_t>(c)] += b;
    }
  }
  Normalization n;
  const double count = static_cast<double>(indices.size()) * static_cast<double>(plane);
  for (std::size_t c = 0; c < sum.size(); ++c) {
    const double mean = count > 0 ? sum[c] / count : 0.0;
    const double var = count > 0 ? std::max(0.0, square[c] / count - mean * mean) : 1.0;
    n.mean.push_back(static_cast<float>(mean));
    n.std.push_back(static_cast<float>(std::max(std::sqrt(var), 1e-6)));
  }
  return n;
}

BatchMaker::BatchMaker(const Dataset& data, const Normalization& normalization) : data_(data) {
  const auto channels = static_cast<std::size_t>(data.shape.channels);
  if (!normalization.mean.empty() &&
      (normalization.mean.size() != channels || normalization.std.size() != channels))
    throw FormatError("normalisation has " + std::to_string(normalization.mean.size()) +
                      " channels, the data " + std::to_string(channels));
  for (std::size_t c = 0; c < channels; ++c) {
    const float mean = normalization.mean.empty() ? 0.0f : normalization.mean[c];
    const float std = normalization.std.empty() ? 1.0f : normalization.std[c];
    scale_.push_back(1.0f / std);
    offset_.push_back(-mean / std);
  }
}

void BatchMaker::make(std::span<const std::int64_t> indices, float* out,
                      const Augmentation* augmentation, std::uint64_t seed,
                      std::uint64_t epoch) const {
  const Shape s = data_.shape;
  const std::int64_t image_size = s.elements();
  const std::int64_t H = s.height, W = s.width;
  const bool augment = augmentation && augmentation->enabled();
  const std::int64_t count = static_cast<std::int64_t>(indices.size());
  parallel_for((count + 15) / 16, [&](std::int64_t chunk) {
    std::vector<float> raw(augment ? static_cast<std::size_t>(image_size) : 0);
    for (std::int64_t b = chunk * 16; b < std::min(count, chunk * 16 + 16); ++b) {
      const std::int64_t index = indices[static_cast<std::size_t>(b)];
      float* image = out + b * image_size;
      float* source = augment ? raw.data() : image;
      data_.copy_images({&index, 1}, source);
      for (std::int64_t c = 0; c < s.channels; ++c) {
        float* p = source + c * H * W;
        const float scale = scale_[static_cast<std::size_t>(c)];
        const float offset = offset_[static_cast<std::size_t>(c)];
        for (std::int64_t i = 0; i < H * W; ++i) p[i] = p[i] * scale + offset;
      }
      if (!augment) continue;
      const std::uint64_t bits =
          random_bits(seed, kAugmentStream + epoch, static_cast<std::uint64_t>(index));
      const std::int64_t span = 2 * augmentation->crop_pad + 1;
      const std::int64_t dy = augmentation->crop_pad
                                  ? static_cast<std::int64_t>(bits % span) - augmentation->crop_pad
                                  : 0;
      const std::int64_t dx =
          augmentation->crop_pad
              ? static_cast<std::int64_t>((bits >> 16) % span) - augmentation->crop_pad
              : 0;
      const bool flip = augmentation->flip && ((bits >> 40) & 1);
      // out(y, x) = in(y + dy, x' + dx) with x' the (possibly mirrored) column; zero outside.
      for (std::int64_t c = 0; c < s.channels; ++c) {
        const float* in = source + c * H * W;
        float* o = image + c * H * W;
        for (std::int64_t y = 0; y < H; ++y) {
          const std::int64_t sy = y + dy;
          for (std::int64_t x = 0; x < W; ++x) {
            const std::int64_t sx = (flip ? W - 1 - x : x) + dx;
            o[y * W + x] = (sy >= 0 && sy < H && sx >= 0 && sx < W) ? in[sy * W + sx] : 0.0f;
          }
        }
      }
      if (augmentation->erase <= 0.0) continue;
      const Rectangle r = erasing_rectangle(augmentation->erase, H, W, seed, epoch,
                                            static_cast<std::uint64_t>(index));
      for (std::int64_t c = 0; c < s.channels; ++c)
        for (std::int64_t y = r.top; y < r.top + r.height; ++y)
          std::fill_n(image + c * H * W + y * W + r.left, r.width, 0.0f);
    }
  });
}

}  // namespace nin
