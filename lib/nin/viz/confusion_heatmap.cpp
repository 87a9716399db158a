#include "nin/viz/confusion_heatmap.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "nin/core/error.hpp"
#include "nin/viz/colormap.hpp"
#include "nin/viz/svg.hpp"

namespace nin {
namespace {

constexpr double kLabelFont = 12;
constexpr double kAxisFont = 13;
constexpr double kMargin = 16;
constexpr double kTitleHeight = 40;
constexpr double kScaleWidth = 16;   // the colour bar
constexpr double kScaleGap = 24;     // between the matrix and the colour bar
constexpr double kScaleLabels = 76;  // its tick labels and title
const std::string kFrameColour = "#888888";
const std::string kDarkText = "#1a1a1a";

std::string percent(double share) {
  char text[16];
  std::snprintf(text, sizeof text, "%.1f%%", 100 * share);
  return text;
}

}  // namespace

std::string confusion_heatmap_svg(const ConfusionHeatmap& m) {
  const std::int64_t k = m.classes;
  if (k <= 0 || m.counts.size() != static_cast<std::size_t>(k * k))
    throw Error("confusion heat map: " + std::to_string(m.counts.size()) + " counts for " +
                std::to_string(k) + " classes, expected classes squared");
  const auto name = [&](std::int64_t c) {
    const auto i = static_cast<std::size_t>(c);
    return i < m.class_names.size() && !m.class_names[i].empty() ? m.class_names[i]
                                                                 : std::to_string(c);
  };
  const auto count = [&](std::int64_t row, std::int64_t column) {
    return m.counts[static_cast<std::size_t>(row * k + column)];
  };

  // Cells as large as fit in about 560 px, between 12 and 56 px.
  const double cell = std::clamp(560.0 / static_cast<double>(k), 12.0, 56.0);
  std::int64_t largest = 0;
  for (const auto c : m.counts) largest = std::max(largest, c);
  const double count_font =
      std::min(12.0, (cell - 4) / (0.6 * static_cast<double>(std::to_string(largest).size())));
  double name_width = 0;
  for (std::int64_t c = 0; c < k; ++c)
    name_width = std::max(name_width, svg::text_width(name(c), kLabelFont));
  const bool turned = name_width > cell - 4;
  // Turned 45°, a name of width w reaches w / √2 down and left of its column's centre.
  const double column_labels = turned ? name_width / std::sqrt(2.0) + 14 : 22;

  const double grid_left = kMargin + kAxisFont + 10 + name_width + 8;
  const double grid_top = kTitleHeight + 8;
  const double grid_size = cell * static_cast<double>(k);
  const double grid_bottom = grid_top + grid_size;
  const double width =
      std::max(grid_left + grid_size + kScaleGap + kScaleWidth + kScaleLabels + kMargin,
               grid_left + svg::text_width(m.title, 15) / 2 + grid_size / 2 + kMargin);
  const double height = grid_bottom + column_labels + kAxisFont + 16 + kMargin;

  svg::Document doc(width, height);
  if (!m.title.empty())
    doc.text({grid_left + grid_size / 2, 26}, m.title,
             {.size = 15, .anchor = svg::Anchor::middle, .bold = true}, "title");

  for (std::int64_t row = 0; row < k; ++row) {
    std::int64_t total = 0;
    for (std::int64_t column = 0; column < k; ++column) total += count(row, column);
    for (std::int64_t column = 0; column < k; ++column) {
      const std::int64_t n = count(row, column);
      const double share = total > 0 ? static_cast<double>(n) / static_cast<double>(total) : 0;
      const Rgb colour = blues(share);
      const double x = grid_left + cell * static_cast<double>(column);
      const double y = grid_top + cell * static_cast<double>(row);
      doc.rect(x, y, cell, cell, svg::hex(colour), "#ffffff", "cell");
      doc.title_last("true " + name(row) + ", predicted " + name(column) + ": " +
                     std::to_string(n) + " (" + percent(share) + " of " + name(row) + ")");
      if (count_font >= 5)
        doc.text({x + cell / 2, y + cell / 2}, std::to_string(n),
                 {.size = count_font,
                  .anchor = svg::Anchor::middle,
                  .colour = luminance(colour) < 0.4 ? "#ffffff" : kDarkText,
                  .centred_vertically = true},
                 "count");
    }
  }
  doc.rect(grid_left, grid_top, grid_size, grid_size, "none", kFrameColour);

  const double label_font = std::min(kLabelFont, cell * 0.8);
  for (std::int64_t c = 0; c < k; ++c) {
    const double centre = static_cast<double>(c) * cell + cell / 2;
    doc.text({grid_left - 6, grid_top + centre}, name(c),
             {.size = label_font, .anchor = svg::Anchor::end, .centred_vertically = true},
             "row-label");
    if (turned)
      doc.text({grid_left + centre + 4, grid_bottom + 10}, name(c),
               {.size = label_font, .anchor = svg::Anchor::end, .rotate = -45}, "column-label");
    else
      doc.text({grid_left + centre, grid_bottom + 16}, name(c),
               {.size = label_font, .anchor = svg::Anchor::middle}, "column-label");
  }
  doc.text({kMargin + kAxisFont / 2 + 2, grid_top + grid_size / 2}, "true class",
           {.size = kAxisFont, .anchor = svg::Anchor::middle, .bold = true, .rotate = -90},
           "axis-title");
  doc.text({grid_left + grid_size / 2, grid_bottom + column_labels + kAxisFont + 4},
           "predicted class", {.size = kAxisFont, .anchor = svg::Anchor::middle, .bold = true},
           "axis-title");

  // The colour scale: 0 at the bottom to 100 % at the top, in bands of 2 %.
  const double scale_left = grid_left + grid_size + kScaleGap;
  constexpr int kBands = 50;
  for (int band = 0; band < kBands; ++band) {
    const double t = (band + 0.5) / kBands;
    const double y = grid_bottom - grid_size * (band + 1) / kBands;
    doc.rect(scale_left, y, kScaleWidth, grid_size / kBands + 0.5, svg::hex(blues(t)));
  }
  doc.rect(scale_left, grid_top, kScaleWidth, grid_size, "none", kFrameColour, "colour-scale");
  for (int tick = 0; tick <= 4; ++tick) {
    const double y = grid_bottom - grid_size * tick / 4;
    doc.line({scale_left + kScaleWidth, y}, {scale_left + kScaleWidth + 4, y}, {kFrameColour, 1});
    doc.text({scale_left + kScaleWidth + 7, y}, std::to_string(tick * 25),
             {.size = kLabelFont, .centred_vertically = true}, "scale-tick");
  }
  doc.text({scale_left + kScaleWidth + 60, grid_top + grid_size / 2}, "share of the true class (%)",
           {.size = kLabelFont, .anchor = svg::Anchor::middle, .rotate = -90}, "axis-title");
  return doc.str();
}

}  // namespace nin
