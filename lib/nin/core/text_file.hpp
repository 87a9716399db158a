#pragma once

#include <cstddef>
#include <filesystem>
#include <istream>
#include <string>
#include <string_view>

namespace nin {

// Reads a whole regular file; throws IoError naming the path when it is missing, a directory,
// unreadable, or larger than max_bytes (a guard against being handed a huge file by mistake).
std::string read_text_file(const std::filesystem::path& path, std::size_t max_bytes = 16u << 20);

// Reads `in` to its end (standard input, say); throws IoError naming it `name` when reading fails
// or when it holds more than max_bytes, having read at most one buffer (64 KiB) past them.
std::string read_text_stream(std::istream& in, std::string_view name,
                             std::size_t max_bytes = 16u << 20);

}  // namespace nin
