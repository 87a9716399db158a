// Class-map pictures: the grid's documented layout (tile, cell and picture sizes) for several
// class counts and map sizes, the colour scale (min → first viridis entry, max → last), the
// built-in font (every glyph well formed, non-ASCII as '?', truncation), and the picture itself:
// tiles coloured from the shared scale, marks on the true and predicted classes.

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "message_checks.hpp"
#include "nin/core/error.hpp"
#include "nin/viz/bitmap_font.hpp"
#include "nin/viz/class_map_grid.hpp"
#include "nin/viz/colormap.hpp"

namespace {

using nin::test::check_throws;

BOOST_AUTO_TEST_SUITE(class_map_grid)

BOOST_AUTO_TEST_CASE(layout_has_the_documented_size) {
  // 10 classes of 4×4 maps on 28×28 images (tiny-fashion): tiles 64×64 (16 px per map cell),
  // cells 72×83, 4 columns and 3 rows of cells.
  nin::ClassMapGridLayout l = nin::class_map_grid_layout(10, 28, 28, 4, 4);
  BOOST_TEST(l.map_scale == 16);
  BOOST_TEST(l.image_scale == 2);
  BOOST_TEST(l.tile_width == 64);
  BOOST_TEST(l.tile_height == 64);
  BOOST_TEST(l.cell_width == 72);
  BOOST_TEST(l.cell_height == 83);
  BOOST_TEST(l.columns == 4);
  BOOST_TEST(l.rows == 3);
  BOOST_TEST(l.width == 4 + 4 * (72 + 4));
  BOOST_TEST(l.height == 4 + 3 * (83 + 4) + 22);
  // NIN on CIFAR-10: 8×8 maps of 32×32 images; the grid is the same shape.
  l = nin::class_map_grid_layout(10, 32, 32, 8, 8);
  BOOST_TEST(l.map_scale == 8);
  BOOST_TEST(l.image_scale == 2);
  BOOST_TEST(l.width == 308);
  // 3 classes: 2×2 cells. 224×224 images and 6×6 maps: s = ceil(224 / 6) = 38, tiles 228.
  l = nin::class_map_grid_layout(3, 224, 224, 6, 6);
  BOOST_TEST(l.map_scale == 38);
  BOOST_TEST(l.tile_width == 228);
  BOOST_TEST(l.image_scale == 1);
  BOOST_TEST(l.columns == 2);
  BOOST_TEST(l.rows == 2);
  BOOST_TEST(l.width == 4 + 2 * (228 + 8 + 4));
  BOOST_TEST(l.height == 4 + 2 * (228 + 8 + 11 + 4) + nin::kFooterHeight);
  // Maps wider than high: the shorter side sets the scale, so that both sides reach 64.
  l = nin::class_map_grid_layout(1, 10, 10, 2, 5);
  BOOST_TEST(l.map_scale == 32);
  BOOST_TEST(l.tile_width == 160);
  BOOST_TEST(l.tile_height == 64);
  BOOST_TEST(l.columns == 2);
  BOOST_TEST(l.rows == 1);
  // 100 classes: 101 cells in 11 columns and 10 rows.
  l = nin::class_map_grid_layout(100, 32, 32, 8, 8);
  BOOST_TEST(l.columns == 11);
  BOOST_TEST(l.rows == 10);
}

BOOST_AUTO_TEST_CASE(layout_refuses_empty_and_huge_sizes) {
  check_throws<nin::UsageError>([] { nin::class_map_grid_layout(0, 28, 28, 4, 4); },
                                {"class map grid", "0 classes"});
  check_throws<nin::UsageError>([] { nin::class_map_grid_layout(10, 28, 28, 1, 100000); },
                                {"class map grid", "too large"});
}

BOOST_AUTO_TEST_CASE(colour_scale_maps_min_to_the_first_entry_and_max_to_the_last) {
  const std::vector<float> values{0.5f, -2.0f, 7.0f, 3.0f};
  const nin::ColorScale scale = nin::scale_of(values);
  BOOST_TEST(scale.min == -2.0f);
  BOOST_TEST(scale.max == 7.0f);
  BOOST_TEST((scale.colour(-2.0f) == nin::kViridis.front()));
  BOOST_TEST((scale.colour(7.0f) == nin::kViridis.back()));
  BOOST_TEST(scale.position(2.5f) == 0.5);
  BOOST_TEST((scale.colour(2.5f) == nin::kViridis[4]));  // the middle entry, exactly
  // A constant map has no range: every value gets the first entry.
  const nin::ColorScale flat = nin::scale_of(std::vector<float>{1.0f, 1.0f});
  BOOST_TEST((flat.colour(1.0f) == nin::kViridis.front()));
}

BOOST_AUTO_TEST_CASE(font_covers_printable_ascii_and_draws_the_rest_as_a_question_mark) {
  for (char c = ' '; c <= '~'; ++c) {
    int set = 0;
    for (std::int64_t y = 0; y < nin::kGlyphHeight; ++y)
      for (std::int64_t x = 0; x < nin::kGlyphWidth; ++x) set += nin::glyph_pixel(c, x, y);
    BOOST_TEST((c == ' ' ? set == 0 : set > 0), "glyph of '" << c << "'");
  }
  BOOST_TEST(nin::drawable_text("T-shirt/top") == "T-shirt/top");
  BOOST_TEST(nin::drawable_text("caf\xc3\xa9 \xe6\x97\xa5\tx") == "caf? ??x");
  BOOST_TEST(nin::text_width(3) == 17);
  BOOST_TEST(nin::fit_text("Ankle boot", 34) == "Ankle");
  BOOST_TEST(nin::fit_text("Ankle boot", 59) == "Ankle boot");
}

BOOST_AUTO_TEST_CASE(picture_colours_tiles_from_the_shared_scale_and_marks_the_classes) {
  // Two classes of 1×2 maps: class 0 holds the minimum, class 1 the maximum.
  const std::vector<std::uint8_t> image(4 * 4, 200);
  const std::vector<float> maps{-1.0f, 0.0f, 2.0f, 3.0f};
  nin::ClassMapPicture p;
  p.image = image;
  p.image_height = 4;
  p.image_width = 4;
  p.maps = maps;
  p.classes = 2;
  p.map_height = 1;
  p.map_width = 2;
  p.class_names = {"zero", "one"};
  p.true_class = 0;
  p.predicted_class = 1;
  const nin::RgbImage picture = nin::render_class_map_grid(p);
  const nin::ClassMapGridLayout l = nin::class_map_grid_layout(2, 4, 4, 1, 2);
  BOOST_TEST(picture.width() == l.width);
  BOOST_TEST(picture.height() == l.height);
  const auto tile_pixel = [&](std::int64_t cell, std::int64_t x) {
    return picture.at(l.cell_x(cell) + nin::kCellFrame + x, l.cell_y(cell) + nin::kCellFrame + 1);
  };
  BOOST_TEST((tile_pixel(1, 0) == nin::kViridis.front()));
  BOOST_TEST((tile_pixel(2, l.tile_width - 1) == nin::kViridis.back()));
  // The input: gray 200, scaled and centred.
  BOOST_TEST((tile_pixel(0, l.tile_width / 2) == nin::Rgb{200, 200, 200}));
  // The true class's outer ring is white, the predicted class's inner ring red.
  BOOST_TEST((picture.at(l.cell_x(1), l.cell_y(1)) == nin::Rgb{255, 255, 255}));
  BOOST_TEST((picture.at(l.cell_x(2) + nin::kCellFrame / 2, l.cell_y(2) + nin::kCellFrame / 2) ==
              nin::Rgb{230, 40, 40}));
  BOOST_TEST(!(picture.at(l.cell_x(2), l.cell_y(2)) == nin::Rgb{255, 255, 255}));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
