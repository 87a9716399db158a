#include "nin/data/image_translate.hpp"

#include <algorithm>
#include <functional>
#include <stdexcept>

#include "nin/core/parallel.hpp"

namespace nin {
namespace {

// Images per task: enough copying to outweigh a task's overhead on 28×28 images.
constexpr std::int64_t kImagesPerTask = 64;

// One channel plane: each output row is either a run of zeros or a zero margin on one side, a
// copy of a source row's segment, and a zero margin on the other.
template <typename T>
void translate_plane(const T* in, T* out, std::int64_t height, std::int64_t width,
                     Translation shift) {
  // Output columns [x_begin, x_end) read source columns [x_begin − dx, x_end − dx).
  const std::int64_t x_begin = std::clamp<std::int64_t>(shift.dx, 0, width);
  const std::int64_t x_end = std::clamp<std::int64_t>(width + shift.dx, 0, width);
  for (std::int64_t y = 0; y < height; ++y) {
    T* row = out + y * width;
    const std::int64_t source_y = y - shift.dy;
    if (source_y < 0 || source_y >= height || x_begin >= x_end) {
      std::fill(row, row + width, T{0});
      continue;
    }
    const T* source = in + source_y * width - shift.dx;
    std::fill(row, row + x_begin, T{0});
    std::copy(source + x_begin, source + x_end, row + x_begin);
    std::fill(row + x_end, row + width, T{0});
  }
}

template <typename T>
void translate_all(std::span<const T> in, std::span<T> out, const Shape& shape, Translation shift) {
  const std::int64_t elements = shape.elements();
  const auto size = static_cast<std::int64_t>(in.size());
  if (elements <= 0 || size % elements != 0 || in.size() != out.size())
    throw std::invalid_argument(
        "translate_images: the buffers do not hold whole images of one size");
  const std::less<const T*> before;
  if (!in.empty() && before(in.data(), out.data() + out.size()) &&
      before(out.data(), in.data() + in.size()))
    throw std::invalid_argument("translate_images: the input and output buffers overlap");
  const std::int64_t images = size / elements;
  const std::int64_t planes_per_image = shape.channels, plane = shape.plane_size();
  parallel_for((images + kImagesPerTask - 1) / kImagesPerTask, [&](std::int64_t task) {
    const std::int64_t end = std::min(images, (task + 1) * kImagesPerTask);
    for (std::int64_t image = task * kImagesPerTask; image < end; ++image)
      for (std::int64_t c = 0; c < planes_per_image; ++c) {
        const std::int64_t offset = (image * planes_per_image + c) * plane;
        translate_plane(in.data() + offset, out.data() + offset, shape.height, shape.width, shift);
      }
  });
}

}  // namespace

void translate_images(std::span<const float> in, std::span<float> out, const Shape& shape,
                      Translation shift) {
  translate_all(in, out, shape, shift);
}

void translate_images(std::span<const std::uint8_t> in, std::span<std::uint8_t> out,
                      const Shape& shape, Translation shift) {
  translate_all(in, out, shape, shift);
}

Dataset translated(const Dataset& data, Translation shift) {
  Dataset result = data;  // everything but the pixels, which are overwritten below
  if (!data.bytes.empty())
    translate_images(std::span<const std::uint8_t>(data.bytes), std::span(result.bytes), data.shape,
                     shift);
  if (!data.floats.empty())
    translate_images(std::span<const float>(data.floats), std::span(result.floats), data.shape,
                     shift);
  return result;
}

}  // namespace nin
