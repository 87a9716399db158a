#include "nin/io/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>
#include <utility>

#include "nin/core/error.hpp"
#include "nin/io/output_path.hpp"

namespace nin {

namespace fs = std::filesystem;

namespace {

std::string quoted(const fs::path& path) {
  return "'" + path.string() + "'";
}

// Test hook for the crash-safety tests: NIN_CRASH_AT=<stage> kills the process with SIGKILL when a
// write reaches that stage (open, partial, before-rename, after-rename), as a power cut or kill -9
// at that moment would.
void crash_point(const char* stage) {
  const char* at = std::getenv("NIN_CRASH_AT");
  if (at && std::strcmp(at, stage) == 0) std::raise(SIGKILL);
}

// The temporary file a model is written to: created with the system's error message when that
// fails, written, fsynced and closed, and removed unless it was renamed over the target.
class TemporaryFile {
 public:
  TemporaryFile(fs::path path, const std::string& target) : path_(std::move(path)) {
    // Never through a symbolic link planted at the temporary name.
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (fd_ < 0) throw IoError(target + ": cannot create: " + std::strerror(errno));
  }
  ~TemporaryFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!renamed_) {
      std::error_code ignored;
      fs::remove(path_, ignored);
    }
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

  void write_all_and_close(std::span<const std::byte> bytes, const std::string& target) {
    // Written in two halves so that the crash tests can stop between them.
    const std::size_t half = bytes.size() / 2;
    write_all(bytes.first(half), target);
    crash_point("partial");
    write_all(bytes.subspan(half), target);
    if (::fsync(fd_) != 0) throw IoError(target + ": cannot write: " + std::strerror(errno));
    const int fd = std::exchange(fd_, -1);
    if (::close(fd) != 0) throw IoError(target + ": cannot write: " + std::strerror(errno));
  }

  void write_all(std::span<const std::byte> bytes, const std::string& target) {
    while (!bytes.empty()) {
      const ssize_t written = ::write(fd_, bytes.data(), bytes.size());
      if (written < 0 && errno == EINTR) continue;
      if (written < 0) throw IoError(target + ": cannot write: " + std::strerror(errno));
      bytes = bytes.subspan(static_cast<std::size_t>(written));
    }
  }

  void rename_to(const fs::path& target) {
    if (::rename(path_.c_str(), target.c_str()) != 0)
      throw IoError(quoted(target) + ": cannot replace: " + std::strerror(errno));
    renamed_ = true;
  }

 private:
  fs::path path_;
  int fd_ = -1;
  bool renamed_ = false;
};

// Makes a rename durable. File systems that cannot sync a directory say EINVAL; that is no error.
void sync_directory(const fs::path& directory, const std::string& target) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw IoError(target + ": cannot sync its directory: " + std::strerror(errno));
  const int result = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (result != 0 && error != EINVAL)
    throw IoError(target + ": cannot sync its directory: " + std::strerror(error));
}

}  // namespace

void write_file_atomically(const fs::path& path, std::span<const std::byte> bytes) {
  const std::string target = quoted(path);
  check_output_path(path);
  const fs::path directory = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  fs::path temporary_path = path;
  temporary_path += ".tmp-" + std::to_string(::getpid());
  TemporaryFile temporary(temporary_path, target);
  crash_point("open");
  temporary.write_all_and_close(bytes, target);
  crash_point("before-rename");
  // The path may have become something else since the check above; renaming would destroy it.
  check_replaceable(path);
  temporary.rename_to(path);
  crash_point("after-rename");
  sync_directory(directory, target);
}

void remove_stale_temporaries(const fs::path& path) {
  const fs::path directory = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  const std::string prefix = path.filename().string() + ".tmp-";
  std::error_code ec;
  for (fs::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.empty() || digits.size() > 9 ||
        digits.find_first_not_of("0123456789") != std::string::npos)
      continue;
    const auto pid = static_cast<pid_t>(std::stol(digits));
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;  // its writer may still be running
    std::error_code ignored;
    fs::remove(it->path(), ignored);
  }
}

}  // namespace nin
