#include "image_files.hpp"

#include <png.h>
#include <turbojpeg.h>
#include <zlib.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace nin::test {

namespace {

ImageBytes write_png(png_uint_32 format, const void* pixels, std::int64_t width,
                     std::int64_t height) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(width);
  image.height = static_cast<png_uint_32>(height);
  image.format = format;
  png_alloc_size_t size = 0;
  if (!png_image_write_get_memory_size(image, size, 0, pixels, 0, nullptr))
    throw std::runtime_error(std::string("png_image_write_to_memory: ") + image.message);
  ImageBytes out(size);
  if (!png_image_write_to_memory(&image, out.data(), &size, 0, pixels, 0, nullptr))
    throw std::runtime_error(std::string("png_image_write_to_memory: ") + image.message);
  out.resize(size);
  return out;
}

void put_be32(ImageBytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

std::uint32_t get_be32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 |
         std::uint32_t{p[3]};
}

}  // namespace

ImageBytes encode_png(std::span<const std::uint8_t> pixels, std::int64_t width, std::int64_t height,
                      std::int64_t channels) {
  static constexpr png_uint_32 kFormats[] = {PNG_FORMAT_GRAY, PNG_FORMAT_GA, PNG_FORMAT_RGB,
                                             PNG_FORMAT_RGBA};
  if (channels < 1 || channels > 4 ||
      pixels.size() != static_cast<std::size_t>(width * height * channels))
    throw std::runtime_error("encode_png: pixels do not match the size");
  return write_png(kFormats[channels - 1], pixels.data(), width, height);
}

ImageBytes encode_png16_linear(std::span<const std::uint16_t> pixels, std::int64_t width,
                               std::int64_t height, std::int64_t channels) {
  if ((channels != 1 && channels != 3) ||
      pixels.size() != static_cast<std::size_t>(width * height * channels))
    throw std::runtime_error("encode_png16_linear: pixels do not match the size");
  return write_png(channels == 1 ? PNG_FORMAT_LINEAR_Y : PNG_FORMAT_LINEAR_RGB, pixels.data(),
                   width, height);
}

ImageBytes encode_jpeg(std::span<const std::uint8_t> pixels, std::int64_t width,
                       std::int64_t height, std::int64_t channels, int quality, bool progressive) {
  if ((channels != 1 && channels != 3) ||
      pixels.size() != static_cast<std::size_t>(width * height * channels))
    throw std::runtime_error("encode_jpeg: pixels do not match the size");
  const std::unique_ptr<void, int (*)(tjhandle)> handle(tjInitCompress(), tjDestroy);
  if (!handle) throw std::runtime_error("tjInitCompress failed");
  unsigned char* jpeg = nullptr;
  unsigned long size = 0;
  const int status = tjCompress2(
      handle.get(), pixels.data(), static_cast<int>(width), static_cast<int>(width * channels),
      static_cast<int>(height), channels == 1 ? TJPF_GRAY : TJPF_RGB, &jpeg, &size,
      channels == 1 ? TJSAMP_GRAY : TJSAMP_444, quality, progressive ? TJFLAG_PROGRESSIVE : 0);
  const std::unique_ptr<unsigned char, void (*)(unsigned char*)> owned(jpeg, tjFree);
  if (status != 0)
    throw std::runtime_error(std::string("tjCompress2: ") + tjGetErrorStr2(handle.get()));
  return ImageBytes(jpeg, jpeg + size);
}

void append_png_chunk(ImageBytes& out, const char (&type)[5], std::span<const std::uint8_t> data) {
  put_be32(out, static_cast<std::uint32_t>(data.size()));
  const std::size_t start = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  const auto crc = crc32(0, out.data() + start, static_cast<uInt>(out.size() - start));
  put_be32(out, static_cast<std::uint32_t>(crc));
}

ImageBytes png_header(std::uint32_t width, std::uint32_t height, int bit_depth, int colour_type) {
  ImageBytes out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  ImageBytes ihdr;
  put_be32(ihdr, width);
  put_be32(ihdr, height);
  ihdr.push_back(static_cast<std::uint8_t>(bit_depth));
  ihdr.push_back(static_cast<std::uint8_t>(colour_type));
  ihdr.insert(ihdr.end(), {0, 0, 0});  // deflate, adaptive filtering, no interlace
  append_png_chunk(out, "IHDR", ihdr);
  return out;
}

ImageBytes raw_png(std::uint32_t width, std::uint32_t height, int bit_depth, int colour_type,
                   std::span<const std::uint8_t> samples, std::span<const std::uint8_t> palette) {
  if (height == 0 || samples.size() % height != 0)
    throw std::runtime_error("raw_png: samples do not make whole rows");
  const std::size_t row = samples.size() / height;
  ImageBytes filtered;
  for (std::uint32_t y = 0; y < height; ++y) {
    filtered.push_back(0);  // filter type None
    filtered.insert(filtered.end(), samples.begin() + static_cast<std::ptrdiff_t>(y * row),
                    samples.begin() + static_cast<std::ptrdiff_t>((y + 1) * row));
  }
  uLongf size = compressBound(static_cast<uLong>(filtered.size()));
  ImageBytes compressed(size);
  if (compress(compressed.data(), &size, filtered.data(), static_cast<uLong>(filtered.size())) !=
      Z_OK)
    throw std::runtime_error("raw_png: compress failed");
  compressed.resize(size);
  ImageBytes out = png_header(width, height, bit_depth, colour_type);
  if (!palette.empty()) append_png_chunk(out, "PLTE", palette);
  append_png_chunk(out, "IDAT", compressed);
  append_png_chunk(out, "IEND", {});
  return out;
}

void break_idat_crc(ImageBytes& png) {
  for (std::size_t at = 8; at + 12 <= png.size();) {
    const std::uint32_t length = get_be32(&png[at]);
    const std::size_t crc_at = at + 8 + length;
    if (crc_at + 4 > png.size()) break;
    if (std::memcmp(&png[at + 4], "IDAT", 4) == 0) {
      png[crc_at + 3] ^= 1;
      return;
    }
    at = crc_at + 4;
  }
  throw std::runtime_error("break_idat_crc: no IDAT chunk");
}

void write_image_file(const std::filesystem::path& path, std::span<const std::uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace nin::test
