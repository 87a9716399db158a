// The PNG writer: files it writes decode, through the project's own libpng-based decoder
// (image_codec), to exactly the pixels written, gray and RGB, odd sizes included; a failed write
// leaves an existing file as it was; bad sizes are refused before libpng is called.

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "data_test_files.hpp"
#include "message_checks.hpp"
#include "nin/core/error.hpp"
#include "nin/data/image_codec.hpp"
#include "nin/io/png_writer.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;
using nin::test::check_throws;
using nin::test::TempDir;

std::vector<std::uint8_t> random_bytes(std::uint64_t seed, std::int64_t count) {
  std::vector<std::uint8_t> out(static_cast<std::size_t>(count));
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<std::uint8_t>(nin::test::random_int(seed, i, 0, 255));
  return out;
}

BOOST_AUTO_TEST_SUITE(png_writer)

BOOST_AUTO_TEST_CASE(round_trips_exactly_through_the_decoder) {
  const TempDir dir;
  struct Case {
    std::int64_t width, height, channels;
  };
  for (const Case c : {Case{1, 1, 1}, Case{7, 3, 1}, Case{1, 9, 3}, Case{33, 17, 3}}) {
    const auto pixels = random_bytes(static_cast<std::uint64_t>(c.width * 100 + c.channels),
                                     c.width * c.height * c.channels);
    const fs::path path = dir.path() / ("w" + std::to_string(c.width) + ".png");
    nin::write_png_file(path, pixels, c.width, c.height, c.channels);
    const nin::DecodedImage back = nin::read_image_file(path, c.channels);
    BOOST_TEST(back.width == c.width);
    BOOST_TEST(back.height == c.height);
    BOOST_TEST(back.pixels == pixels,
               "pixels differ for " << c.width << "×" << c.height << "×" << c.channels);
  }
}

BOOST_AUTO_TEST_CASE(replaces_an_existing_file_and_leaves_no_temporary) {
  const TempDir dir;
  const fs::path path = dir.path() / "picture.png";
  nin::test::write_file(path, {'o', 'l', 'd'});
  const std::vector<std::uint8_t> pixels{10, 20, 30, 40};
  nin::write_png_file(path, pixels, 2, 2, 1);
  BOOST_TEST(nin::read_image_file(path, 1).pixels == pixels);
  BOOST_TEST(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}

BOOST_AUTO_TEST_CASE(refuses_bad_sizes_naming_the_file) {
  const std::vector<std::uint8_t> pixels(12);
  check_throws<nin::UsageError>([&] { nin::encode_png(pixels, 2, 2, 2, "x.png"); },
                                {"'x.png'", "2 channels, expected 1 (gray) or 3 (RGB)"});
  check_throws<nin::UsageError>([&] { nin::encode_png(pixels, 0, 2, 3, "x.png"); },
                                {"'x.png'", "0×2 pixels"});
  check_throws<nin::UsageError>([&] { nin::encode_png(pixels, 3, 3, 1, "x.png"); },
                                {"'x.png'", "12 bytes of pixels for 3×3×1"});
}

BOOST_AUTO_TEST_CASE(an_unwritable_directory_is_an_io_error_naming_the_file) {
  const TempDir dir;
  const fs::path path = dir.path() / "missing" / "picture.png";
  const std::vector<std::uint8_t> pixels{1};
  check_throws<nin::IoError>([&] { nin::write_png_file(path, pixels, 1, 1, 1); }, {path.string()});
  BOOST_TEST(!fs::exists(path));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
