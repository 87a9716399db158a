#include "nin/data/hdf5_dataset_reader.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "nin/core/checked_math.hpp"
#include "nin/core/error.hpp"
#include "nin/data/reader_support.hpp"
#include "nin/io/hdf5.hpp"

namespace nin::data_internal {

namespace fs = std::filesystem;
namespace h5 = nin::hdf5;

namespace {

constexpr std::int64_t kLabelChunk = std::int64_t{1} << 20;  // labels read at once
constexpr std::uint64_t kImageChunkBytes = 64u << 20;        // image bytes read at once

// The labels of one split: the first `keep` of them, and the largest of all.
struct Labels {
  std::vector<std::int32_t> kept;
  std::int64_t max = -1;
};

// Checks `labels` (any integer type, rank 1, `count` values; count < 0: any length) and reads
// them in chunks; a negative label, or one of `classes` or more (when classes > 0), is an error
// naming the record.
Labels scan_labels(const h5::Dataset& labels, std::int64_t count, std::int64_t keep,
                   std::int64_t classes) {
  const h5::DatasetInfo info = h5::dataset_info(labels);
  const std::string where = h5::describe(labels);
  if (info.type_class != h5::TypeClass::integer)
    throw FormatError(where + ": labels of type " + h5::type_name(info) +
                      ", expected an integer type");
  if (info.dims.size() != 1)
    throw FormatError(where + ": rank " + std::to_string(info.dims.size()) + " " +
                      h5::dims_text(info.dims) + ", expected rank 1 (one label per image)");
  const auto length = static_cast<std::int64_t>(info.dims[0]);
  if (count >= 0 && length != count)
    throw FormatError(where + ": " + std::to_string(length) + " labels, but there are " +
                      std::to_string(count) + " images");
  if (length > kMaxImages)
    throw FormatError(where + ": " + std::to_string(length) + " labels, more than the " +
                      std::to_string(kMaxImages) + " a data set may have");
  Labels result;
  result.kept.resize(static_cast<std::size_t>(std::min(keep, length)));
  std::vector<std::int64_t> chunk;
  for (std::int64_t first = 0; first < length; first += kLabelChunk) {
    const std::int64_t n = std::min(kLabelChunk, length - first);
    chunk.resize(static_cast<std::size_t>(n));
    h5::read_rows<std::int64_t>(labels, static_cast<std::uint64_t>(first),
                                static_cast<std::uint64_t>(n), chunk);
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t label = chunk[static_cast<std::size_t>(i)];
      if (label < 0)
        throw FormatError(where + ": record " + std::to_string(first + i) + " has label " +
                          std::to_string(label) + ", expected 0 or more");
      if (classes > 0 && label >= classes)
        throw FormatError(where + ": record " + std::to_string(first + i) + " has label " +
                          std::to_string(label) + ", but class_names lists " +
                          std::to_string(classes) + " classes (expected 0.." +
                          std::to_string(classes - 1) + ")");
      if (label >= kMaxClasses)
        throw FormatError(where + ": record " + std::to_string(first + i) + " has label " +
                          std::to_string(label) + ", more than the " + std::to_string(kMaxClasses) +
                          " classes a data set may have");
      result.max = std::max(result.max, label);
      if (first + i < keep)
        result.kept[static_cast<std::size_t>(first + i)] = static_cast<std::int32_t>(label);
    }
  }
  return result;
}

// Reads the first `count` images of `images` as C×H×W, transposing from H×W×C when `nhwc`.
template <typename T>
std::vector<T> read_images(const h5::Dataset& images, std::int64_t count, const Shape& shape,
                           bool nhwc) {
  const std::int64_t elements = shape.elements(), plane = shape.plane_size();
  std::vector<T> out(static_cast<std::size_t>(count * elements));
  const std::int64_t chunk = std::max<std::int64_t>(
      1, static_cast<std::int64_t>(kImageChunkBytes / (elements * sizeof(T))));
  std::vector<T> staging;
  for (std::int64_t first = 0; first < count; first += chunk) {
    const std::int64_t n = std::min(chunk, count - first);
    const std::span<T> target(out.data() + first * elements,
                              static_cast<std::size_t>(n * elements));
    if (!nhwc) {
      h5::read_rows<T>(images, static_cast<std::uint64_t>(first), static_cast<std::uint64_t>(n),
                       target);
      continue;
    }
    staging.resize(target.size());
    h5::read_rows<T>(images, static_cast<std::uint64_t>(first), static_cast<std::uint64_t>(n),
                     staging);
    for (std::int64_t i = 0; i < n; ++i) {
      const T* src = staging.data() + i * elements;
      T* dst = target.data() + i * elements;
      for (std::int64_t p = 0; p < plane; ++p)
        for (std::int64_t c = 0; c < shape.channels; ++c)
          dst[c * plane + p] = src[p * shape.channels + c];
    }
  }
  return out;
}

// Whether images of dimensions `dims` (rank 4) are stored N,H,W,C: the attribute `layout` says so,
// or else a channel count of 1 or 3 in second (NCHW) or last place (NHWC).
bool is_nhwc(const h5::Dataset& images, const std::vector<std::uint64_t>& dims) {
  const std::string where = h5::describe(images);
  if (h5::has_attribute(images, "layout")) {
    const std::string layout = h5::read_string_attribute(images, "layout");
    if (layout == "NCHW") return false;
    if (layout == "NHWC") return true;
    throw FormatError(where + ": attribute layout is '" + layout + "', expected NCHW or NHWC");
  }
  if (dims[1] == 1 || dims[1] == 3) return false;
  if (dims[3] == 1 || dims[3] == 3) return true;
  throw FormatError(where + ": cannot tell the channels of " + h5::dims_text(dims) +
                    " (neither dimension 1 nor 3 is 1 or 3); add a string attribute layout, "
                    "\"NCHW\" or \"NHWC\"");
}

}  // namespace

