#include "nin/data/gzip_file.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <string>

#include "nin/core/error.hpp"
#include "nin/data/reader_support.hpp"

namespace nin::data_internal {

GzipFile::GzipFile(const std::filesystem::path& path) : path_(path) {
  errno = 0;
  file_ = gzopen(path.c_str(), "rb");
  if (file_ == nullptr)
    throw IoError(quoted(path) +
                  ": cannot open: " + (errno != 0 ? std::strerror(errno) : "out of memory"));
  gzbuffer(file_, 256u << 10);         // before the first read; larger reads, fewer calls
  compressed_ = gzdirect(file_) == 0;  // looks at the first bytes
}

GzipFile::~GzipFile() {
  if (file_ != nullptr) gzclose_r(file_);
}

std::size_t GzipFile::read(void* out, std::size_t count) {
  auto* bytes = static_cast<unsigned char*>(out);
  std::size_t total = 0;
  while (total < count) {
    const auto want = static_cast<unsigned>(std::min<std::size_t>(count - total, 1u << 30));
    const int got = gzread(file_, bytes + total, want);
    if (got > 0) total += static_cast<std::size_t>(got);
    if (got < 0 || static_cast<unsigned>(got) < want) break;
  }
  if (total < count) {
    int code = Z_OK;
    const char* message = gzerror(file_, &code);
    if (code == Z_ERRNO) throw IoError(quoted(path_) + ": read failed: " + std::strerror(errno));
    // Z_BUF_ERROR is a stream that ends early: the caller reports where it was truncated.
    if (code != Z_OK && code != Z_BUF_ERROR)
      throw FormatError(quoted(path_) + ": corrupt gzip data: " + message);
  }
  return total;
}

}  // namespace nin::data_internal
