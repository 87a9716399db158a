// Images: PNG and JPEG files written with the libraries' own encoders (and PNGs put together by
// hand) decoded back exactly or within JPEG's loss; gray/RGB conversions, 16-bit samples and
// alpha; every way a file is refused, before anything large is allocated; the resize filter
// against a naive double-precision evaluation of its definition; and image folders: both
// layouts, class and sample order, what is ignored, every error, skipping bad files, the first
// bad file whatever the thread count, limits and progress.

#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "data_test_files.hpp"
#include "image_files.hpp"
#include "message_checks.hpp"
#include "nin/core/error.hpp"
#include "nin/core/parallel.hpp"
#include "nin/data/dataset.hpp"
#include "nin/data/image_codec.hpp"
#include "nin/data/image_folder.hpp"
#include "nin/data/image_resize.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;
using nin::CropWindow;
using nin::DecodedImage;
using nin::FormatError;
using nin::IoError;
using nin::Shape;
using nin::Split;
using nin::UsageError;
using nin::test::check_throws;
using nin::test::ImageBytes;
using nin::test::TempDir;

// Pixels of image `seed`: random bytes, HWC.
ImageBytes random_pixels(std::uint64_t seed, std::int64_t width, std::int64_t height,
                         std::int64_t channels) {
  ImageBytes out(static_cast<std::size_t>(width * height * channels));
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<std::uint8_t>(nin::test::random_int(seed, i, 0, 255));
  return out;
}

// A smooth picture (JPEG keeps it within a few levels), HWC.
ImageBytes smooth_pixels(std::int64_t width, std::int64_t height, std::int64_t channels) {
  ImageBytes out;
  for (std::int64_t y = 0; y < height; ++y)
    for (std::int64_t x = 0; x < width; ++x)
      for (std::int64_t c = 0; c < channels; ++c)
        out.push_back(
            static_cast<std::uint8_t>(40 + (x * 150) / width + (y * 50) / height + c * 10));
  return out;
}

DecodedImage decode(const ImageBytes& bytes, std::int64_t channels,
                    const std::string& name = "x.png") {
  return nin::decode_image(bytes, channels, name);
}

// HWC pixels as CHW.
ImageBytes planar(const ImageBytes& hwc, std::int64_t width, std::int64_t height,
                  std::int64_t channels) {
  ImageBytes out(hwc.size());
  for (std::int64_t p = 0; p < width * height; ++p)
    for (std::int64_t c = 0; c < channels; ++c)
      out[static_cast<std::size_t>(c * width * height + p)] =
          hwc[static_cast<std::size_t>(p * channels + c)];
  return out;
}

int max_difference(const ImageBytes& a, const ImageBytes& b) {
  BOOST_REQUIRE_EQUAL(a.size(), b.size());
  int worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst;
}

double srgb_from_linear(double v) {
  return v <= 0.0031308 ? 12.92 * v : 1.055 * std::pow(v, 1 / 2.4) - 0.055;
}
double linear_from_srgb(double v) {
  return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
}

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(image_codec)

