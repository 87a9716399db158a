#pragma once
// An 8-bit RGB picture in memory, row after row (the layout write_png_file takes), with the few
// drawing operations the class-map grids need. Drawing outside the picture is clipped.

#include <algorithm>
#include <cstdint>
#include <vector>

namespace nin {

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb&) const = default;
};

class RgbImage {
 public:
  RgbImage(std::int64_t width, std::int64_t height, Rgb background)
      : width_(width), height_(height), pixels_(static_cast<std::size_t>(width * height * 3)) {
    fill_rect(0, 0, width, height, background);
  }

  std::int64_t width() const { return width_; }
  std::int64_t height() const { return height_; }
  const std::vector<std::uint8_t>& pixels() const { return pixels_; }

  Rgb at(std::int64_t x, std::int64_t y) const {
    const std::uint8_t* p = &pixels_[offset(x, y)];
    return {p[0], p[1], p[2]};
  }
  void set(std::int64_t x, std::int64_t y, Rgb c) {
    if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
    std::uint8_t* p = &pixels_[offset(x, y)];
    p[0] = c.r;
    p[1] = c.g;
    p[2] = c.b;
  }
  void fill_rect(std::int64_t x, std::int64_t y, std::int64_t w, std::int64_t h, Rgb c) {
    const std::int64_t x1 = std::min(width_, x + w), y1 = std::min(height_, y + h);
    for (std::int64_t j = std::max<std::int64_t>(0, y); j < y1; ++j)
      for (std::int64_t i = std::max<std::int64_t>(0, x); i < x1; ++i) set(i, j, c);
  }
  // A frame `thickness` pixels wide just inside the rectangle.
  void frame_rect(std::int64_t x, std::int64_t y, std::int64_t w, std::int64_t h,
                  std::int64_t thickness, Rgb c) {
    fill_rect(x, y, w, thickness, c);
    fill_rect(x, y + h - thickness, w, thickness, c);
    fill_rect(x, y, thickness, h, c);
    fill_rect(x + w - thickness, y, thickness, h, c);
  }

 private:
  std::size_t offset(std::int64_t x, std::int64_t y) const {
    return static_cast<std::size_t>((y * width_ + x) * 3);
  }
  std::int64_t width_, height_;
  std::vector<std::uint8_t> pixels_;
};

}  // namespace nin
