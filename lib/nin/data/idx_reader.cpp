#include "nin/data/idx_reader.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "nin/core/error.hpp"
#include "nin/data/gzip_file.hpp"
#include "nin/data/reader_support.hpp"

namespace nin::data_internal {

namespace fs = std::filesystem;

namespace {

constexpr std::uint32_t kImagesMagic = 0x00000803;  // unsigned bytes, 3 dimensions
constexpr std::uint32_t kLabelsMagic = 0x00000801;  // unsigned bytes, 1 dimension

std::string hex(std::uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08x", static_cast<unsigned>(value));
  return text;
}

std::uint32_t big_endian(const unsigned char* p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 |
         std::uint32_t{p[3]};
}

bool is_file(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

// `dir/base.gz` or `dir/base`, whichever exists (the compressed one first).
std::optional<fs::path> find_idx_file(const fs::path& dir, const std::string& base) {
  for (const char* suffix : {".gz", ""}) {
    const fs::path candidate = dir / (base + suffix);
    if (is_file(candidate)) return candidate;
  }
  return std::nullopt;
}

fs::path require_idx_file(const fs::path& dir, const std::string& base, const char* split) {
  if (auto found = find_idx_file(dir, base)) return *found;
  throw IoError(quoted(dir) + ": no " + base + "[.gz] for the " + split + " split");
}

// An IDX file positioned after its header.
struct IdxFile {
  explicit IdxFile(const fs::path& path) : in(path) {}
  GzipFile in;
  std::vector<std::int64_t> dims;            // count first
  std::optional<std::uint64_t> plain_bytes;  // after the header, for an uncompressed file
};

void read_header(IdxFile& file, std::uint32_t expected_magic, std::size_t rank) {
  const auto& path = file.in.path();
  std::array<unsigned char, 4 + 4 * 3> header{};
  const std::size_t header_bytes = 4 + 4 * rank;
  const std::size_t got = file.in.read(header.data(), header_bytes);
  if (got < 4)
    throw FormatError(quoted(path) + ": " + std::to_string(got) +
                      " bytes, too short for an IDX header");
  const std::uint32_t magic = big_endian(header.data());
  if (magic != expected_magic)
    throw FormatError(
        quoted(path) + ": magic number " + hex(magic) + ", expected " + hex(expected_magic) +
        " (IDX " + (expected_magic == kImagesMagic ? "images" : "labels") + " of unsigned bytes)");
  if (got < header_bytes)
    throw FormatError(quoted(path) + ": truncated in the header (" + std::to_string(got) + " of " +
                      std::to_string(header_bytes) + " bytes)");
  for (std::size_t i = 0; i < rank; ++i) file.dims.push_back(big_endian(header.data() + 4 + 4 * i));
  if (!file.in.compressed()) {
    std::error_code ec;
    const std::uintmax_t size = fs::file_size(path, ec);
    if (ec) throw IoError(quoted(path) + ": cannot read its size: " + ec.message());
    file.plain_bytes = size - header_bytes;
  }
}

// The error for a file that ends after `have` bytes of records; `what` names a record ("image").
FormatError truncated(const IdxFile& file, std::uint64_t have, std::int64_t record_bytes,
                      const char* what) {
  return FormatError(quoted(file.in.path()) + ": truncated at " + what + " " +
                     std::to_string(have / static_cast<std::uint64_t>(record_bytes)) + " of " +
                     std::to_string(file.dims[0]));
}

// For an uncompressed file, checks before any allocation that it holds `count` records.
void check_plain_size(const IdxFile& file, std::int64_t count, std::int64_t record_bytes,
                      const char* what) {
  const auto total = static_cast<std::uint64_t>(count) * static_cast<std::uint64_t>(record_bytes);
  if (file.plain_bytes && *file.plain_bytes < total)
    throw truncated(file, *file.plain_bytes, record_bytes, what);
}

// Reads `count` records of `record_bytes` each. The buffer grows only as data arrives, so a header
// that claims more than a (compressed) file holds costs no more memory than the file's data.
std::vector<std::uint8_t> read_records(IdxFile& file, std::int64_t count, std::int64_t record_bytes,
                                       const char* what) {
  const auto& path = file.in.path();
  const std::int64_t header_count = file.dims[0];
  const auto total = static_cast<std::uint64_t>(count) * static_cast<std::uint64_t>(record_bytes);
  std::vector<std::uint8_t> data;
  std::uint64_t have = 0;
  while (have < total) {
    if (data.size() == data.capacity())
      data.reserve(static_cast<std::size_t>(
          std::min<std::uint64_t>(total, std::max<std::uint64_t>(2 * data.capacity(), 1u << 20))));
    const std::uint64_t want = std::min<std::uint64_t>(total, data.capacity()) - have;
    data.resize(static_cast<std::size_t>(have + want));
    const std::size_t got = file.in.read(data.data() + have, static_cast<std::size_t>(want));
    have += got;
    if (got < want) throw truncated(file, have, record_bytes, what);
  }
  if (count == header_count) {
    unsigned char extra = 0;
    if (file.in.read(&extra, 1) != 0)
      throw FormatError(quoted(path) + ": more data after the " + std::to_string(header_count) +
                        " " + what + "s its header declares");
  }
  return data;
}

bool mentions_fashion(const fs::path& dir) {
  std::error_code ec;
  std::string text = fs::absolute(dir, ec).lexically_normal().string();
  const fs::path canonical = fs::weakly_canonical(dir, ec);
  if (!ec) text += "\n" + canonical.string();
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text.find("fashion") != std::string::npos;
}

}  // namespace

bool is_idx_directory(const fs::path& dir) {
  return find_idx_file(dir, "train-images-idx3-ubyte") ||
         find_idx_file(dir, "t10k-images-idx3-ubyte");
}

Dataset read_idx(const fs::path& dir, const DataOptions& options) {
  const bool train = options.split == Split::train;
  const char* split = train ? "train" : "test";
  const std::string prefix = train ? "train" : "t10k";
  IdxFile images(require_idx_file(dir, prefix + "-images-idx3-ubyte", split));
  IdxFile labels(require_idx_file(dir, prefix + "-labels-idx1-ubyte", split));
  read_header(images, kImagesMagic, 3);
  read_header(labels, kLabelsMagic, 1);

  const auto& images_path = images.in.path();
  const auto& labels_path = labels.in.path();
  const std::int64_t count = images.dims[0], rows = images.dims[1], cols = images.dims[2];
  if (count != labels.dims[0])
    throw FormatError(quoted(labels_path) + ": " + std::to_string(labels.dims[0]) +
                      " labels, but " + quoted(images_path) + " has " + std::to_string(count) +
                      " images");
  if (count == 0) throw FormatError(quoted(images_path) + ": holds no images");
  // Both sizes come from 32-bit fields, so their product fits in 64 unsigned bits, not signed.
  if (rows == 0 || cols == 0 ||
      static_cast<std::uint64_t>(rows) * static_cast<std::uint64_t>(cols) >
          static_cast<std::uint64_t>(kMaxImageElements))
    throw FormatError(quoted(images_path) + ": images of " + std::to_string(rows) + "x" +
                      std::to_string(cols) + " pixels, expected 1 to " +
                      std::to_string(kMaxImageElements) + " pixels each");
  const std::int64_t n = options.limit > 0 ? std::min(count, options.limit) : count;
  const auto image_bytes = static_cast<std::uint64_t>(rows * cols);
  check_plain_size(images, n, rows * cols, "image");
  check_plain_size(labels, n, 1, "label");
  if (static_cast<std::uint64_t>(n) * image_bytes > kMaxDatasetBytes)
    throw FormatError(
        quoted(images_path) + ": " + std::to_string(n) + " images of " + std::to_string(rows) +
        "x" + std::to_string(cols) + " (" + byte_text(static_cast<std::uint64_t>(n) * image_bytes) +
        ") are more than the " + byte_text(kMaxDatasetBytes) + " a data set may take");

  Dataset data;
  if (auto names = read_name_list_if_present(dir / "class_names.txt")) {
    if (names->size() > 256)
      throw FormatError(quoted(dir / "class_names.txt") + ": " + std::to_string(names->size()) +
                        " class names, but IDX labels are bytes (at most 256 classes)");
    data.class_names = std::move(*names);
  } else if (mentions_fashion(dir)) {
    data.class_names = fashion_mnist_names();
  } else {
    data.class_names = numbered_names(10);
  }
  data.classes = static_cast<std::int64_t>(data.class_names.size());
  data.shape = Shape{1, rows, cols};
  data.format = "idx";
  data.source = images_path.string() + ", " + labels_path.string();

  data.bytes = read_records(images, n, rows * cols, "image");
  const std::vector<std::uint8_t> label_bytes = read_records(labels, n, 1, "label");
  data.labels.resize(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const std::uint8_t label = label_bytes[static_cast<std::size_t>(i)];
    if (label >= data.classes)
      throw FormatError(quoted(labels_path) + ": record " + std::to_string(i) + " has label " +
                        std::to_string(label) + ", expected 0.." +
                        std::to_string(data.classes - 1));
    data.labels[static_cast<std::size_t>(i)] = label;
  }
  return data;
}

}  // namespace nin::data_internal
