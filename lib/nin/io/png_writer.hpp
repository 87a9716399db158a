#pragma once
// Writing 8-bit gray or RGB pixels as a PNG file, through libpng's full write API (libpng's types
// stay in png_writer.cpp). The file is encoded in memory and then written atomically
// (atomic_file.hpp), so a failed or interrupted write never leaves a damaged picture behind.

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace nin {

// The most pixels write_png encodes: that of the images decode_image reads (image_codec.hpp).
inline constexpr std::int64_t kMaxPngWritePixels = std::int64_t{1} << 26;

// The bytes of a PNG file holding `pixels`: height rows of width pixels of `channels` bytes
// (1: gray, 3: RGB), no interlacing, libpng's default compression. `name` names the file in
// messages. Throws UsageError when the sizes do not describe `pixels` or exceed
// kMaxPngWritePixels, IoError "'name': PNG: <libpng's reason>" when libpng fails.
std::vector<std::uint8_t> encode_png(std::span<const std::uint8_t> pixels, std::int64_t width,
                                     std::int64_t height, std::int64_t channels,
                                     const std::string& name);

// encode_png, then write_file_atomically(path). Throws as both do, naming `path`.
void write_png_file(const std::filesystem::path& path, std::span<const std::uint8_t> pixels,
                    std::int64_t width, std::int64_t height, std::int64_t channels);

}  // namespace nin
