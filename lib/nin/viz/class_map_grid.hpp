#pragma once
// One picture of a network's class maps for one image (the NIN paper's reading of the maps that
// enter global average pooling as per-class confidence maps): a grid of cells, row by row, the
// input image first and then one cell per class, with a colour scale underneath.
//
// Layout (all sizes in pixels; M = kGridMargin, F = kCellFrame, L = kLabelHeight):
// - tile: the maps are h×w; every map cell becomes an s×s block (nearest neighbour, so the maps'
//   own resolution stays visible), s = ceil(S / min(h, w)) with S = max(kMinTileSide, input
//   height, input width). A tile is w·s × h·s, at least S on each side.
// - cell: the tile inside a frame F wide (its outer half marks the true class in white, its inner
//   half the predicted class in red; both when they agree), then a label row L high with the
//   class name (or "input") centred in the 5×7 font, truncated to the cell's width, white for the
//   true class, red for the predicted one, gray otherwise. Cell: (w·s + 2F) × (h·s + 2F + L).
// - grid: C = ceil(sqrt(classes + 1)) columns, R = ceil((classes + 1) / C) rows, cells M apart
//   and M from the edges: width M + C·(cell width + M), height M + R·(cell height + M) + kFooter.
// - the input image, scaled by the largest integer factor that fits the tile (nearest
//   neighbour), centred on black; gray images as gray, RGB as RGB.
// - colour: one scale per picture, from the smallest to the largest value over all of that
//   image's maps, through viridis (colormap.hpp): the same colour means the same value in every
//   tile of a picture. The footer shows the scale as a bar (kColourBarHeight high, spanning the
//   grid's width less the margins) and under it "min <value>" at the left, "max <value>" at the
//   right and the legend "white: true  red: predicted" centred when it fits.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "nin/viz/rgb_image.hpp"

namespace nin {

inline constexpr std::int64_t kMinTileSide = 64;
inline constexpr std::int64_t kCellFrame = 4;
inline constexpr std::int64_t kLabelHeight = 11;  // 2 + 7 (the font) + 2
inline constexpr std::int64_t kGridMargin = 4;
inline constexpr std::int64_t kColourBarHeight = 8;
inline constexpr std::int64_t kFooterHeight = kColourBarHeight + 3 + 7 + kGridMargin;

struct ClassMapGridLayout {
  std::int64_t map_scale = 0;    // s: pixels per map cell, each way
  std::int64_t image_scale = 0;  // pixels per input pixel, each way
  std::int64_t tile_width = 0, tile_height = 0;
  std::int64_t cell_width = 0, cell_height = 0;
  std::int64_t columns = 0, rows = 0;
  std::int64_t width = 0, height = 0;  // of the picture
  // Top-left corner of cell i (0: the input, 1 + k: class k).
  std::int64_t cell_x(std::int64_t i) const {
    return kGridMargin + (i % columns) * (cell_width + kGridMargin);
  }
  std::int64_t cell_y(std::int64_t i) const {
    return kGridMargin + (i / columns) * (cell_height + kGridMargin);
  }
};

// The layout above. Throws UsageError when a size is below 1, or when the picture would exceed
// kMaxPngWritePixels (png_writer.hpp).
ClassMapGridLayout class_map_grid_layout(std::int64_t classes, std::int64_t image_height,
                                         std::int64_t image_width, std::int64_t map_height,
                                         std::int64_t map_width);

struct ClassMapPicture {
  // The input image as 8-bit pixels, channel after channel (C×H×W), 1 (gray) or 3 (RGB) channels.
  std::span<const std::uint8_t> image;
  std::int64_t image_channels = 1, image_height = 0, image_width = 0;
  // The maps, class after class (classes × map_height × map_width).
  std::span<const float> maps;
  std::int64_t classes = 0, map_height = 0, map_width = 0;
  std::vector<std::string> class_names;  // one per class (UTF-8; drawn as the font can)
  std::int64_t true_class = -1;          // −1: unknown
  std::int64_t predicted_class = -1;
};

// The picture described above; throws UsageError when the sizes do not fit the spans.
RgbImage render_class_map_grid(const ClassMapPicture& picture);

}  // namespace nin
