#pragma once
// Internal to lib/nin/data: what the format readers share — sane size limits checked before any
// allocation, quoting paths for messages, and lists of class names (from a text file or built in).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace nin::data_internal {

// Pixel memory one split may take (a header asking for more is refused before reading).
inline constexpr std::uint64_t kMaxDatasetBytes = std::uint64_t{16} << 30;
// Values in one image (e.g. 4096×4096×4).
inline constexpr std::int64_t kMaxImageElements = std::int64_t{1} << 26;
// Classes a data set may define.
inline constexpr std::int64_t kMaxClasses = std::int64_t{1} << 20;
// Images in one split (indices stay well inside int32 for the trainer's shuffles).
inline constexpr std::int64_t kMaxImages = std::int64_t{1} << 31;

// "'path'", the way every message names a file.
std::string quoted(const std::filesystem::path& path);

// Size in bytes with a binary unit ("1.5 GiB"), for messages about limits.
std::string byte_text(std::uint64_t bytes);

// Names read from a text file, one per line; surrounding white space is trimmed and blank lines
// are ignored. Throws IoError when the file cannot be read, FormatError when it holds no name.
std::vector<std::string> read_name_list(const std::filesystem::path& path);

// read_name_list(path) when the file exists, nothing when it does not.
std::optional<std::vector<std::string>> read_name_list_if_present(
    const std::filesystem::path& path);

// Like read_name_list_if_present, but the list must have exactly `expected` names.
std::optional<std::vector<std::string>> read_name_list_if_present(const std::filesystem::path& path,
                                                                  std::int64_t expected);

// "0", "1", ..., count−1.
std::vector<std::string> numbered_names(std::int64_t count);

std::vector<std::string> fashion_mnist_names();
std::vector<std::string> cifar10_names();

// The number of records of a regular file, after checking that its size is a positive multiple of
// `record_bytes`; `format` names the record in the message ("CIFAR-10").
std::int64_t count_records(const std::filesystem::path& path, std::int64_t record_bytes,
                           const std::string& format);

}  // namespace nin::data_internal
