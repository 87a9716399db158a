// Translation of images by whole pixels (nin/data/image_translate.hpp): against a naive loop over
// every output pixel, for shifts in every direction, shifts that clear the image, byte and float
// images, several images and channels, any thread count; and the fill seen by the network: a
// translated raw image normalised by BatchMaker shows −mean/std, the value of a black raw pixel.

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "nin/core/parallel.hpp"
#include "nin/data/image_translate.hpp"
#include "nin/train/batch_maker.hpp"
#include "test_support.hpp"

namespace {

using nin::Shape;
using nin::Translation;

// out(c, y, x) = in(c, y − dy, x − dx), 0 outside: pixel by pixel, with no cleverness.
template <typename T>
std::vector<T> naive_translate(const std::vector<T>& in, const Shape& s, Translation t) {
  std::vector<T> out(in.size());
  const std::int64_t images = static_cast<std::int64_t>(in.size()) / s.elements();
  for (std::int64_t n = 0; n < images; ++n)
    for (std::int64_t c = 0; c < s.channels; ++c)
      for (std::int64_t y = 0; y < s.height; ++y)
        for (std::int64_t x = 0; x < s.width; ++x) {
          const std::int64_t sy = y - t.dy, sx = x - t.dx;
          const bool inside = sy >= 0 && sy < s.height && sx >= 0 && sx < s.width;
          const std::int64_t base = (n * s.channels + c) * s.height;
          out[static_cast<std::size_t>((base + y) * s.width + x)] =
              inside ? in[static_cast<std::size_t>((base + sy) * s.width + sx)] : T{0};
        }
  return out;
}

// Every pixel nonzero, so that a pixel wrongly left as 0 (or wrongly copied) shows.
std::vector<float> test_images(std::int64_t count, std::uint64_t seed) {
  return nin::test::random_ints(count, seed, 1, 255);
}

const std::vector<Translation> kShifts = {{0, 0},  {1, 0},  {-1, 0},    {0, 1}, {0, -1}, {3, -2},
                                          {-4, 5}, {6, 6},  {-6, -6},   {6, 0}, {0, -4}, {-5, 3},
                                          {5, -3}, {7, 0},  {-7, 0},    {0, 5}, {0, -5}, {40, 0},
                                          {0, 40}, {-7, 4}, {100, -100}};

}  // namespace

BOOST_AUTO_TEST_SUITE(image_translate)

BOOST_AUTO_TEST_CASE(matches_naive_loop_for_floats) {
  // 7 wide and 5 high: a shift of 7 columns or 5 rows (or more) clears the image.
  const Shape shape{3, 5, 7};
  const std::int64_t images = 150;  // more than one task of images
  const auto in = test_images(images * shape.elements(), 11);
  for (const Translation t : kShifts) {
    std::vector<float> out(in.size(), -1.0f);
    nin::translate_images(std::span<const float>(in), std::span(out), shape, t);
    BOOST_TEST(out == naive_translate(in, shape, t), "shift " << t.dx << "," << t.dy);
  }
}

BOOST_AUTO_TEST_CASE(matches_naive_loop_for_bytes) {
  const Shape shape{1, 6, 4};
  const auto values = test_images(70 * shape.elements(), 12);
  const std::vector<std::uint8_t> in(values.begin(), values.end());
  for (const Translation t : kShifts) {
    std::vector<std::uint8_t> out(in.size(), 7);
    nin::translate_images(std::span<const std::uint8_t>(in), std::span(out), shape, t);
    BOOST_TEST(out == naive_translate(in, shape, t), "shift " << t.dx << "," << t.dy);
  }
}

BOOST_AUTO_TEST_CASE(shift_in_both_directions_by_hand) {
  // 1 2 3        right 1, up 1:  0 4 5
  // 4 5 6                        0 0 0
  const Shape shape{1, 2, 3};
  const std::vector<float> in{1, 2, 3, 4, 5, 6};
  std::vector<float> out(6);
  nin::translate_images(std::span<const float>(in), std::span(out), shape, {1, -1});
  BOOST_TEST(out == (std::vector<float>{0, 4, 5, 0, 0, 0}), boost::test_tools::per_element());
  nin::translate_images(std::span<const float>(in), std::span(out), shape, {-2, 1});
  BOOST_TEST(out == (std::vector<float>{0, 0, 0, 3, 0, 0}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(clearing_shifts_give_zeros) {
  const Shape shape{2, 4, 5};
  const auto in = test_images(3 * shape.elements(), 13);
  for (const Translation t : {Translation{5, 0}, Translation{-5, 0}, Translation{0, 4},
                              Translation{0, -4}, Translation{-9, 9}}) {
    std::vector<float> out(in.size(), 1.0f);
    nin::translate_images(std::span<const float>(in), std::span(out), shape, t);
    BOOST_TEST(out == std::vector<float>(in.size(), 0.0f), "shift " << t.dx << "," << t.dy);
  }
}

BOOST_AUTO_TEST_CASE(same_result_for_any_thread_count) {
  const Shape shape{1, 28, 28};
  const auto in = test_images(500 * shape.elements(), 14);
  std::vector<float> one(in.size()), many(in.size());
  {
    const nin::ThreadLimit limit(1);
    nin::translate_images(std::span<const float>(in), std::span(one), shape, {3, -2});
  }
  {
    const nin::ThreadLimit limit(4);
    nin::translate_images(std::span<const float>(in), std::span(many), shape, {3, -2});
  }
  BOOST_TEST(one == many);
  BOOST_TEST(one == naive_translate(in, shape, {3, -2}));
}

BOOST_AUTO_TEST_CASE(refuses_partial_images_and_overlap) {
  const Shape shape{1, 2, 2};
  std::vector<float> in(6), out(6), same(8);
  BOOST_CHECK_THROW(
      nin::translate_images(std::span<const float>(in), std::span(out), shape, {1, 0}),
      std::invalid_argument);
  BOOST_CHECK_THROW(nin::translate_images(std::span<const float>(same).first(4),
                                          std::span(same).subspan(2, 4), shape, {1, 0}),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(translated_data_set_keeps_labels_and_fills_with_raw_black) {
  nin::Dataset data;
  data.shape = {1, 3, 3};
  data.classes = 2;
  data.class_names = {"a", "b"};
  data.source = "test";
  data.bytes = {10, 20, 30, 40, 50, 60, 70, 80, 90, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  data.labels = {1, 0};
  const nin::Dataset moved = nin::translated(data, {1, 1});
  BOOST_TEST(moved.labels == data.labels);
  BOOST_TEST(moved.class_names == data.class_names);
  BOOST_TEST(moved.source == data.source);
  BOOST_TEST(moved.bytes == naive_translate(data.bytes, data.shape, {1, 1}));
  // Normalised with mean 50, std 25, an uncovered pixel is (0 − 50) / 25 = −2, not 0.
  nin::Normalization normalization;
  normalization.mean = {50.0f};
  normalization.std = {25.0f};
  const std::vector<std::int64_t> indices{0, 1};
  std::vector<float> input(18);
  nin::BatchMaker(moved, normalization).make(indices, input.data());
  BOOST_TEST(input[0] == -2.0f);                                       // uncovered: top-left corner
  BOOST_TEST(input[4] == -1.6f, boost::test_tools::tolerance(1e-6f));  // covered: the old (0, 0)
  BOOST_TEST(input[9 + 2] == -2.0f);  // uncovered: top row, second image
}

BOOST_AUTO_TEST_SUITE_END()
