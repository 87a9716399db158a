// Random erasing in BatchMaker (nin/train/batch_maker.hpp): each erased image holds one rectangle
// at the normalised mean (0) across all channels, of a size the method allows; the choice depends
// only on (seed, epoch, image); the probability is honoured over many images.

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <numeric>
#include <vector>

#include "nin/train/batch_maker.hpp"

namespace {

constexpr std::int64_t kChannels = 3, kHeight = 20, kWidth = 16, kImages = 200;
constexpr std::int64_t kPlane = kHeight * kWidth;

// Every raw pixel 200; normalised with mean 100 and std 50 it becomes 2 (to rounding), so 0 marks
// erasure.
nin::Dataset flat_images() {
  nin::Dataset data;
  data.shape = {kChannels, kHeight, kWidth};
  data.classes = 2;
  data.source = "test";
  data.bytes.assign(static_cast<std::size_t>(kImages * kChannels * kPlane), 200);
  data.labels.assign(static_cast<std::size_t>(kImages), 0);
  return data;
}

std::vector<float> make_batch(const nin::Dataset& data, double erase, std::uint64_t seed,
                              std::uint64_t epoch) {
  nin::Normalization normalization;
  normalization.mean.assign(kChannels, 100.0f);
  normalization.std.assign(kChannels, 50.0f);
  std::vector<std::int64_t> indices(kImages);
  std::iota(indices.begin(), indices.end(), 0);
  std::vector<float> batch(static_cast<std::size_t>(kImages * kChannels * kPlane));
  nin::Augmentation augmentation;
  augmentation.erase = erase;
  nin::BatchMaker(data, normalization).make(indices, batch.data(), &augmentation, seed, epoch);
  return batch;
}

struct Erased {
  std::int64_t count = 0;                                              // pixels at 0 in channel 0
  std::int64_t top = kHeight, left = kWidth, bottom = -1, right = -1;  // their bounding box
};

Erased erased_of(const std::vector<float>& batch, std::int64_t image) {
  Erased e;
  const float* p = batch.data() + image * kChannels * kPlane;
  for (std::int64_t y = 0; y < kHeight; ++y)
    for (std::int64_t x = 0; x < kWidth; ++x)
      if (p[y * kWidth + x] == 0.0f) {
        ++e.count;
        e.top = std::min(e.top, y), e.bottom = std::max(e.bottom, y);
        e.left = std::min(e.left, x), e.right = std::max(e.right, x);
      }
  return e;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(random_erasing)

BOOST_AUTO_TEST_CASE(every_image_gets_one_rectangle_of_an_allowed_size_in_all_channels) {
  const nin::Dataset data = flat_images();
  const std::vector<float> batch = make_batch(data, 1.0, 3, 0);
  std::int64_t erased_images = 0;
  for (std::int64_t n = 0; n < kImages; ++n) {
    const Erased e = erased_of(batch, n);
    if (e.count == 0) continue;  // no rectangle fitted in ten draws: allowed, but rare
    ++erased_images;
    const std::int64_t h = e.bottom - e.top + 1, w = e.right - e.left + 1;
    BOOST_TEST(e.count == h * w);  // a full rectangle
    BOOST_TEST(h < kHeight);
    BOOST_TEST(w < kWidth);
    // Area 2–40% of the image before rounding each side to whole pixels.
    BOOST_TEST(double(e.count) >= 0.02 * kPlane * 0.5);
    BOOST_TEST(double(e.count) <= 0.40 * kPlane * 1.3);
    const float* image = batch.data() + n * kChannels * kPlane;
    for (std::int64_t c = 0; c < kChannels; ++c)
      for (std::int64_t i = 0; i < kPlane; ++i) {
        const bool inside_rectangle = (i / kWidth >= e.top && i / kWidth <= e.bottom &&
                                       i % kWidth >= e.left && i % kWidth <= e.right);
        BOOST_TEST_REQUIRE(image[c * kPlane + i] == (inside_rectangle ? 0.0f : 2.0f),
                           boost::test_tools::tolerance(1e-6f));
      }
  }
  BOOST_TEST(erased_images >= kImages * 9 / 10);
}

BOOST_AUTO_TEST_CASE(depends_on_seed_and_epoch_only_and_honours_the_probability) {
  const nin::Dataset data = flat_images();
  const std::vector<float> first = make_batch(data, 0.5, 3, 1);
  BOOST_TEST(make_batch(data, 0.5, 3, 1) == first);  // the same draw again
  BOOST_TEST(make_batch(data, 0.5, 3, 2) != first);  // another epoch
  BOOST_TEST(make_batch(data, 0.5, 4, 1) != first);  // another seed
  std::int64_t erased_images = 0;
  for (std::int64_t n = 0; n < kImages; ++n) erased_images += erased_of(first, n).count > 0;
  BOOST_TEST(erased_images > kImages * 35 / 100);
  BOOST_TEST(erased_images < kImages * 65 / 100);
  // Probability 0 leaves every image as it is.
  const std::vector<float> none = make_batch(data, 0.0, 3, 1);
  for (const float v : none) BOOST_TEST_REQUIRE(v == 2.0f, boost::test_tools::tolerance(1e-6f));
}

BOOST_AUTO_TEST_SUITE_END()
