#include "nin/data/image_codec.hpp"

#include <fcntl.h>
#include <png.h>
#include <sys/stat.h>
#include <turbojpeg.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string_view>

#include "nin/core/error.hpp"
#include "nin/data/reader_support.hpp"

namespace nin {

namespace fs = std::filesystem;
using data_internal::quoted;

namespace {

constexpr std::uint8_t kPngSignature[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
constexpr std::uint8_t kJpegSignature[] = {0xff, 0xd8, 0xff};

// "'name'", as every message names a file.
std::string quoted_name(const std::string& name) {
  return quoted(fs::path(name));
}

bool starts_with(std::span<const std::uint8_t> bytes, std::span<const std::uint8_t> signature) {
  return bytes.size() >= signature.size() &&
         std::memcmp(bytes.data(), signature.data(), signature.size()) == 0;
}

// A library's message on one line, without control characters.
std::string one_line(const char* text) {
  std::string out = text ? text : "unknown error";
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out.empty() ? "unknown error" : out;
}

// Refuses a size beyond nin's limits, before anything of that size is allocated.
void check_size(const std::string& name, std::int64_t width, std::int64_t height,
                std::int64_t max_pixels) {
  const std::string size = std::to_string(width) + "×" + std::to_string(height) + " pixels";
  if (width < 1 || height < 1)
    throw FormatError(quoted_name(name) + ": " + size + ", an empty image");
  if (width > kMaxImageSide || height > kMaxImageSide)
    throw FormatError(quoted_name(name) + ": " + size + ": a side exceeds nin's limit of " +
                      std::to_string(kMaxImageSide) + " pixels");
  if (width * height > max_pixels)
    throw FormatError(quoted_name(name) + ": " + size + " exceed nin's limit of " +
                      std::to_string(max_pixels) + " pixels per image");
}

std::uint32_t big_endian(const std::uint8_t* p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 |
         std::uint32_t{p[3]};
}

// libpng reads every chunk before the first IDAT when it begins, so a file whose IHDR claims a
// huge size and holds nothing else would fail there as truncated. Checking the IHDR here first
// reports the size, which is what is wrong. Anything malformed is left to libpng to report.
void check_png_header(std::span<const std::uint8_t> bytes, const std::string& name,
                      std::int64_t max_pixels) {
  const std::uint8_t* p = bytes.data() + sizeof kPngSignature;
  if (bytes.size() < sizeof kPngSignature + 16 || big_endian(p) != 13 ||
      std::memcmp(p + 4, "IHDR", 4) != 0)
    return;
  check_size(name, big_endian(p + 8), big_endian(p + 12), max_pixels);
}

// BT.601 luma of 8-bit R, G, B, with Pillow's integer weights and rounding.
std::uint8_t luma(const std::uint8_t* rgb) {
  return static_cast<std::uint8_t>((19595u * rgb[0] + 38470u * rgb[1] + 7471u * rgb[2] + 0x8000u) >>
                                   16);
}

// Owns libpng's state of a simplified-API read: png_image_free may be called at any time and
// does nothing once libpng has released it itself.
struct PngImage {
  png_image image;
  PngImage() {
    std::memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
  }
  ~PngImage() { png_image_free(&image); }
  PngImage(const PngImage&) = delete;
  PngImage& operator=(const PngImage&) = delete;
};

DecodedImage decode_png(std::span<const std::uint8_t> bytes, std::int64_t channels,
                        const std::string& name, std::int64_t max_pixels) {
  check_png_header(bytes, name, max_pixels);
  PngImage png;
  if (!png_image_begin_read_from_memory(&png.image, bytes.data(), bytes.size()))
    throw FormatError(quoted_name(name) + ": PNG: " + one_line(png.image.message));
  check_size(name, png.image.width, png.image.height, max_pixels);
  png.image.flags |= PNG_IMAGE_FLAG_16BIT_sRGB;
  // Colour files are read as RGB even for gray output: see the header on luma.
  const bool colour = (png.image.format & PNG_FORMAT_FLAG_COLOR) != 0;
  const std::int64_t read_channels = colour ? 3 : channels;
  png.image.format = read_channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  DecodedImage out;
  out.width = png.image.width;
  out.height = png.image.height;
  out.channels = channels;
  std::vector<std::uint8_t> pixels(
      static_cast<std::size_t>(out.width * out.height * read_channels));
  const png_color black{0, 0, 0};
  if (!png_image_finish_read(&png.image, &black, pixels.data(), 0, nullptr))
    throw FormatError(quoted_name(name) + ": PNG: " + one_line(png.image.message));
  if (read_channels == channels) {
    out.pixels = std::move(pixels);
  } else {
    out.pixels.resize(static_cast<std::size_t>(out.width * out.height));
    for (std::size_t i = 0; i < out.pixels.size(); ++i) out.pixels[i] = luma(&pixels[3 * i]);
  }
  return out;
}

struct TjHandleDeleter {
  void operator()(void* handle) const { tjDestroy(handle); }
};
using TjHandle = std::unique_ptr<void, TjHandleDeleter>;

DecodedImage decode_jpeg(std::span<const std::uint8_t> bytes, std::int64_t channels,
                         const std::string& name, std::int64_t max_pixels) {
  const TjHandle handle(tjInitDecompress());
  if (!handle)
    throw FormatError(quoted_name(name) + ": JPEG: " + one_line(tjGetErrorStr2(nullptr)));
  const auto fail = [&] {
    return FormatError(quoted_name(name) + ": JPEG: " + one_line(tjGetErrorStr2(handle.get())));
  };
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(handle.get(), bytes.data(), bytes.size(), &width, &height, &subsampling,
                          &colorspace) != 0)
    throw fail();
  check_size(name, width, height, max_pixels);
  if (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK)
    throw FormatError(quoted_name(name) +
                      ": JPEG: a CMYK image, expected gray or colour (YCbCr, RGB)");
  DecodedImage out;
  out.width = width;
  out.height = height;
  out.channels = channels;
  out.pixels.resize(static_cast<std::size_t>(out.width * out.height * channels));
  if (tjDecompress2(handle.get(), bytes.data(), bytes.size(), out.pixels.data(), width,
                    width * static_cast<int>(channels), height,
                    channels == 3 ? TJPF_RGB : TJPF_GRAY,
                    TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS) != 0)
    throw fail();
  return out;
}

// Owns a file descriptor.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() { ::close(fd_); }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "a special file";
}

}  // namespace

