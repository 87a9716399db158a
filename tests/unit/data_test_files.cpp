#include "data_test_files.hpp"

#include <hdf5.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <stdexcept>

#include "nin/io/hdf5.hpp"

namespace nin::test {

namespace fs = std::filesystem;

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  const fs::path base = fs::temp_directory_path();
  for (int attempt = 0;; ++attempt) {
    path_ =
        base / ("nin-data-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    if (fs::create_directory(path_)) return;
    if (attempt > 100) throw std::runtime_error("cannot create a temporary directory");
  }
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

fs::path TempDir::subdir(const std::string& name) const {
  const fs::path dir = path_ / name;
  fs::create_directories(dir);
  return dir;
}

void write_file(const fs::path& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

void write_text(const fs::path& path, const std::string& text) {
  write_file(path, Bytes(text.begin(), text.end()));
}

void write_gzip(const fs::path& path, const Bytes& bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  if (file == nullptr) throw std::runtime_error("cannot create " + path.string());
  const int written =
      bytes.empty() ? 0 : gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size()));
  const int closed = gzclose(file);
  if (written != static_cast<int>(bytes.size()) || closed != Z_OK)
    throw std::runtime_error("cannot write " + path.string());
}

Bytes idx_header(std::uint32_t magic, const std::vector<std::uint32_t>& dims) {
  Bytes out;
  const auto put = [&](std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
      out.push_back(static_cast<std::uint8_t>(v >> shift));
  };
  put(magic);
  for (const auto d : dims) put(d);
  return out;
}

Bytes idx_images(std::uint32_t count, std::uint32_t rows, std::uint32_t cols, const Bytes& pixels) {
  Bytes out = idx_header(0x00000803, {count, rows, cols});
  out.insert(out.end(), pixels.begin(), pixels.end());
  return out;
}

Bytes idx_labels(std::uint32_t count, const Bytes& labels) {
  Bytes out = idx_header(0x00000801, {count});
  out.insert(out.end(), labels.begin(), labels.end());
  return out;
}

std::uint8_t test_pixel(std::int64_t image, std::int64_t channel, std::int64_t position) {
  return static_cast<std::uint8_t>((image * 37 + channel * 85 + position * 11 + 3) % 256);
}

Bytes cifar_pixels(std::int64_t image) {
  Bytes out;
  for (std::int64_t c = 0; c < 3; ++c)
    for (std::int64_t p = 0; p < 1024; ++p) out.push_back(test_pixel(image, c, p));
  return out;
}

Bytes cifar_record(const Bytes& labels, std::int64_t image) {
  Bytes out = labels;
  const Bytes pixels = cifar_pixels(image);
  out.insert(out.end(), pixels.begin(), pixels.end());
  return out;
}

void write_fixed_string_attribute(const fs::path& file, const std::string& name,
                                  const std::vector<std::string>& values) {
  std::size_t width = 1;
  for (const auto& v : values) width = std::max(width, v.size() + 2);  // room for padding
  std::vector<char> buffer(width * values.size(), '\0');
  for (std::size_t i = 0; i < values.size(); ++i) values[i].copy(buffer.data() + i * width, width);
  hdf5::File f(H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
  const hdf5::Datatype type(H5Tcopy(H5T_C_S1));
  const hsize_t dims[1] = {values.size()};
  const hdf5::Dataspace space(H5Screate_simple(1, dims, nullptr));
  if (!f || !type || !space || H5Tset_size(type.get(), width) < 0 ||
      H5Tset_strpad(type.get(), H5T_STR_NULLPAD) < 0)
    throw std::runtime_error("cannot prepare attribute " + name + " of " + file.string());
  {
    const hdf5::Attribute attribute(
        H5Acreate2(f.get(), name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
    if (!attribute || H5Awrite(attribute.get(), type.get(), buffer.data()) < 0)
      throw std::runtime_error("cannot write attribute " + name + " to " + file.string());
  }
  hdf5::close_file(f);
}

void write_externally_stored_dataset(const fs::path& file, const std::string& name,
                                     std::uint64_t count, const fs::path& raw) {
  write_file(raw, Bytes(count, 7));
  hdf5::File f(H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
  const hdf5::PropertyList creation(H5Pcreate(H5P_DATASET_CREATE));
  const hsize_t dims[1] = {count};
  const hdf5::Dataspace space(H5Screate_simple(1, dims, nullptr));
  if (!f || !creation || !space || H5Pset_external(creation.get(), raw.c_str(), 0, count) < 0)
    throw std::runtime_error("cannot prepare dataset " + name + " of " + file.string());
  const hdf5::Dataset dataset(H5Dcreate2(f.get(), name.c_str(), H5T_STD_U8LE, space.get(),
                                         H5P_DEFAULT, creation.get(), H5P_DEFAULT));
  if (!dataset) throw std::runtime_error("cannot create dataset " + name + " of " + file.string());
}

}  // namespace nin::test
