#include "nin/io/png_writer.hpp"

#include <png.h>

#include <csetjmp>
#include <cstring>
#include <new>
#include <string>

#include "nin/core/error.hpp"
#include "nin/io/atomic_file.hpp"

namespace nin {

namespace {

// What the write callbacks and the error handler share with encode_png. libpng reports an error
// by calling the error handler, which must not return: it records the message and longjmps back
// to the setjmp in write_rows. Only trivially destructible objects live between the two, so the
// jump skips no destructor; every C++ object is created before or after.
struct WriteState {
  std::vector<std::uint8_t>* bytes = nullptr;
  char message[200] = {};
};

void on_error(png_structp png, png_const_charp text) {
  auto* state = static_cast<WriteState*>(png_get_error_ptr(png));
  std::strncpy(state->message, text ? text : "unknown error", sizeof state->message - 1);
  png_longjmp(png, 1);
}

void on_warning(png_structp, png_const_charp) {}  // nothing a written file would show

void on_write(png_structp png, png_bytep data, png_size_t length) {
  auto* state = static_cast<WriteState*>(png_get_io_ptr(png));
  bool grown = true;
  try {
    state->bytes->insert(state->bytes->end(), data, data + length);
  } catch (const std::bad_alloc&) {
    grown = false;  // reported through libpng, outside the catch, so that the jump unwinds nothing
  }
  if (!grown) png_error(png, "out of memory");
}

void on_flush(png_structp) {}

// Owns libpng's write structures; png_destroy_write_struct accepts null pointers.
class PngWrite {
 public:
  explicit PngWrite(WriteState& state) {
    png_ = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, on_error, on_warning);
    if (png_) info_ = png_create_info_struct(png_);
  }
  ~PngWrite() { png_destroy_write_struct(&png_, &info_); }
  PngWrite(const PngWrite&) = delete;
  PngWrite& operator=(const PngWrite&) = delete;
  png_structp png() const { return png_; }
  png_infop info() const { return info_; }

 private:
  png_structp png_ = nullptr;
  png_infop info_ = nullptr;
};

// Runs the libpng calls of one file; false when libpng reported an error (in state.message).
// Nothing here has a destructor: see WriteState.
bool write_rows(png_structp png, png_infop info, WriteState& state, const std::uint8_t* pixels,
                png_uint_32 width, png_uint_32 height, int channels) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_write_fn(png, &state, on_write, on_flush);
  png_set_IHDR(png, info, width, height, 8,
               channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  const std::size_t stride = std::size_t{width} * static_cast<std::size_t>(channels);
  for (png_uint_32 y = 0; y < height; ++y)
    png_write_row(png, const_cast<png_bytep>(pixels + y * stride));  // libpng 1.6 only reads it
  png_write_end(png, nullptr);
  return true;
}

}  // namespace

std::vector<std::uint8_t> encode_png(std::span<const std::uint8_t> pixels, std::int64_t width,
                                     std::int64_t height, std::int64_t channels,
                                     const std::string& name) {
  const std::string quoted = "'" + name + "'";
  if (channels != 1 && channels != 3)
    throw UsageError(quoted + ": PNG: " + std::to_string(channels) +
                     " channels, expected 1 (gray) or 3 (RGB)");
  if (width < 1 || height < 1 || width > kMaxPngWritePixels || height > kMaxPngWritePixels ||
      width * height > kMaxPngWritePixels)
    throw UsageError(quoted + ": PNG: " + std::to_string(width) + "×" + std::to_string(height) +
                     " pixels, expected 1.." + std::to_string(kMaxPngWritePixels) + " pixels");
  if (static_cast<std::int64_t>(pixels.size()) != width * height * channels)
    throw UsageError(quoted + ": PNG: " + std::to_string(pixels.size()) + " bytes of pixels for " +
                     std::to_string(width) + "×" + std::to_string(height) + "×" +
                     std::to_string(channels));
  std::vector<std::uint8_t> bytes;
  WriteState state;
  state.bytes = &bytes;
  PngWrite write(state);
  if (!write.png() || !write.info()) throw std::bad_alloc();
  if (!write_rows(write.png(), write.info(), state, pixels.data(), static_cast<png_uint_32>(width),
                  static_cast<png_uint_32>(height), static_cast<int>(channels))) {
    if (std::strcmp(state.message, "out of memory") == 0) throw std::bad_alloc();
    throw IoError(quoted + ": PNG: " + state.message);
  }
  return bytes;
}

void write_png_file(const std::filesystem::path& path, std::span<const std::uint8_t> pixels,
                    std::int64_t width, std::int64_t height, std::int64_t channels) {
  const std::vector<std::uint8_t> bytes =
      encode_png(pixels, width, height, channels, path.string());
  write_file_atomically(path, std::as_bytes(std::span(bytes)));
}

}  // namespace nin
