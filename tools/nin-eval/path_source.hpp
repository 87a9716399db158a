#pragma once
// The files of `nin-eval --images`: the names on the command line, or with "-" one path per line
// on standard input, read as it arrives, so that a pipeline sees the first predictions before it
// has written the last path.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nin::eval_tool {

class PathSource {
 public:
  // `names` from the command line; {"-"} reads standard input.
  explicit PathSource(std::vector<std::string> names);

  // The next path, waiting for input if `wait`; nothing when there is none (yet, if !wait) or the
  // input has ended (then done() is true). Empty lines are skipped; a trailing '\r' is removed.
  std::optional<std::string> next(bool wait);
  bool done() const { return done_; }

 private:
  bool fill(bool wait);  // reads more of stdin; false when nothing came

  std::vector<std::string> names_;
  std::size_t next_name_ = 0;
  bool from_stdin_ = false;
  bool done_ = false;
  bool eof_ = false;
  std::string buffer_;
};

}  // namespace nin::eval_tool
