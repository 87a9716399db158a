#include "nin/core/text_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "nin/core/error.hpp"

namespace nin {

std::string read_text_file(const std::filesystem::path& path, std::size_t max_bytes) {
  const std::string quoted = "'" + path.string() + "'";
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) throw IoError(quoted + ": no such file");
  if (std::filesystem::is_directory(status))
    throw IoError(quoted + ": is a directory, expected a file");
  if (!std::filesystem::is_regular_file(status)) throw IoError(quoted + ": not a regular file");
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw IoError(quoted + ": cannot read size: " + ec.message());
  if (size > max_bytes)
    throw IoError(quoted + ": file of " + std::to_string(size) + " bytes is larger than the " +
                  std::to_string(max_bytes) + " bytes allowed");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(quoted + ": cannot open: " + std::strerror(errno));
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) throw IoError(quoted + ": read failed");
  return std::move(content).str();
}

std::string read_text_stream(std::istream& in, std::string_view name, std::size_t max_bytes) {
  const std::string quoted = "'" + std::string(name) + "'";
  std::string text;
  char buffer[1 << 16];
  while (in) {
    in.read(buffer, sizeof buffer);
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes)
      throw IoError(quoted + ": more than the " + std::to_string(max_bytes) + " bytes allowed");
  }
  if (in.bad()) throw IoError(quoted + ": read failed");
  return text;
}

}  // namespace nin
