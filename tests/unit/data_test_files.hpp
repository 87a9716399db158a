#pragma once
// Helpers of data_test.cpp: a temporary directory removed afterwards, and writers of small files
// in the real binary layouts of IDX (plain and gzip), CIFAR-10/100 and HDF5.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace nin::test {

// A fresh directory under the system's temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // A subdirectory, created.
  std::filesystem::path subdir(const std::string& name) const;

 private:
  std::filesystem::path path_;
};

using Bytes = std::vector<std::uint8_t>;

void write_file(const std::filesystem::path& path, const Bytes& bytes);
void write_text(const std::filesystem::path& path, const std::string& text);
void write_gzip(const std::filesystem::path& path, const Bytes& bytes);  // zlib's gzopen "wb"

// An IDX header: magic, then each dimension, big-endian.
Bytes idx_header(std::uint32_t magic, const std::vector<std::uint32_t>& dims);
// An images file claiming `count` images of rows×cols, followed by `pixels` (which may hold fewer
// or more than the header claims).
Bytes idx_images(std::uint32_t count, std::uint32_t rows, std::uint32_t cols, const Bytes& pixels);
Bytes idx_labels(std::uint32_t count, const Bytes& labels);

// A deterministic pixel value of an image's channel at a position; planes of one image differ.
std::uint8_t test_pixel(std::int64_t image, std::int64_t channel, std::int64_t position);
// 3×32×32 pixels of image `image`, channel-planar.
Bytes cifar_pixels(std::int64_t image);
// A CIFAR record: the label bytes, then cifar_pixels(image).
Bytes cifar_record(const Bytes& labels, std::int64_t image);

// A root-level uint8 dataset `name` of `count` values whose data lives in the raw file `raw`
// (HDF5 external storage), which nin refuses to read.
void write_externally_stored_dataset(const std::filesystem::path& file, const std::string& name,
                                     std::uint64_t count, const std::filesystem::path& raw);

// A fixed-length (null-padded) string array attribute of the root group of an HDF5 file.
void write_fixed_string_attribute(const std::filesystem::path& file, const std::string& name,
                                  const std::vector<std::string>& values);

}  // namespace nin::test