Dataset read_hdf5_dataset(const fs::path& path, const DataOptions& options) {
  const h5::File file = h5::open_file_read_only(path);
  const std::string q = quoted(path);
  const bool train = options.split == Split::train;
  const std::string group = train ? "train" : "test", other = train ? "test" : "train";

  // Where the split lives: /train or /test, or the root for both splits.
  const bool grouped = h5::has_link(file, "train") || h5::has_link(file, "test");
  std::string prefix;
  if (grouped) {
    if (h5::object_type(file, group) != h5::ObjectType::group)
      throw FormatError(q + ": no group /" + group + " for the " + (train ? "train" : "test") +
                        " split (expected groups /train and /test, each with datasets images and "
                        "labels)");
    prefix = group + "/";
  } else if (!h5::has_link(file, "images") && !h5::has_link(file, "labels")) {
    throw FormatError(q +
                      ": no data set found (expected groups /train and /test, each with "
                      "datasets images and labels, or datasets /images and /labels)");
  }
  const h5::Dataset images = h5::open_dataset(file, prefix + "images");
  const h5::Dataset labels_set = h5::open_dataset(file, prefix + "labels");

  const h5::DatasetInfo info = h5::dataset_info(images);
  const std::string where = h5::describe(images);
  const bool bytes =
      info.type_class == h5::TypeClass::integer && info.type_size == 1 && !info.is_signed;
  if (!bytes && !info.is_float32())
    throw FormatError(where + ": images of type " + h5::type_name(info) +
                      ", expected uint8 or float32");
  if (info.dims.size() != 4)
    throw FormatError(where + ": rank " + std::to_string(info.dims.size()) + " " +
                      h5::dims_text(info.dims) + ", expected rank 4 ([N,C,H,W] or [N,H,W,C])");
  const auto& dims = info.dims;
  if (std::find(dims.begin(), dims.end(), 0u) != dims.end())
    throw FormatError(where + ": dimensions " + h5::dims_text(dims) + " hold no image");
  const auto plane = checked_mul(dims[1], dims[2]);
  const auto image_values = plane ? checked_mul(*plane, dims[3]) : std::nullopt;
  const bool image_fits =
      image_values && *image_values <= static_cast<std::uint64_t>(kMaxImageElements);
  if (dims[0] > static_cast<std::uint64_t>(kMaxImages) || !image_fits)
    throw FormatError(where + ": dimensions " + h5::dims_text(dims) + " exceed the limits of " +
                      std::to_string(kMaxImages) + " images and " +
                      std::to_string(kMaxImageElements) + " values per image");
  const bool nhwc = is_nhwc(images, dims);
  const auto count = static_cast<std::int64_t>(dims[0]);
  const auto d = [&](std::size_t i) { return static_cast<std::int64_t>(dims[i]); };
  const Shape shape = nhwc ? Shape{d(3), d(1), d(2)} : Shape{d(1), d(2), d(3)};
  const std::int64_t n = options.limit > 0 ? std::min(count, options.limit) : count;
  // At most 2^31 images of 2^26 values of 4 bytes: the product fits in 64 bits.
  const auto total_bytes = static_cast<std::uint64_t>(n * shape.elements()) * info.type_size;
  if (total_bytes > kMaxDatasetBytes)
    throw FormatError(where + ": " + std::to_string(n) + " images of " + h5::dims_text(dims) +
                      " take " + byte_text(total_bytes) + ", more than the " +
                      byte_text(kMaxDatasetBytes) + " a data set may take");

  Dataset data;
  if (h5::has_attribute(file, "class_names")) {
    data.class_names = h5::read_string_array_attribute(file, "class_names");
    data.classes = static_cast<std::int64_t>(data.class_names.size());
    if (data.classes == 0 || data.classes > kMaxClasses)
      throw FormatError(q + ": attribute class_names holds " + std::to_string(data.classes) +
                        " names, expected 1 to " + std::to_string(kMaxClasses));
  }
  Labels labels = scan_labels(labels_set, count, n, data.classes);
  if (data.classes == 0) {
    // Without names the labels define the classes; both splits count, so that train and test agree.
    std::int64_t max = labels.max;
    if (grouped && h5::object_type(file, other + "/labels") == h5::ObjectType::dataset)
      max = std::max(max, scan_labels(h5::open_dataset(file, other + "/labels"), -1, 0, 0).max);
    data.classes = max + 1;
    data.class_names = numbered_names(data.classes);
  }
  data.labels = std::move(labels.kept);
  data.shape = shape;
  data.format = "hdf5";
  data.source = grouped ? path.string() + ":/" + group : path.string();
  if (bytes)
    data.bytes = read_images<std::uint8_t>(images, n, shape, nhwc);
  else
    data.floats = read_images<float>(images, n, shape, nhwc);
  // A NaN or infinite pixel would make every loss and prediction of its batch NaN.
  const auto bad = std::find_if(data.floats.begin(), data.floats.end(),
                                [](float v) { return !std::isfinite(v); });
  if (bad != data.floats.end()) {
    const auto at = static_cast<std::int64_t>(bad - data.floats.begin());
    throw FormatError(where + ": image " + std::to_string(at / shape.elements()) + " holds " +
                      (std::isnan(*bad) ? "NaN"
                       : *bad > 0       ? "inf"
                                        : "-inf") +
                      ", expected finite pixel values");
  }
  return data;
}

}  // namespace nin::data_internal
