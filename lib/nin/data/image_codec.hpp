#pragma once
// One image file (PNG or JPEG, told apart by their signatures, not by the file's extension)
// decoded into 8-bit gray or RGB pixels. PNG goes through libpng's simplified API, JPEG through
// libjpeg-turbo's TurboJPEG API; neither library's types appear here.
//
// Conversions, so that a data set reads the same whatever mix of files it holds:
// - Gray to RGB repeats the gray value in R, G and B.
// - Colour to gray is the luma of ITU-R BT.601, Y = 0.299 R + 0.587 G + 0.114 B on the stored
//   (gamma-encoded) values, rounded: the Y channel a colour JPEG already holds, which TurboJPEG
//   returns, and what Pillow's convert("L") computes. libpng's own conversion works in linear
//   light and would make a PNG darker or lighter than the same picture as a JPEG (pure red: 126
//   against 76), so colour PNGs are decoded to RGB and converted here.
// - PNG alpha (an alpha channel or tRNS) is composited on black by libpng, in linear light.
// - 16-bit PNG samples are reduced to 8 bits by libpng. A 16-bit file without gamma information
//   (no gAMA, sRGB or iCCP chunk) is taken as sRGB-encoded like an 8-bit one, so its values are
//   scaled by 255/65535; a file that states its gamma (8 or 16 bits) is converted to sRGB.
// - JPEG EXIF orientation is not applied (as in Pillow without exif_transpose). A JPEG that makes
//   libjpeg warn (corrupt data, a premature end) is refused, and progressive JPEGs may have at
//   most 500 scans (TurboJPEG's TJFLAG_STOPONWARNING and TJFLAG_LIMITSCANS). CMYK JPEGs are
//   refused (libjpeg cannot convert them to RGB).
//
// Limits, checked from the header before any pixel buffer is allocated: a file of at most
// kMaxImageFileBytes, each side 1..kMaxImageSide, at most kMaxImagePixels pixels.
//
// These decoders run in the calling process, not in nin's sandbox: libpng and libjpeg-turbo have
// been fuzzed for years, and every size is checked before allocation. (The sandbox forks, which
// is unsafe once oneTBB has started threads, and image folders are decoded on those threads.)

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace nin {

// The largest image file read (a guard against being handed a huge file by mistake).
inline constexpr std::uint64_t kMaxImageFileBytes = std::uint64_t{256} << 20;
// The longest side of an image, in pixels.
inline constexpr std::int64_t kMaxImageSide = 65535;
// The most pixels an image may have (8192×8192; 192 MiB as RGB).
inline constexpr std::int64_t kMaxImagePixels = std::int64_t{1} << 26;

struct DecodedImage {
  std::int64_t width = 0, height = 0, channels = 0;
  std::vector<std::uint8_t> pixels;  // height rows of width pixels of `channels` bytes (HWC)
};

// Decodes a PNG or JPEG file's bytes into `channels` (1: gray, 3: RGB) 8-bit channels. `name`
// (the file's path) names it in messages. Throws FormatError "'name': ..." for anything but a
// PNG or JPEG, a size beyond the limits (max_pixels may lower kMaxImagePixels), or damaged data
// (with the library's reason), and UsageError for channels other than 1 and 3.
DecodedImage decode_image(std::span<const std::uint8_t> file_bytes, std::int64_t channels,
                          const std::string& name, std::int64_t max_pixels = kMaxImagePixels);

// The whole content of the regular file at `path`. Throws IoError naming it when it cannot be
// read, is not a regular file (a FIFO is refused without blocking), or is larger than
// kMaxImageFileBytes.
std::vector<std::uint8_t> read_image_file_bytes(const std::filesystem::path& path);

// read_image_file_bytes, then decode_image.
DecodedImage read_image_file(const std::filesystem::path& path, std::int64_t channels);

}  // namespace nin