BOOST_AUTO_TEST_CASE(png_gray_and_rgb_round_trip_exactly) {
  const ImageBytes gray = random_pixels(1, 7, 5, 1);
  const DecodedImage g = decode(nin::test::encode_png(gray, 7, 5, 1), 1);
  BOOST_TEST(g.width == 7);
  BOOST_TEST(g.height == 5);
  BOOST_TEST(g.channels == 1);
  BOOST_TEST(g.pixels == gray, boost::test_tools::per_element());
  // Gray to RGB repeats the value.
  const DecodedImage g3 = decode(nin::test::encode_png(gray, 7, 5, 1), 3);
  BOOST_REQUIRE_EQUAL(g3.pixels.size(), gray.size() * 3);
  for (std::size_t i = 0; i < gray.size(); ++i)
    for (std::size_t c = 0; c < 3; ++c) BOOST_TEST(g3.pixels[3 * i + c] == gray[i]);

  const ImageBytes rgb = random_pixels(2, 6, 4, 3);
  const DecodedImage c = decode(nin::test::encode_png(rgb, 6, 4, 3), 3);
  BOOST_TEST(c.channels == 3);
  BOOST_TEST(c.pixels == rgb, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(colour_to_gray_is_bt601_luma_for_png_and_jpeg) {
  // Pure red, green, blue, white and one mixed colour: Pillow's convert("L") gives 76, 150, 29,
  // 255 and round(0.299·10 + 0.587·200 + 0.114·30) = 124.
  const ImageBytes rgb = {255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 10, 200, 30};
  const ImageBytes expected = {76, 150, 29, 255, 124};
  const DecodedImage png = decode(nin::test::encode_png(rgb, 5, 1, 3), 1);
  BOOST_TEST(png.pixels == expected, boost::test_tools::per_element());
  // Random colours against the formula in double (the integer weights may differ by one at a
  // rounding boundary).
  const ImageBytes many = random_pixels(3, 16, 16, 3);
  const DecodedImage gray = decode(nin::test::encode_png(many, 16, 16, 3), 1);
  for (std::size_t i = 0; i < gray.pixels.size(); ++i) {
    const double y = 0.299 * many[3 * i] + 0.587 * many[3 * i + 1] + 0.114 * many[3 * i + 2];
    BOOST_TEST(std::abs(gray.pixels[i] - std::lround(y)) <= 1);
  }
  // The same smooth picture as a colour JPEG gives nearly the same gray as the PNG.
  const ImageBytes picture = smooth_pixels(32, 24, 3);
  const DecodedImage from_png = decode(nin::test::encode_png(picture, 32, 24, 3), 1);
  const DecodedImage from_jpeg = decode(nin::test::encode_jpeg(picture, 32, 24, 3, 98), 1, "x.jpg");
  BOOST_TEST(max_difference(from_png.pixels, from_jpeg.pixels) <= 3);
}

BOOST_AUTO_TEST_CASE(jpeg_round_trips_within_its_loss) {
  for (const std::int64_t channels : {1, 3}) {
    const ImageBytes picture = smooth_pixels(40, 30, channels);
    const ImageBytes jpeg = nin::test::encode_jpeg(picture, 40, 30, channels, 95);
    const DecodedImage same = decode(jpeg, channels, "x.jpg");
    BOOST_TEST(same.width == 40);
    BOOST_TEST(same.height == 30);
    BOOST_TEST(same.channels == channels);
    BOOST_TEST(max_difference(same.pixels, picture) <= 4);
    // The other channel count: gray repeated, or colour to its luma.
    const std::int64_t other = 4 - channels;
    const DecodedImage converted = decode(jpeg, other, "x.jpg");
    BOOST_TEST(converted.pixels.size() == static_cast<std::size_t>(40 * 30 * other));
    if (other == 3)
      for (std::size_t i = 0; i < same.pixels.size(); ++i)
        BOOST_TEST(converted.pixels[3 * i + 1] == same.pixels[i]);
  }
}

BOOST_AUTO_TEST_CASE(sixteen_bit_png) {
  // Without gamma chunks: taken as sRGB-encoded, scaled by 255/65535.
  const std::vector<std::uint16_t> values = {0, 65535, 32768, 257 * 100, 257 * 17};
  ImageBytes samples;
  for (const auto v : values) {
    samples.push_back(static_cast<std::uint8_t>(v >> 8));
    samples.push_back(static_cast<std::uint8_t>(v & 0xff));
  }
  const ImageBytes plain = nin::test::raw_png(5, 1, 16, 0, samples);
  const ImageBytes expected = {0, 255, 128, 100, 17};
  BOOST_TEST(decode(plain, 1).pixels == expected, boost::test_tools::per_element());
  // libpng's simplified writer marks 16-bit data linear (gAMA 1.0): converted to sRGB.
  const ImageBytes linear = nin::test::encode_png16_linear(values, 5, 1, 1);
  const DecodedImage g = decode(linear, 1);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double srgb = 255 * srgb_from_linear(values[i] / 65535.0);
    BOOST_TEST(std::abs(g.pixels[i] - srgb) <= 3,
               "value " << values[i] << " gave " << int{g.pixels[i]} << ", sRGB " << srgb);
  }
  BOOST_TEST(decode(nin::test::encode_png16_linear({values.data(), 3}, 1, 1, 3), 3).pixels.size() ==
             3u);
}

BOOST_AUTO_TEST_CASE(alpha_is_composited_on_black) {
  // Gray 200 at alpha 255, 0 and 128; in linear light 128/255 of 200 is sRGB 146.7.
  const ImageBytes ga = {200, 255, 200, 0, 200, 128};
  const DecodedImage g = decode(nin::test::encode_png(ga, 3, 1, 2), 1);
  const double half = 255 * srgb_from_linear(linear_from_srgb(200 / 255.0) * 128 / 255.0);
  BOOST_TEST(g.pixels[0] == 200);
  BOOST_TEST(g.pixels[1] == 0);
  BOOST_TEST(std::abs(g.pixels[2] - half) <= 2,
             "got " << int{g.pixels[2]} << ", expected " << half);
  const ImageBytes rgba = {10, 200, 30, 255, 10, 200, 30, 0};
  const DecodedImage c = decode(nin::test::encode_png(rgba, 2, 1, 4), 3);
  const ImageBytes expected = {10, 200, 30, 0, 0, 0};
  BOOST_TEST(c.pixels == expected, boost::test_tools::per_element());
  BOOST_TEST(decode(nin::test::encode_png(rgba, 2, 1, 4), 1).pixels[0] == 124);
}

BOOST_AUTO_TEST_CASE(one_pixel_image) {
  const DecodedImage image = decode(nin::test::encode_png(ImageBytes{77}, 1, 1, 1), 1);
  BOOST_TEST(image.width == 1);
  BOOST_TEST(image.height == 1);
  BOOST_TEST(image.pixels == ImageBytes{77}, boost::test_tools::per_element());
  ImageBytes out(28 * 28);
  nin::image_to_input(image, Shape{1, 28, 28}, false, out);
  BOOST_TEST(std::all_of(out.begin(), out.end(), [](std::uint8_t v) { return v == 77; }));
}

BOOST_AUTO_TEST_CASE(huge_sizes_are_refused_before_allocation) {
  // Signature and IHDR only: 20000×20000 as RGB would take 1.2 GB.
  const long before = peak_rss_kib();
  check_throws<FormatError>(
      [&] { decode(nin::test::png_header(20000, 20000), 3, "big.png"); },
      {"'big.png': 20000×20000 pixels exceed nin's limit of 67108864 pixels per image"});
  BOOST_TEST(peak_rss_kib() - before < 256 * 1024,
             "peak RSS grew by " << peak_rss_kib() - before << " KiB");
  check_throws<FormatError>([&] { decode(nin::test::png_header(70000, 1), 1, "wide.png"); },
                            {"'wide.png': 70000×1 pixels: a side exceeds nin's limit of 65535"});
  check_throws<FormatError>([&] { decode(nin::test::png_header(0, 5), 1, "empty.png"); },
                            {"'empty.png': 0×5 pixels, an empty image"});
  // A JPEG whose frame header claims 20000×20000 (its data is for 8×8).
  ImageBytes jpeg = nin::test::encode_jpeg(smooth_pixels(8, 8, 1), 8, 8, 1);
  const std::uint8_t start_of_frame[] = {0xff, 0xc0};
  const auto sof =
      std::search(jpeg.begin(), jpeg.end(), std::begin(start_of_frame), std::end(start_of_frame));
  BOOST_REQUIRE(sof != jpeg.end());
  for (const std::size_t at : {5u, 7u}) {
    sof[at] = 20000 >> 8;
    sof[at + 1] = 20000 & 0xff;
  }
  check_throws<FormatError>([&] { decode(jpeg, 3, "big.jpg"); },
                            {"'big.jpg': 20000×20000 pixels exceed nin's limit"});
  BOOST_TEST(peak_rss_kib() - before < 256 * 1024);
}

BOOST_AUTO_TEST_CASE(damaged_files_name_the_file_and_the_reason) {
  // Random pixels: most of the file is scan data, where the cut falls.
  const ImageBytes jpeg = nin::test::encode_jpeg(random_pixels(3, 64, 64, 3), 64, 64, 3);
  const ImageBytes truncated(jpeg.begin(), jpeg.begin() + static_cast<long>(jpeg.size() / 2));
  check_throws<FormatError>([&] { decode(truncated, 3, "a.jpg"); },
                            {"'a.jpg': JPEG: Premature end of JPEG file"});
  check_throws<FormatError>([&] { decode(truncated, 1, "a.jpg"); }, {"'a.jpg': JPEG: "});

  ImageBytes png = nin::test::encode_png(random_pixels(4, 9, 9, 1), 9, 9, 1);
  nin::test::break_idat_crc(png);
  check_throws<FormatError>([&] { decode(png, 1, "b.png"); }, {"'b.png': PNG: ", "CRC"});
  const ImageBytes short_png(png.begin(), png.begin() + 40);
  check_throws<FormatError>([&] { decode(short_png, 1, "c.png"); }, {"'c.png': PNG: "});

  const std::string text = "hello, this is not an image\n";
  check_throws<FormatError>([&] { decode(ImageBytes(text.begin(), text.end()), 1, "x.png"); },
                            {"'x.png': not a PNG or JPEG image"});
  check_throws<FormatError>([&] { decode({}, 1, "e.jpg"); }, {"'e.jpg': not a PNG or JPEG image"});
  check_throws<UsageError>([&] { decode(png, 2, "b.png"); }, {"'b.png'", "1 (gray) or 3 (RGB)"});
}

BOOST_AUTO_TEST_CASE(signature_decides_not_the_extension) {
  const ImageBytes gray = random_pixels(5, 4, 4, 1);
  BOOST_TEST(decode(nin::test::encode_png(gray, 4, 4, 1), 1, "really-a-png.jpg").pixels == gray,
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(reading_files) {
  TempDir tmp;
  const ImageBytes gray = random_pixels(6, 5, 3, 1);
  nin::test::write_image_file(tmp.path() / "a.png", nin::test::encode_png(gray, 5, 3, 1));
  BOOST_TEST(nin::read_image_file(tmp.path() / "a.png", 1).pixels == gray,
             boost::test_tools::per_element());
  const fs::path missing = tmp.path() / "missing.png";
  check_throws<IoError>([&] { nin::read_image_file(missing, 1); },
                        {"'" + missing.string() + "': cannot open: No such file"});
  check_throws<IoError>([&] { nin::read_image_file(tmp.path(), 1); },
                        {"'" + tmp.path().string() + "': not a regular file (a directory)"});
  // A FIFO with no writer would block a plain open: refused at once.
  const fs::path fifo = tmp.path() / "fifo.png";
  BOOST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  check_throws<IoError>([&] { nin::read_image_file(fifo, 1); },
                        {"'" + fifo.string() + "': not a regular file (a FIFO)"});
  // A (sparse) file beyond the size limit is refused before it is read.
  const fs::path huge = tmp.path() / "huge.png";
  nin::test::write_image_file(huge, {});
  fs::resize_file(huge, nin::kMaxImageFileBytes + 1);
  check_throws<IoError>([&] { nin::read_image_file(huge, 1); },
                        {"'" + huge.string() +
                         "': 268435457 bytes, more than nin's limit of 256.0 MiB per image file"});
}

BOOST_AUTO_TEST_SUITE_END()

// -------------------------------------------------------------------------------------------------

namespace {

// The filter of image_resize.hpp evaluated from its definition: every output pixel is the sum
// over all pixels of the crop of tent(dx / rx)·tent(dy / ry)·pixel, divided by the sum of the
// weights, in double (not rounded).
std::vector<double> reference_resize(const DecodedImage& image, const CropWindow& crop,
                                     std::int64_t out_h, std::int64_t out_w) {
  const double sx = static_cast<double>(crop.width) / static_cast<double>(out_w);
  const double sy = static_cast<double>(crop.height) / static_cast<double>(out_h);
  const double rx = std::max(sx, 1.0), ry = std::max(sy, 1.0);
  const auto tent = [](double d) { return std::max(0.0, 1.0 - std::abs(d)); };
  const std::int64_t channels = image.channels;
  std::vector<double> out(static_cast<std::size_t>(channels * out_h * out_w));
  for (std::int64_t c = 0; c < channels; ++c)
    for (std::int64_t oy = 0; oy < out_h; ++oy)
      for (std::int64_t ox = 0; ox < out_w; ++ox) {
        const double cy = (static_cast<double>(oy) + 0.5) * sy;
        const double cx = (static_cast<double>(ox) + 0.5) * sx;
        double sum = 0, weights = 0;
        for (std::int64_t y = 0; y < crop.height; ++y)
          for (std::int64_t x = 0; x < crop.width; ++x) {
            const double w = tent((static_cast<double>(y) + 0.5 - cy) / ry) *
                             tent((static_cast<double>(x) + 0.5 - cx) / rx);
            const auto at = ((crop.y + y) * image.width + crop.x + x) * channels + c;
            sum += w * image.pixels[static_cast<std::size_t>(at)];
            weights += w;
          }
        out[static_cast<std::size_t>((c * out_h + oy) * out_w + ox)] = sum / weights;
      }
  return out;
}

DecodedImage random_image(std::uint64_t seed, std::int64_t width, std::int64_t height,
                          std::int64_t channels) {
  return {width, height, channels, random_pixels(seed, width, height, channels)};
}

ImageBytes to_input(const DecodedImage& image, const Shape& shape, bool crop = false) {
  ImageBytes out(static_cast<std::size_t>(shape.elements()));
  nin::image_to_input(image, shape, crop, out);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(image_resize)

BOOST_AUTO_TEST_CASE(matches_the_naive_definition) {
  struct Case {
    std::int64_t width, height, out_w, out_h, channels;
    bool crop;
  };
  const Case cases[] = {
      {13, 11, 5, 4, 1, false},   {10, 10, 30, 25, 1, false}, {31, 7, 8, 20, 3, false},
      {64, 64, 28, 28, 1, false}, {1, 1, 6, 5, 3, false},     {3, 50, 3, 7, 1, false},
      {100, 3, 9, 9, 1, false},   {40, 36, 28, 28, 3, true},  {17, 45, 10, 12, 1, true},
      {57, 23, 11, 11, 3, true},  {2, 9, 5, 5, 1, false},     {29, 31, 28, 28, 1, false}};
  std::uint64_t seed = 100;
  for (const Case& t : cases) {
    const DecodedImage image = random_image(++seed, t.width, t.height, t.channels);
    const CropWindow crop = t.crop ? nin::center_crop_window(t.width, t.height, t.out_w, t.out_h)
                                   : CropWindow{0, 0, t.width, t.height};
    const std::vector<double> expected = reference_resize(image, crop, t.out_h, t.out_w);
    const ImageBytes got = to_input(image, Shape{t.channels, t.out_h, t.out_w}, t.crop);
    BOOST_REQUIRE_EQUAL(got.size(), expected.size());
    // The nearest byte, except where the exact value is a tie (x.5 within float rounding):
    // then either neighbour.
    std::int64_t wrong = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
      const double e = expected[i], tie = std::abs(e - std::floor(e) - 0.5);
      const bool ok = got[i] == std::floor(e + 0.5) || (tie < 1e-4 && std::abs(got[i] - e) < 0.51);
      if (!ok && wrong++ < 5)
        BOOST_ERROR(t.width << "x" << t.height << " to " << t.out_w << "x" << t.out_h << ": [" << i
                            << "] is " << int{got[i]} << ", expected " << e);
    }
    BOOST_TEST(wrong == 0);
  }
}

BOOST_AUTO_TEST_CASE(the_target_size_is_copied_exactly) {
  for (const std::int64_t channels : {1, 3}) {
    const DecodedImage image = random_image(7, 9, 6, channels);
    BOOST_TEST(to_input(image, Shape{channels, 6, 9}) == planar(image.pixels, 9, 6, channels),
               boost::test_tools::per_element());
    BOOST_TEST(to_input(image, Shape{channels, 6, 9}, true) == planar(image.pixels, 9, 6, channels),
               boost::test_tools::per_element());
  }
  // A crop of the target's size: the window, copied.
  const DecodedImage wide = random_image(8, 32, 28, 1);
  const ImageBytes got = to_input(wide, Shape{1, 28, 28}, true);
  for (std::int64_t y = 0; y < 28; ++y)
    for (std::int64_t x = 0; x < 28; ++x)
      BOOST_TEST(got[static_cast<std::size_t>(y * 28 + x)] ==
                 wide.pixels[static_cast<std::size_t>(y * 32 + x + 2)]);
}

BOOST_AUTO_TEST_CASE(a_flat_image_stays_flat) {
  for (const auto& [w, h, ow, oh] : std::vector<std::array<std::int64_t, 4>>{
           {97, 13, 28, 28}, {5, 3, 64, 64}, {300, 200, 7, 3}}) {
    const DecodedImage image{w, h, 1, ImageBytes(static_cast<std::size_t>(w * h), 201)};
    const ImageBytes out = to_input(image, Shape{1, oh, ow});
    BOOST_TEST(std::all_of(out.begin(), out.end(), [](std::uint8_t v) { return v == 201; }));
  }
}

BOOST_AUTO_TEST_CASE(center_crop_windows) {
  BOOST_TEST((nin::center_crop_window(40, 36, 28, 28) == CropWindow{2, 0, 36, 36}));
  BOOST_TEST((nin::center_crop_window(36, 40, 28, 28) == CropWindow{0, 2, 36, 36}));
  BOOST_TEST((nin::center_crop_window(41, 36, 28, 28) == CropWindow{2, 0, 36, 36}));  // odd margin
  BOOST_TEST((nin::center_crop_window(64, 48, 32, 24) == CropWindow{0, 0, 64, 48}));  // same ratio
  BOOST_TEST((nin::center_crop_window(100, 100, 20, 10) == CropWindow{0, 25, 100, 50}));
  BOOST_TEST((nin::center_crop_window(10, 10, 3, 2) == CropWindow{0, 1, 10, 7}));  // 6.67 → 7
  BOOST_TEST((nin::center_crop_window(1, 1, 100, 1) == CropWindow{0, 0, 1, 1}));
  BOOST_TEST((nin::center_crop_window(1000, 1, 1, 100) == CropWindow{499, 0, 1, 1}));
}

BOOST_AUTO_TEST_CASE(mismatched_arguments_are_refused) {
  const DecodedImage image = random_image(9, 4, 4, 3);
  ImageBytes out(16);
  BOOST_CHECK_THROW(nin::image_to_input(image, Shape{1, 4, 4}, false, out), std::invalid_argument);
  BOOST_CHECK_THROW(nin::image_to_input(image, Shape{3, 4, 4}, false, out), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

// -------------------------------------------------------------------------------------------------

namespace {

// Writes a gray PNG of `pixels` (w×h) at `path`, creating its directory.
void put_png(const fs::path& path, const ImageBytes& pixels, std::int64_t width,
             std::int64_t height, std::int64_t channels = 1) {
  fs::create_directories(path.parent_path());
  nin::test::write_image_file(path, nin::test::encode_png(pixels, width, height, channels));
}

void put_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  nin::test::write_image_file(path, ImageBytes(text.begin(), text.end()));
}

nin::DataOptions options_for(Shape shape, Split split = Split::train) {
  nin::DataOptions o;
  o.split = split;
  o.image_shape = shape;
  return o;
}

// A folder of 6×5 gray PNGs whose pixels are random_pixels(seed): returns the seeds in sample
// order. Also writes what must be ignored.
struct Folder {
  fs::path dir;
  std::vector<std::uint64_t> train_seeds, test_seeds;
  std::vector<std::int32_t> train_labels, test_labels;
};

Folder split_folder(const TempDir& tmp) {
  Folder f{tmp.path() / "pets", {}, {}, {}, {}};
  const fs::path train = f.dir / "train", test = f.dir / "test";
  const auto png = [](const fs::path& path, std::uint64_t seed) {
    put_png(path, random_pixels(seed, 6, 5, 1), 6, 5);
  };
  // Byte order within cat: "10.png" < "2.png" < "X.PNG" < "sub/1.png".
  png(train / "cat" / "2.png", 11);
  png(train / "cat" / "10.png", 10);
  png(train / "cat" / "sub" / "1.png", 13);
  png(train / "cat" / "X.PNG", 12);
  png(train / "dog" / "a.jpeg", 20);  // a PNG named .jpeg: the signature decides
  png(train / "dog" / "b.Jpg", 21);
  f.train_seeds = {10, 11, 12, 13, 20, 21};
  f.train_labels = {0, 0, 0, 0, 1, 1};
  // Ignored: hidden files and folders, other extensions, images outside class folders, val/.
  png(train / "cat" / ".hidden.png", 90);
  png(train / "cat" / ".cache" / "c.png", 91);
  put_text(train / "cat" / "notes.txt", "not an image");
  png(train / "loose.png", 92);
  png(train / ".git" / "x.png", 93);
  png(f.dir / "val" / "cat" / "v.png", 94);
  // The test split lacks cat: dog keeps label 1.
  png(test / "dog" / "t.png", 30);
  f.test_seeds = {30};
  f.test_labels = {1};
  return f;
}

ImageBytes expected_bytes(const std::vector<std::uint64_t>& seeds) {
  ImageBytes out;
  for (const auto seed : seeds) {
    const ImageBytes p = random_pixels(seed, 6, 5, 1);
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(image_folder)

BOOST_AUTO_TEST_CASE(split_layout) {
  TempDir tmp;
  const Folder f = split_folder(tmp);
  BOOST_TEST(nin::image_folder_has_splits(f.dir));
  BOOST_TEST(nin::is_image_folder(f.dir));
  const nin::Dataset train = nin::load_dataset(f.dir, options_for(Shape{1, 5, 6}));
  BOOST_TEST(train.format == "images");
  BOOST_TEST(train.source == (f.dir / "train").string());
  BOOST_TEST(train.classes == 2);
  BOOST_TEST((train.class_names == std::vector<std::string>{"cat", "dog"}));
  BOOST_TEST((train.shape == Shape{1, 5, 6}));
  BOOST_TEST(train.labels == f.train_labels, boost::test_tools::per_element());
  BOOST_TEST(train.bytes == expected_bytes(f.train_seeds), boost::test_tools::per_element());
  BOOST_TEST(train.skipped == 0);

  const nin::Dataset test = nin::load_dataset(f.dir, options_for(Shape{1, 5, 6}, Split::test));
  BOOST_TEST((test.class_names == std::vector<std::string>{"cat", "dog"}));
  BOOST_TEST(test.labels == f.test_labels, boost::test_tools::per_element());
  BOOST_TEST(test.bytes == expected_bytes(f.test_seeds), boost::test_tools::per_element());

  // dataset_files: every image of both splits, nothing ignored.
  const auto files = nin::dataset_files(f.dir);
  BOOST_TEST(files.size() == 7u);
  BOOST_TEST(
      (std::find(files.begin(), files.end(), f.dir / "test" / "dog" / "t.png") != files.end()));
  BOOST_TEST((std::find(files.begin(), files.end(), f.dir / "train" / "loose.png") == files.end()));
}

BOOST_AUTO_TEST_CASE(flat_layout_is_both_splits) {
  TempDir tmp;
  const fs::path dir = tmp.path() / "flat";
  put_png(dir / "b" / "1.png", random_pixels(1, 6, 5, 1), 6, 5);
  put_png(dir / "a" / "1.png", random_pixels(2, 6, 5, 1), 6, 5);
  put_png(dir / "a" / "2.png", random_pixels(3, 6, 5, 1), 6, 5);
  BOOST_TEST(!nin::image_folder_has_splits(dir));
  BOOST_TEST(nin::is_image_folder(dir));
  for (const Split split : {Split::train, Split::test}) {
    const nin::Dataset data = nin::load_dataset(dir, options_for(Shape{1, 5, 6}, split));
    BOOST_TEST((data.class_names == std::vector<std::string>{"a", "b"}));
    BOOST_TEST((data.labels == std::vector<std::int32_t>{0, 0, 1}));
    BOOST_TEST(data.bytes == expected_bytes({2, 3, 1}), boost::test_tools::per_element());
    BOOST_TEST(data.source == dir.string());
  }
  BOOST_TEST(nin::dataset_files(dir).size() == 3u);
}

BOOST_AUTO_TEST_CASE(classes_in_byte_order) {
  TempDir tmp;
  const fs::path dir = tmp.path() / "names";
  for (const char* name : {"a", "_x", "Z", "B", "a b", "\xc3\xa9t\xc3\xa9"})
    put_png(dir / name / "0.png", random_pixels(1, 2, 2, 1), 2, 2);
  const nin::Dataset data = nin::load_dataset(dir, options_for(Shape{1, 2, 2}));
  const std::vector<std::string> expected = {"B", "Z", "_x", "a", "a b", "\xc3\xa9t\xc3\xa9"};
  BOOST_TEST(data.class_names == expected, boost::test_tools::per_element());
  BOOST_TEST((data.labels == std::vector<std::int32_t>{0, 1, 2, 3, 4, 5}));
}

BOOST_AUTO_TEST_CASE(images_of_any_size_and_kind_become_the_input_shape) {
  TempDir tmp;
  const fs::path dir = tmp.path() / "mixed";
  put_png(dir / "x" / "0.png", random_pixels(1, 40, 36, 3), 40, 36, 3);
  nin::test::write_image_file(dir / "x" / "1.jpg",
                              nin::test::encode_jpeg(smooth_pixels(17, 50, 1), 17, 50, 1));
  put_png(dir / "x" / "2.png", ImageBytes{9}, 1, 1);
  for (const bool crop : {false, true})
    for (const std::int64_t channels : {1, 3}) {
      nin::DataOptions o = options_for(Shape{channels, 28, 28});
      o.center_crop = crop;
      const nin::Dataset data = nin::load_dataset(dir, o);
      BOOST_TEST(data.size() == 3);
      BOOST_TEST(data.bytes.size() == static_cast<std::size_t>(3 * channels * 28 * 28));
      // Each image as decode and image_to_input make it.
      for (std::int64_t i = 0; i < 3; ++i) {
        const char* names[] = {"0.png", "1.jpg", "2.png"};
        const ImageBytes one = to_input(nin::read_image_file(dir / "x" / names[i], channels),
                                        Shape{channels, 28, 28}, crop);
        const auto at = data.bytes.begin() + i * channels * 28 * 28;
        BOOST_TEST(std::equal(one.begin(), one.end(), at));
      }
    }
}

BOOST_AUTO_TEST_CASE(the_same_bytes_whatever_the_thread_count) {
  TempDir tmp;
  const fs::path dir = tmp.path() / "threads";
  for (int i = 0; i < 150; ++i)
    put_png(dir / (i % 3 == 0 ? "a" : "b") / (std::to_string(i) + ".png"),
            random_pixels(static_cast<std::uint64_t>(i), 10 + i % 7, 9 + i % 5, 1), 10 + i % 7,
            9 + i % 5);
  std::vector<ImageBytes> results;
  for (const int threads : {1, 2, 3}) {
    const nin::ThreadLimit limit(threads);
    results.push_back(nin::load_dataset(dir, options_for(Shape{1, 8, 8})).bytes);
  }
  BOOST_TEST(results[0] == results[1]);
  BOOST_TEST(results[0] == results[2]);
}

BOOST_AUTO_TEST_CASE(errors_of_layout_and_options) {
  TempDir tmp;
  const Shape shape{1, 4, 4};
  // Nothing recognisable.
  const fs::path empty = tmp.subdir("empty");
  check_throws<IoError>(
      [&] { nin::load_dataset(empty, options_for(shape)); },
      {"'" + empty.string() + "'", "no class folders of images", "train-images-idx3-ubyte.gz"});
  // Class folders, but no image in any of them.
  const fs::path bare = tmp.path() / "bare";
  fs::create_directories(bare / "a");
  fs::create_directories(bare / "b");
  put_text(bare / "a" / "readme.txt", "text");
  check_throws<FormatError>([&] { nin::load_dataset(bare, options_for(shape)); },
                            {"'" + bare.string() + "': no images (*.png, *.jpg, *.jpeg)"});
  // One class folder without images.
  put_png(bare / "a" / "0.png", random_pixels(1, 4, 4, 1), 4, 4);
  check_throws<FormatError>([&] { nin::load_dataset(bare, options_for(shape)); },
                            {"'" + (bare / "b").string() + "': a class folder without images"});
  // No class folders under train/.
  const fs::path no_classes = tmp.path() / "no-classes";
  put_png(no_classes / "train" / "0.png", random_pixels(1, 4, 4, 1), 4, 4);
  check_throws<FormatError>([&] { nin::load_dataset(no_classes, options_for(shape)); },
                            {"'" + (no_classes / "train").string() + "': no class folders"});
  // A test class the train split does not have; a split that is missing.
  const fs::path splits = tmp.path() / "splits";
  put_png(splits / "train" / "cat" / "0.png", random_pixels(1, 4, 4, 1), 4, 4);
  put_png(splits / "test" / "cow" / "0.png", random_pixels(1, 4, 4, 1), 4, 4);
  check_throws<FormatError>([&] { nin::load_dataset(splits, options_for(shape, Split::test)); },
                            {"'" + (splits / "test" / "cow").string() +
                             "': a class folder that the train split does "
                             "not have (its classes: cat)"});
  const fs::path only_train = tmp.path() / "only-train";
  put_png(only_train / "train" / "cat" / "0.png", random_pixels(1, 4, 4, 1), 4, 4);
  check_throws<IoError>([&] { nin::load_dataset(only_train, options_for(shape, Split::test)); },
                        {"'" + only_train.string() + "': no test/ folder for the test split"});
  // The network's input is needed, with 1 or 3 channels.
  check_throws<UsageError>([&] { nin::load_dataset(splits, nin::DataOptions{}); },
                           {"'" + splits.string() + "'", "needs the network's input size"});
  check_throws<UsageError>(
      [&] {
        nin::load_dataset(splits, options_for(Shape{4, 8, 8}));
      },
      {"1 (gray) or 3 (RGB) channels", "has 4"});
  check_throws<UsageError>(
      [&] {
        nin::load_dataset(splits, options_for(Shape{1, 0, 8}));
      },
      {"input size 0x8x1 is out of range"});
}

BOOST_AUTO_TEST_CASE(bad_files_fail_at_the_first_in_sample_order) {
  TempDir tmp;
  const fs::path dir = tmp.path() / "bad";
  for (int i = 0; i < 300; ++i)
    put_png(dir / "a" / (std::to_string(1000 + i) + ".png"), random_pixels(1, 4, 4, 1), 4, 4);
  // Bad files late in the order and one earlier that the threads may reach later.
  put_text(dir / "b" / "1.png", "not an image");
  put_text(dir / "a" / "1250.png", "not an image either");
  put_text(dir / "a" / "1290.jpg", "nor this");
  for (const int threads : {1, 2, 4}) {
    const nin::ThreadLimit limit(threads);
    check_throws<FormatError>(
        [&] {
          nin::load_dataset(dir, options_for(Shape{1, 4, 4}));
        },
        {"'" + (dir / "a" / "1250.png").string() + "': not a PNG or JPEG image"});
  }
}

BOOST_AUTO_TEST_CASE(skipping_bad_files) {
  TempDir tmp;
  const fs::path dir = tmp.path() / "skip";
  const ImageBytes jpeg = nin::test::encode_jpeg(smooth_pixels(16, 16, 1), 16, 16, 1);
  put_png(dir / "a" / "0.png", random_pixels(0, 4, 4, 1), 4, 4);
  put_text(dir / "a" / "1.png", "text");
  put_png(dir / "a" / "2.png", random_pixels(2, 4, 4, 1), 4, 4);
  fs::create_directories(dir / "b");
  nin::test::write_image_file(dir / "b" / "3.jpg", {jpeg.begin(), jpeg.begin() + 200});
  put_png(dir / "b" / "4.png", random_pixels(4, 4, 4, 1), 4, 4);
  ::mkfifo((dir / "b" / "5.png").c_str(), 0600);

  nin::DataOptions o = options_for(Shape{1, 4, 4});
  check_throws<FormatError>([&] { nin::load_dataset(dir, o); }, {"1.png': not a PNG or JPEG"});
  o.skip_bad_images = true;
  std::vector<std::string> lines;
  o.warning = [&](const std::string& line) { lines.push_back(line); };
  std::vector<std::int64_t> done;
  o.progress = [&](std::int64_t d, std::int64_t total) {
    BOOST_TEST(total == 6);
    done.push_back(d);
  };
  const nin::Dataset data = nin::load_dataset(dir, o);
  BOOST_TEST(data.skipped == 3);
  BOOST_TEST(data.size() == 3);
  BOOST_TEST((data.labels == std::vector<std::int32_t>{0, 0, 1}));
  ImageBytes expected;
  for (const std::uint64_t seed : {0, 2, 4}) {
    const ImageBytes p = random_pixels(seed, 4, 4, 1);
    expected.insert(expected.end(), p.begin(), p.end());
  }
  BOOST_TEST(data.bytes == expected, boost::test_tools::per_element());
  BOOST_REQUIRE_EQUAL(lines.size(), 3u);
  BOOST_TEST(lines[0] ==
             "'" + (dir / "a" / "1.png").string() + "': skipped: not a PNG or JPEG image");
  BOOST_TEST(lines[1].rfind("'" + (dir / "b" / "3.jpg").string() + "': skipped: JPEG: ", 0) == 0);
  BOOST_TEST(lines[2] ==
             "'" + (dir / "b" / "5.png").string() + "': skipped: not a regular file (a FIFO)");
  BOOST_TEST(!done.empty());
  BOOST_TEST(done.back() == 6);
  BOOST_TEST(std::is_sorted(done.begin(), done.end()));

  // Nothing readable at all.
  const fs::path worse = tmp.path() / "worse";
  put_text(worse / "a" / "0.png", "text");
  o.progress = nullptr;
  check_throws<FormatError>([&] { nin::load_dataset(worse, o); },
                            {"'" + worse.string() + "': none of its 1 images could be read"});
}

BOOST_AUTO_TEST_CASE(limit_keeps_the_first_images_in_sample_order) {
  TempDir tmp;
  const Folder f = split_folder(tmp);
  nin::DataOptions o = options_for(Shape{1, 5, 6});
  o.limit = 5;
  const nin::Dataset data = nin::load_dataset(f.dir, o);
  BOOST_TEST(data.size() == 5);
  BOOST_TEST(data.classes == 2);
  BOOST_TEST((data.labels == std::vector<std::int32_t>{0, 0, 0, 0, 1}));
  BOOST_TEST(data.bytes == expected_bytes({10, 11, 12, 13, 20}), boost::test_tools::per_element());
  o.limit = 100;
  BOOST_TEST(nin::load_dataset(f.dir, o).size() == 6);
}

BOOST_AUTO_TEST_CASE(png_copy_of_a_gray_data_set_reads_back_bit_identical) {
  const fs::path fashion = nin::kDefaultDataPath;
  if (!fs::exists(fashion / "t10k-images-idx3-ubyte.gz")) {
    BOOST_TEST_MESSAGE("skipped: " << fashion << " is not installed");
    return;
  }
  nin::DataOptions idx_options;
  idx_options.split = Split::test;
  idx_options.limit = 500;
  const nin::Dataset idx = nin::load_dataset(fashion, idx_options);
  TempDir tmp;
  const fs::path dir = tmp.path() / "copy";
  for (std::int64_t i = 0; i < idx.size(); ++i) {
    const ImageBytes pixels(idx.bytes.begin() + i * 784, idx.bytes.begin() + (i + 1) * 784);
    char name[32];
    std::snprintf(name, sizeof name, "%05lld.png", static_cast<long long>(i));
    put_png(
        dir / "test" / ("class" + std::to_string(idx.labels[static_cast<std::size_t>(i)])) / name,
        pixels, 28, 28);
  }
  const nin::Dataset copy = nin::load_dataset(dir, options_for(Shape{1, 28, 28}, Split::test));
  BOOST_REQUIRE_EQUAL(copy.size(), idx.size());
  // The folder's order is class by class: compare each image with its source.
  std::vector<std::int64_t> order(static_cast<std::size_t>(idx.size()));
  for (std::int64_t i = 0; i < idx.size(); ++i) order[static_cast<std::size_t>(i)] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
    return idx.labels[static_cast<std::size_t>(a)] < idx.labels[static_cast<std::size_t>(b)];
  });
  for (std::int64_t k = 0; k < copy.size(); ++k) {
    const std::int64_t i = order[static_cast<std::size_t>(k)];
    BOOST_TEST(copy.labels[static_cast<std::size_t>(k)] == idx.labels[static_cast<std::size_t>(i)]);
    BOOST_TEST(std::equal(copy.bytes.begin() + k * 784, copy.bytes.begin() + (k + 1) * 784,
                          idx.bytes.begin() + i * 784));
  }
}

BOOST_AUTO_TEST_SUITE_END()

// An image folder's labels in a model's class order (no files needed: the labels only).
BOOST_AUTO_TEST_SUITE(image_class_order)

nin::Dataset folder_set(std::vector<std::string> folders, std::vector<std::int32_t> labels) {
  nin::Dataset data;
  data.format = "images";
  data.classes = static_cast<std::int64_t>(folders.size());
  data.class_names = std::move(folders);
  data.labels = std::move(labels);
  return data;
}

BOOST_AUTO_TEST_CASE(exact_classes_take_the_models_order) {
  auto data = folder_set({"Bag", "Coat", "T-shirt-top"}, {0, 1, 2, 2, 0});
  BOOST_TEST(nin::adopt_class_order(data, {"T-shirt/top", "Bag", "Coat"}));
  BOOST_TEST(data.labels == (std::vector<std::int32_t>{1, 2, 0, 0, 1}),
             boost::test_tools::per_element());
  BOOST_TEST(data.class_names == (std::vector<std::string>{"T-shirt/top", "Bag", "Coat"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_subset_only_when_asked) {
  const std::vector<std::string> model = {"T-shirt/top", "Trouser", "Bag", "Coat"};
  auto data = folder_set({"Bag", "Coat"}, {0, 1, 1});
  BOOST_TEST(!nin::adopt_class_order(data, model));
  BOOST_TEST(data.labels == (std::vector<std::int32_t>{0, 1, 1}), boost::test_tools::per_element());
  BOOST_TEST(nin::adopt_class_order(data, model, true));
  BOOST_TEST(data.labels == (std::vector<std::int32_t>{2, 3, 3}), boost::test_tools::per_element());
  BOOST_TEST(data.classes == 4);
  BOOST_TEST(data.class_names.size() == 4u);
}

BOOST_AUTO_TEST_CASE(other_classes_are_left_alone) {
  for (const bool subset : {false, true}) {
    auto data = folder_set({"bags", "coats"}, {0, 1});
    BOOST_TEST(!nin::adopt_class_order(data, {"Bag", "Coat"}, subset));
    auto one_unknown = folder_set({"Bag", "Hat"}, {0, 1});
    BOOST_TEST(!nin::adopt_class_order(one_unknown, {"Bag", "Coat", "Dress"}, subset));
    BOOST_TEST(one_unknown.class_names == (std::vector<std::string>{"Bag", "Hat"}),
               boost::test_tools::per_element());
    // "a/b" and "a-b" both name the folder "a-b": ambiguous, so not adopted.
    auto ambiguous = folder_set({"a-b", "c"}, {0, 1});
    BOOST_TEST(!nin::adopt_class_order(ambiguous, {"a/b", "a-b", "c"}, subset));
  }
  auto idx = folder_set({"0", "1"}, {0, 1});
  idx.format = "idx";
  BOOST_TEST(!nin::adopt_class_order(idx, {"1", "0"}));
}

BOOST_AUTO_TEST_CASE(folder_names_must_be_utf8) {
  nin::test::TempDir tmp;
  const fs::path bad = tmp.path() / "train" / "B\xe4g";
  fs::create_directories(bad);
  fs::create_directories(tmp.path() / "test");
  const std::vector<std::uint8_t> pixels(4, 7);
  nin::test::write_image_file(bad / "0.png", nin::test::encode_png(pixels, 2, 2, 1));
  nin::DataOptions options;
  options.image_shape = {1, 2, 2};
  BOOST_CHECK_EXCEPTION(nin::load_dataset(tmp.path(), options), nin::FormatError,
                        [](const nin::FormatError& e) {
                          return std::string(e.what()).find(
                                     "a class folder whose name is not "
                                     "UTF-8") != std::string::npos;
                        });
}

BOOST_AUTO_TEST_SUITE_END()
