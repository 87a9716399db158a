#include "nin/data/dataset.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>
#include <string_view>
#include <system_error>

#include "nin/core/error.hpp"
#include "nin/data/cifar_reader.hpp"
#include "nin/data/hdf5_dataset_reader.hpp"
#include "nin/data/idx_reader.hpp"
#include "nin/data/image_folder.hpp"
#include "nin/data/reader_support.hpp"
#include "nin/isolation/sandbox.hpp"
#include "nin/isolation/wire.hpp"

namespace nin {

namespace fs = std::filesystem;

void Dataset::copy_images(std::span<const std::int64_t> indices, float* out) const {
  const std::int64_t elements = shape.elements();
  const std::int64_t count = size();
  for (const std::int64_t index : indices) {
    if (index < 0 || index >= count)
      throw std::out_of_range("Dataset::copy_images: index " + std::to_string(index) +
                              " is outside a data set of " + std::to_string(count) + " images");
    const auto offset = static_cast<std::size_t>(index * elements);
    if (!bytes.empty())
      std::copy_n(bytes.data() + offset, elements, out);
    else
      std::copy_n(floats.data() + offset, elements, out);
    out += elements;
  }
}

namespace {

bool has_hdf5_extension(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".h5" || ext == ".hdf5";
}

// A data set read in a sandbox comes back as bytes (nin/isolation/wire.hpp).
std::string encode_dataset(const Dataset& data) {
  wire::Writer out;
  out.i64(data.shape.channels);
  out.i64(data.shape.height);
  out.i64(data.shape.width);
  out.i64(data.classes);
  out.strings(data.class_names);
  out.string(data.format);
  out.string(data.source);
  out.array(data.bytes);
  out.array(data.floats);
  out.array(data.labels);
  return out.take();
}

// Decodes and checks what encode_dataset wrote: pixels for exactly the labelled images, every
// label a class, one name per class, finite pixels.
Dataset decode_dataset(std::string_view bytes, const fs::path& path) {
  wire::Reader in(bytes, data_internal::quoted(path));
  Dataset data;
  data.shape.channels = in.i64();
  data.shape.height = in.i64();
  data.shape.width = in.i64();
  data.classes = in.i64();
  data.class_names = in.strings();
  data.format = in.string();
  data.source = in.string();
  data.bytes = in.array<std::uint8_t>();
  data.floats = in.array<float>();
  data.labels = in.array<std::int32_t>();
  in.finish();
  const Shape& s = data.shape;
  const std::int64_t limit = std::int64_t{1} << 40;
  if (s.channels < 1 || s.height < 1 || s.width < 1 || s.channels > limit / s.height / s.width)
    in.fail("image shape out of range");
  if (data.classes < 1 || data.classes > (std::int64_t{1} << 31))
    in.fail("class count out of range");
  if (!data.class_names.empty() &&
      static_cast<std::int64_t>(data.class_names.size()) != data.classes)
    in.fail("class names do not match the classes");
  const auto elements = static_cast<std::uint64_t>(s.elements());
  const std::uint64_t stored = std::max(data.bytes.size(), data.floats.size());
  if (!data.bytes.empty() && !data.floats.empty()) in.fail("two kinds of pixels");
  if (data.labels.size() > stored / elements || data.labels.size() * elements != stored)
    in.fail("the pixels do not match the labelled images");
  for (const float pixel : data.floats)
    if (!std::isfinite(pixel)) in.fail("a pixel is not finite");
  // Messages name the file the user gave, whatever the reader said.
  if (data.source.rfind(path.string(), 0) != 0) data.source = path.string();
  for (const std::int32_t label : data.labels)
    if (label < 0 || label >= data.classes) in.fail("a label is out of range");
  return data;
}

}  // namespace

Dataset load_dataset(const fs::path& path, const DataOptions& options) {
  using data_internal::quoted;
  if (options.limit < 0)
    throw UsageError("data set limit " + std::to_string(options.limit) +
                     ": expected 0 (all images) or a positive count");
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (!fs::exists(status)) throw IoError(quoted(path) + ": no such file or directory");
  if (fs::is_directory(status)) {
    if (data_internal::is_idx_directory(path)) return data_internal::read_idx(path, options);
    if (data_internal::is_cifar10_directory(path))
      return data_internal::read_cifar10(path, options);
    if (data_internal::is_cifar100_directory(path))
      return data_internal::read_cifar100(path, options);
    // Not in the sandbox: see image_codec.hpp.
    if (is_image_folder(path)) return read_image_folder(path, options);
    throw IoError(quoted(path) +
                  ": no IDX, CIFAR-10 or CIFAR-100 files and no class folders of images found "
                  "(expected train-images-idx3-ubyte.gz, data_batch_1.bin, train.bin, or "
                  "<class>/<image>.png or .jpg, optionally under train/ and test/)");
  }
  if (has_hdf5_extension(path)) {
    if (!sandbox_enabled()) return data_internal::read_hdf5_dataset(path, options);
    return decode_dataset(
        run_sandboxed(
            path, "HDF5 reader",
            [&] { return encode_dataset(data_internal::read_hdf5_dataset(path, options)); }),
        path);
  }
  throw FormatError(quoted(path) +
                    ": not a data set: expected a directory of IDX, CIFAR-10 or CIFAR-100 files "
                    "or of class folders of images, or an HDF5 file (*.h5, *.hdf5)");
}

bool is_image_dataset(const fs::path& path) {
  std::error_code ec;
  return fs::is_directory(path, ec) && !data_internal::is_idx_directory(path) &&
         !data_internal::is_cifar10_directory(path) &&
         !data_internal::is_cifar100_directory(path) && is_image_folder(path);
}

std::vector<fs::path> dataset_files(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return {path};
  if (is_image_dataset(path)) return image_folder_files(path);
  const auto ends_with = [](const std::string& name, std::string_view end) {
    return name.size() >= end.size() &&
           name.compare(name.size() - end.size(), end.size(), end) == 0;
  };
  std::vector<fs::path> files;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (ends_with(name, "-ubyte") || ends_with(name, "-ubyte.gz") || ends_with(name, ".bin") ||
        name == "class_names.txt" || name == "batches.meta.txt" || name == "fine_label_names.txt" ||
        name == "coarse_label_names.txt")
      files.push_back(it->path());
  }
  return files;
}

}  // namespace nin
