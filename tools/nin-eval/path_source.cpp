#include "nin-eval/path_source.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "nin/core/error.hpp"

namespace nin::eval_tool {
namespace {
// A line longer than this is not a path (PATH_MAX is 4096 on Linux).
constexpr std::size_t kMaxLine = 1 << 16;
}  // namespace

PathSource::PathSource(std::vector<std::string> names) : names_(std::move(names)) {
  from_stdin_ = names_.size() == 1 && names_.front() == "-";
  for (const auto& name : names_)
    if (name == "-" && !from_stdin_)
      throw UsageError("--images: '-' (paths on standard input) cannot be mixed with file names");
}

bool PathSource::fill(bool wait) {
  if (!wait) {
    pollfd fd{STDIN_FILENO, POLLIN, 0};
    if (::poll(&fd, 1, 0) <= 0) return false;  // nothing to read without waiting
  }
  char chunk[65536];
  while (true) {
    const ssize_t got = ::read(STDIN_FILENO, chunk, sizeof chunk);
    if (got > 0) {
      buffer_.append(chunk, static_cast<std::size_t>(got));
      return true;
    }
    if (got == 0) {
      eof_ = true;
      return true;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {  // a non-blocking stdin: wait for it
      pollfd fd{STDIN_FILENO, POLLIN, 0};
      if (!wait) return false;
      ::poll(&fd, 1, -1);
      continue;
    }
    throw IoError(std::string("--images -: cannot read standard input: ") + std::strerror(errno));
  }
}

std::optional<std::string> PathSource::next(bool wait) {
  if (!from_stdin_) {
    if (next_name_ < names_.size()) return names_[next_name_++];
    done_ = true;
    return std::nullopt;
  }
  while (true) {
    const auto newline = buffer_.find('\n');
    if (newline != std::string::npos || (eof_ && !buffer_.empty())) {
      const std::size_t end = newline == std::string::npos ? buffer_.size() : newline;
      std::string line = buffer_.substr(0, end);
      buffer_.erase(0, newline == std::string::npos ? end : end + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      if (line.size() > kMaxLine)
        throw FormatError("--images -: a line of " + std::to_string(line.size()) +
                          " bytes is not a path");
      return line;
    }
    if (eof_) {
      done_ = true;
      return std::nullopt;
    }
    if (buffer_.size() > kMaxLine)
      throw FormatError("--images -: a line of more than " + std::to_string(kMaxLine) +
                        " bytes is not a path");
    if (!fill(wait)) return std::nullopt;
  }
}

}  // namespace nin::eval_tool
