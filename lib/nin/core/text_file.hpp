#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace nin {

// Reads a whole regular file; throws IoError naming the path when it is missing, a directory,
// unreadable, or larger than max_bytes (a guard against being handed a huge file by mistake).
std::string read_text_file(const std::filesystem::path& path, std::size_t max_bytes = 16u << 20);

}  // namespace nin
