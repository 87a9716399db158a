#pragma once
// Internal to lib/nin/data: a file read through zlib, gzip-compressed or plain (zlib passes a file
// without the gzip magic bytes 1f 8b through as it is). Owns its gzFile.

#include <cstddef>
#include <filesystem>

#include <zlib.h>

namespace nin::data_internal {

class GzipFile {
 public:
  // Throws IoError naming the path when it cannot be opened.
  explicit GzipFile(const std::filesystem::path& path);
  ~GzipFile();
  GzipFile(const GzipFile&) = delete;
  GzipFile& operator=(const GzipFile&) = delete;

  // Reads up to `count` bytes into `out` and returns how many it read: fewer only at the end of the
  // data (a truncated gzip stream ends early too). Throws FormatError on corrupt gzip data and
  // IoError on a failed read.
  std::size_t read(void* out, std::size_t count);

  // Whether the file is gzip-compressed (false: a plain file, read as it is).
  bool compressed() const { return compressed_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  gzFile file_ = nullptr;
  bool compressed_ = false;
};

}  // namespace nin::data_internal
