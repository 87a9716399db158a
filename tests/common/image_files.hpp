#pragma once
// Writers of PNG and JPEG files for the tests, the CLI fixture and the fuzz corpus: through the
// libraries' own encoders (libpng's simplified API, TurboJPEG), and PNGs put together chunk by
// chunk where a test needs what those encoders do not write (16-bit samples without gamma
// chunks, a header only, a broken checksum). Failures throw std::runtime_error.

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace nin::test {

using ImageBytes = std::vector<std::uint8_t>;

// An 8-bit PNG of `pixels` (height rows of width pixels, HWC): channels 1 (gray), 2 (gray and
// alpha), 3 (RGB) or 4 (RGBA). libpng marks it sRGB.
ImageBytes encode_png(std::span<const std::uint8_t> pixels, std::int64_t width, std::int64_t height,
                      std::int64_t channels);

// A 16-bit linear PNG through the simplified API (it writes gAMA 1.0): channels 1 or 3.
ImageBytes encode_png16_linear(std::span<const std::uint16_t> pixels, std::int64_t width,
                               std::int64_t height, std::int64_t channels);

// A JPEG of `pixels`: channels 1 (a gray JPEG) or 3 (YCbCr, 4:4:4), at `quality`, baseline or
// progressive.
ImageBytes encode_jpeg(std::span<const std::uint8_t> pixels, std::int64_t width,
                       std::int64_t height, std::int64_t channels, int quality = 95,
                       bool progressive = false);

// Appends a PNG chunk: length, type, data, CRC.
void append_png_chunk(ImageBytes& out, const char (&type)[5], std::span<const std::uint8_t> data);

// The PNG signature and an IHDR chunk (correct CRC), nothing else.
ImageBytes png_header(std::uint32_t width, std::uint32_t height, int bit_depth = 8,
                      int colour_type = 0);

// A PNG without any ancillary chunk: png_header, a PLTE chunk of `palette` (RGB triples) unless
// it is empty, one IDAT holding `samples` (height rows of big-endian samples, without the filter
// bytes, which this adds), IEND.
ImageBytes raw_png(std::uint32_t width, std::uint32_t height, int bit_depth, int colour_type,
                   std::span<const std::uint8_t> samples,
                   std::span<const std::uint8_t> palette = {});

// Flips a bit of the CRC of the PNG's first IDAT chunk.
void break_idat_crc(ImageBytes& png);

void write_image_file(const std::filesystem::path& path, std::span<const std::uint8_t> bytes);

}  // namespace nin::test
