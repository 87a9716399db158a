#include "nin/data/reader_support.hpp"

#include <cstdio>
#include <iterator>
#include <string_view>
#include <system_error>

#include "nin/core/error.hpp"
#include "nin/core/text_file.hpp"

namespace nin::data_internal {

namespace fs = std::filesystem;

std::string quoted(const fs::path& path) {
  return "'" + path.string() + "'";
}

std::string byte_text(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < std::size(kUnits)) {
    value /= 1024.0;
    ++unit;
  }
  char text[32];
  if (unit == 0)
    std::snprintf(text, sizeof text, "%llu B", static_cast<unsigned long long>(bytes));
  else
    std::snprintf(text, sizeof text, "%.1f %s", value, kUnits[unit]);
  return text;
}

std::vector<std::string> read_name_list(const fs::path& path) {
  const std::string text = read_text_file(path, 4u << 20);
  std::vector<std::string> names;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + begin, end - begin);
    const auto first = line.find_first_not_of(" \t\r\v\f");
    if (first != std::string_view::npos) {
      const auto last = line.find_last_not_of(" \t\r\v\f");
      names.emplace_back(line.substr(first, last - first + 1));
    }
    begin = end + 1;
  }
  if (names.empty()) throw FormatError(quoted(path) + ": holds no class names (one per line)");
  return names;
}

std::optional<std::vector<std::string>> read_name_list_if_present(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  return read_name_list(path);
}

std::optional<std::vector<std::string>> read_name_list_if_present(const fs::path& path,
                                                                  std::int64_t expected) {
  auto names = read_name_list_if_present(path);
  if (names && static_cast<std::int64_t>(names->size()) != expected)
    throw FormatError(quoted(path) + ": " + std::to_string(names->size()) +
                      " class names, expected " + std::to_string(expected) + " (one per line)");
  return names;
}

std::vector<std::string> numbered_names(std::int64_t count) {
  std::vector<std::string> names;
  names.reserve(static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) names.push_back(std::to_string(i));
  return names;
}

std::vector<std::string> fashion_mnist_names() {
  return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
          "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
}

std::vector<std::string> cifar10_names() {
  return {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
}

std::int64_t count_records(const fs::path& path, std::int64_t record_bytes,
                           const std::string& format) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) throw IoError(quoted(path) + ": no such file or directory");
  if (!fs::is_regular_file(status)) throw IoError(quoted(path) + ": not a regular file");
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) throw IoError(quoted(path) + ": cannot read its size: " + ec.message());
  const auto record = static_cast<std::uintmax_t>(record_bytes);
  if (size == 0 || size % record != 0)
    throw FormatError(quoted(path) + ": size " + std::to_string(size) +
                      " bytes is not a positive multiple of the " + std::to_string(record_bytes) +
                      "-byte " + format + " record");
  return static_cast<std::int64_t>(size / record);
}

}  // namespace nin::data_internal
