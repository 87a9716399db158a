#include "nin/viz/class_map_grid.hpp"

#include <algorithm>
#include <cstdio>

#include "nin/core/error.hpp"
#include "nin/io/png_writer.hpp"
#include "nin/viz/bitmap_font.hpp"
#include "nin/viz/colormap.hpp"

namespace nin {

namespace {

constexpr Rgb kBackground{40, 40, 40};
constexpr Rgb kTileBackground{0, 0, 0};
constexpr Rgb kTrueMark{255, 255, 255};
constexpr Rgb kPredictedMark{230, 40, 40};
constexpr Rgb kText{170, 170, 170};

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

// A map value as the footer prints it: 3 significant digits.
std::string value_text(float v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", static_cast<double>(v));
  return text;
}

void draw_input(RgbImage& out, const ClassMapGridLayout& layout, const ClassMapPicture& p,
                std::int64_t x0, std::int64_t y0) {
  const std::int64_t k = layout.image_scale;
  const std::int64_t left = x0 + (layout.tile_width - p.image_width * k) / 2;
  const std::int64_t top = y0 + (layout.tile_height - p.image_height * k) / 2;
  const std::int64_t plane = p.image_height * p.image_width;
  for (std::int64_t y = 0; y < p.image_height; ++y)
    for (std::int64_t x = 0; x < p.image_width; ++x) {
      const std::int64_t i = y * p.image_width + x;
      const std::uint8_t r = p.image[static_cast<std::size_t>(i)];
      const Rgb c = p.image_channels == 3 ? Rgb{r, p.image[static_cast<std::size_t>(plane + i)],
                                                p.image[static_cast<std::size_t>(2 * plane + i)]}
                                          : Rgb{r, r, r};
      out.fill_rect(left + x * k, top + y * k, k, k, c);
    }
}

void draw_map(RgbImage& out, const ClassMapGridLayout& layout, const ClassMapPicture& p,
              const ColorScale& scale, std::int64_t k, std::int64_t x0, std::int64_t y0) {
  const std::int64_t s = layout.map_scale;
  const float* map = p.maps.data() + k * p.map_height * p.map_width;
  for (std::int64_t y = 0; y < p.map_height; ++y)
    for (std::int64_t x = 0; x < p.map_width; ++x)
      out.fill_rect(x0 + x * s, y0 + y * s, s, s, scale.colour(map[y * p.map_width + x]));
}

void draw_footer(RgbImage& out, const ClassMapGridLayout& layout, const ColorScale& scale) {
  const std::int64_t left = kGridMargin, right = layout.width - kGridMargin;
  const std::int64_t top = layout.height - kFooterHeight;
  const std::int64_t span = std::max<std::int64_t>(1, right - left - 1);
  for (std::int64_t x = left; x < right; ++x)
    out.fill_rect(x, top, 1, kColourBarHeight,
                  viridis(static_cast<double>(x - left) / static_cast<double>(span)));
  const std::int64_t text_y = top + kColourBarHeight + 3;
  const std::string low = "min " + value_text(scale.min), high = "max " + value_text(scale.max);
  const std::int64_t low_end = left + draw_text(out, left, text_y, low, kText);
  const std::int64_t high_start = right - text_width(static_cast<std::int64_t>(high.size()));
  draw_text(out, high_start, text_y, high, kText);
  // The legend, in the colours it names, only where it leaves a glyph's space on either side.
  const std::string white = "white: true", red = "red: predicted";
  const std::int64_t legend = text_width(static_cast<std::int64_t>(white.size() + 2 + red.size()));
  const std::int64_t legend_x = left + (right - left - legend) / 2;
  if (legend_x >= low_end + kGlyphAdvance && legend_x + legend + kGlyphAdvance <= high_start) {
    const std::int64_t w = draw_text(out, legend_x, text_y, white, kTrueMark);
    draw_text(out, legend_x + w + 1 + 2 * kGlyphAdvance, text_y, red, kPredictedMark);
  }
}

}  // namespace

ClassMapGridLayout class_map_grid_layout(std::int64_t classes, std::int64_t image_height,
                                         std::int64_t image_width, std::int64_t map_height,
                                         std::int64_t map_width) {
  const std::int64_t limit = kMaxPngWritePixels;
  if (classes < 1 || image_height < 1 || image_width < 1 || map_height < 1 || map_width < 1 ||
      classes > limit || image_height > limit || image_width > limit || map_height > limit ||
      map_width > limit)
    throw UsageError("class map grid: sizes must be positive (" + std::to_string(classes) +
                     " classes, image " + std::to_string(image_height) + "×" +
                     std::to_string(image_width) + ", maps " + std::to_string(map_height) + "×" +
                     std::to_string(map_width) + ")");
  ClassMapGridLayout l;
  const std::int64_t side = std::max({kMinTileSide, image_height, image_width});
  l.map_scale = ceil_div(side, std::min(map_height, map_width));
  l.tile_width = map_width * l.map_scale;
  l.tile_height = map_height * l.map_scale;
  l.image_scale = std::min(l.tile_width / image_width, l.tile_height / image_height);
  l.cell_width = l.tile_width + 2 * kCellFrame;
  l.cell_height = l.tile_height + 2 * kCellFrame + kLabelHeight;
  l.columns = 1;
  while (l.columns * l.columns < classes + 1) ++l.columns;
  l.rows = ceil_div(classes + 1, l.columns);
  // Checked in steps that cannot overflow: each factor is at most `limit` (2^26).
  const auto too_large = [&](std::int64_t a, std::int64_t b) {
    return a > limit || b > limit || a * b > limit;
  };
  if (too_large(l.cell_width + kGridMargin, l.columns) ||
      too_large(l.cell_height + kGridMargin, l.rows))
    throw UsageError("class map grid: too large for " + std::to_string(classes) + " classes of " +
                     std::to_string(map_height) + "×" + std::to_string(map_width) + " maps");
  l.width = kGridMargin + l.columns * (l.cell_width + kGridMargin);
  l.height = kGridMargin + l.rows * (l.cell_height + kGridMargin) + kFooterHeight;
  if (too_large(l.width, l.height))
    throw UsageError("class map grid: too large, " + std::to_string(l.width) + "×" +
                     std::to_string(l.height) + " pixels exceed the limit of " +
                     std::to_string(limit));
  return l;
}

RgbImage render_class_map_grid(const ClassMapPicture& p) {
  const ClassMapGridLayout layout =
      class_map_grid_layout(p.classes, p.image_height, p.image_width, p.map_height, p.map_width);
  if ((p.image_channels != 1 && p.image_channels != 3) ||
      static_cast<std::int64_t>(p.image.size()) !=
          p.image_channels * p.image_height * p.image_width ||
      static_cast<std::int64_t>(p.maps.size()) != p.classes * p.map_height * p.map_width ||
      static_cast<std::int64_t>(p.class_names.size()) != p.classes)
    throw UsageError("class map grid: the image, maps or class names do not match their sizes");
  const ColorScale scale = scale_of(p.maps);
  RgbImage out(layout.width, layout.height, kBackground);
  for (std::int64_t cell = 0; cell <= p.classes; ++cell) {
    const std::int64_t k = cell - 1;  // the class, −1 for the input
    const std::int64_t x = layout.cell_x(cell), y = layout.cell_y(cell);
    const std::int64_t tile_x = x + kCellFrame, tile_y = y + kCellFrame;
    out.fill_rect(tile_x, tile_y, layout.tile_width, layout.tile_height, kTileBackground);
    const bool is_true = k >= 0 && k == p.true_class;
    const bool is_predicted = k >= 0 && k == p.predicted_class;
    const std::int64_t frame_w = layout.tile_width + 2 * kCellFrame;
    const std::int64_t frame_h = layout.tile_height + 2 * kCellFrame;
    if (is_true) out.frame_rect(x, y, frame_w, frame_h, kCellFrame / 2, kTrueMark);
    if (is_predicted)
      out.frame_rect(x + kCellFrame / 2, y + kCellFrame / 2, frame_w - kCellFrame,
                     frame_h - kCellFrame, kCellFrame / 2, kPredictedMark);
    if (k < 0)
      draw_input(out, layout, p, tile_x, tile_y);
    else
      draw_map(out, layout, p, scale, k, tile_x, tile_y);
    const std::string label =
        fit_text(k < 0 ? "input" : p.class_names[static_cast<std::size_t>(k)], layout.cell_width);
    const std::int64_t label_x =
        x + (layout.cell_width - text_width(static_cast<std::int64_t>(label.size()))) / 2;
    draw_text(out, label_x, y + frame_h + 2, label,
              is_true        ? kTrueMark
              : is_predicted ? kPredictedMark
                             : kText);
  }
  draw_footer(out, layout, scale);
  return out;
}

}  // namespace nin
