#include "nin/data/cifar_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>
#include <system_error>
#include <vector>

#include "nin/core/checked_math.hpp"
#include "nin/core/error.hpp"
#include "nin/data/reader_support.hpp"

namespace nin::data_internal {

namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kPixels = 3 * 32 * 32;

bool is_file(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

// What a record holds before its pixels: one label byte per entry, each below `classes`.
struct LabelByte {
  const char* name;  // "label", "coarse label", ...
  std::int64_t classes;
};

struct CifarLayout {
  const char* format;  // "CIFAR-10", for messages
  std::vector<LabelByte> label_bytes;
  std::size_t used_label = 0;  // which label byte becomes Dataset::labels
};

// Reads up to `limit` records (0: all) from `files` in order into `data` (bytes, labels, source).
// Every file's size is checked before anything is allocated.
void read_records(const std::vector<fs::path>& files, const CifarLayout& layout, std::int64_t limit,
                  Dataset& data) {
  const auto header = static_cast<std::int64_t>(layout.label_bytes.size());
  const std::int64_t record_bytes = header + kPixels;
  std::vector<std::int64_t> counts;
  std::int64_t total = 0;
  for (const auto& file : files) {
    counts.push_back(count_records(file, record_bytes, layout.format));
    total = checked_add(total, counts.back()).value_or(std::numeric_limits<std::int64_t>::max());
  }
  const std::int64_t n = limit > 0 ? std::min(total, limit) : total;
  const auto bytes = checked_mul(n, kPixels);
  if (!bytes || static_cast<std::uint64_t>(*bytes) > kMaxDatasetBytes)
    throw FormatError(
        quoted(files.front()) + ": " + std::to_string(n) + " images (" +
        (bytes ? byte_text(static_cast<std::uint64_t>(*bytes)) : "beyond 2^63 bytes") +
        ") are more than the " + byte_text(kMaxDatasetBytes) + " a data set may take");
  data.bytes.resize(static_cast<std::size_t>(n * kPixels));
  data.labels.resize(static_cast<std::size_t>(n));

  constexpr std::int64_t kBlock = 1024;  // records read at once
  std::vector<char> block;
  std::int64_t done = 0;
  for (std::size_t f = 0; f < files.size() && done < n; ++f) {
    const fs::path& path = files[f];
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError(quoted(path) + ": cannot open: " + std::strerror(errno));
    const std::int64_t take = std::min(counts[f], n - done);
    for (std::int64_t first = 0; first < take; first += kBlock) {
      const std::int64_t records = std::min(kBlock, take - first);
      block.resize(static_cast<std::size_t>(records * record_bytes));
      if (!in.read(block.data(), static_cast<std::streamsize>(block.size())))
        throw IoError(quoted(path) + ": read failed at record " + std::to_string(first));
      for (std::int64_t r = 0; r < records; ++r) {
        const auto* record = reinterpret_cast<const std::uint8_t*>(block.data()) + r * record_bytes;
        for (std::size_t b = 0; b < layout.label_bytes.size(); ++b) {
          const LabelByte& label = layout.label_bytes[b];
          if (record[b] >= label.classes)
            throw FormatError(quoted(path) + ": record " + std::to_string(first + r) + " has " +
                              label.name + " " + std::to_string(record[b]) + ", expected 0.." +
                              std::to_string(label.classes - 1));
        }
        const std::int64_t index = done + first + r;
        data.labels[static_cast<std::size_t>(index)] = record[layout.used_label];
        std::copy_n(record + header, kPixels, data.bytes.data() + index * kPixels);
      }
    }
    done += take;
    data.source += (data.source.empty() ? "" : ", ") + path.string();
  }
}

}  // namespace

bool is_cifar10_directory(const fs::path& dir) {
  return is_file(dir / "data_batch_1.bin") || is_file(dir / "test_batch.bin");
}

bool is_cifar100_directory(const fs::path& dir) {
  return is_file(dir / "train.bin") || is_file(dir / "test.bin");
}

Dataset read_cifar10(const fs::path& dir, const DataOptions& options) {
  std::vector<fs::path> files;
  if (options.split == Split::train) {
    for (int i = 1; i <= 5; ++i)
      files.push_back(dir / ("data_batch_" + std::to_string(i) + ".bin"));
  } else {
    files.push_back(dir / "test_batch.bin");
  }
  for (const auto& file : files)
    if (!is_file(file))
      throw IoError(quoted(file) + ": no such file (the CIFAR-10 " +
                    (options.split == Split::train
                         ? "train split is data_batch_1.bin ... data_batch_5.bin)"
                         : "test split is test_batch.bin)"));
  Dataset data;
  data.class_names =
      read_name_list_if_present(dir / "batches.meta.txt", 10).value_or(cifar10_names());
  data.classes = 10;
  data.shape = Shape{3, 32, 32};
  data.format = "cifar10";
  read_records(files, CifarLayout{"CIFAR-10", {{"label", 10}}, 0}, options.limit, data);
  return data;
}

Dataset read_cifar100(const fs::path& dir, const DataOptions& options) {
  const fs::path file = dir / (options.split == Split::train ? "train.bin" : "test.bin");
  if (!is_file(file))
    throw IoError(
        quoted(file) + ": no such file (the CIFAR-100 " +
        (options.split == Split::train ? "train split is train.bin)" : "test split is test.bin)"));
  const bool coarse = options.labels == LabelKind::coarse;
  Dataset data;
  data.classes = coarse ? 20 : 100;
  data.class_names =
      read_name_list_if_present(dir / (coarse ? "coarse_label_names.txt" : "fine_label_names.txt"),
                                data.classes)
          .value_or(numbered_names(data.classes));
  data.shape = Shape{3, 32, 32};
  data.format = "cifar100";
  const CifarLayout layout{
      "CIFAR-100", {{"coarse label", 20}, {"fine label", 100}}, coarse ? 0u : 1u};
  read_records({file}, layout, options.limit, data);
  return data;
}

}  // namespace nin::data_internal