DecodedImage decode_image(std::span<const std::uint8_t> file_bytes, std::int64_t channels,
                          const std::string& name, std::int64_t max_pixels) {
  if (channels != 1 && channels != 3)
    throw UsageError(quoted_name(name) + ": images decode to 1 (gray) or 3 (RGB) channels, not " +
                     std::to_string(channels));
  max_pixels = std::min(max_pixels, kMaxImagePixels);
  if (starts_with(file_bytes, kPngSignature))
    return decode_png(file_bytes, channels, name, max_pixels);
  if (starts_with(file_bytes, kJpegSignature))
    return decode_jpeg(file_bytes, channels, name, max_pixels);
  throw FormatError(quoted_name(name) + ": not a PNG or JPEG image");
}

std::vector<std::uint8_t> read_image_file_bytes(const fs::path& path) {
  // Non-blocking, so that opening a FIFO returns at once; it is then refused as not regular.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw IoError(quoted(path) + ": cannot open: " + std::strerror(errno));
  const FileDescriptor file(fd);
  struct stat status {};
  if (::fstat(fd, &status) != 0)
    throw IoError(quoted(path) + ": cannot read its status: " + std::strerror(errno));
  if (!S_ISREG(status.st_mode))
    throw IoError(quoted(path) + ": not a regular file (" + kind_of(status.st_mode) + ")");
  const auto size = static_cast<std::uint64_t>(status.st_size);
  if (size > kMaxImageFileBytes)
    throw IoError(quoted(path) + ": " + std::to_string(size) + " bytes, more than nin's limit of " +
                  data_internal::byte_text(kMaxImageFileBytes) + " per image file");
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  std::size_t have = 0;
  while (have < bytes.size()) {
    const ssize_t got = ::read(fd, bytes.data() + have, bytes.size() - have);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw IoError(quoted(path) + ": cannot read: " + std::strerror(errno));
    if (got == 0) break;  // shrank since fstat: decode what is there
    have += static_cast<std::size_t>(got);
  }
  bytes.resize(have);
  return bytes;
}

DecodedImage read_image_file(const fs::path& path, std::int64_t channels) {
  return decode_image(read_image_file_bytes(path), channels, path.string());
}

}  // namespace nin
