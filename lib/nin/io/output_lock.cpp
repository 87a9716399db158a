#include "nin/io/output_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "nin/core/error.hpp"

namespace nin {

namespace fs = std::filesystem;

namespace {

std::string quoted(const fs::path& path) {
  return "'" + path.string() + "'";
}

// " (pid N)" as the holder wrote it into the lock file, or nothing when it has not yet.
std::string holder_of(int fd) {
  char text[32] = {};
  const ssize_t got = ::pread(fd, text, sizeof text - 1, 0);
  if (got <= 0) return {};
  std::string digits(text, static_cast<std::size_t>(got));
  while (!digits.empty() && (digits.back() == '\n' || digits.back() == ' ')) digits.pop_back();
  if (digits.empty() || digits.size() > 10 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    return {};
  return " (pid " + digits + ")";
}

}  // namespace

fs::path OutputLock::lock_path_for(const fs::path& output) {
  fs::path lock = output;
  lock += ".lock";
  return lock;
}

OutputLock::OutputLock(const fs::path& output, std::string_view option)
    : path_(lock_path_for(output)), owner_(::getpid()) {
  const std::string target =
      (option.empty() ? std::string() : std::string(option) + " ") + quoted(output);
  const std::string lock_file = "the lock file " + quoted(path_);
  // A holder removes the file while it still holds the lock; whoever opened the old file then
  // locks a name nobody else will open, sees that and starts again on the file now at the path.
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (fd < 0 && errno == ELOOP)
      throw IoError(target + ": " + lock_file + " is a symbolic link; remove it");
    if (fd < 0)
      throw IoError(target + ": cannot create " + lock_file + ": " + std::strerror(errno));
    struct stat opened {};
    if (::fstat(fd, &opened) != 0 || !S_ISREG(opened.st_mode)) {
      ::close(fd);
      throw IoError(target + ": " + lock_file + " is not a regular file; remove it");
    }
    int locked = ::flock(fd, LOCK_EX | LOCK_NB);
    while (locked != 0 && errno == EINTR) locked = ::flock(fd, LOCK_EX | LOCK_NB);
    if (locked != 0) {
      const int error = errno;
      const std::string holder = holder_of(fd);
      ::close(fd);
      if (error == EWOULDBLOCK)
        throw IoError(target + ": another nin process is writing it" + holder);
      throw IoError(target + ": cannot lock " + lock_file + ": " + std::strerror(error));
    }
    struct stat current {};
    if (::stat(path_.c_str(), &current) == 0 && current.st_dev == opened.st_dev &&
        current.st_ino == opened.st_ino) {
      fd_ = fd;
      // For the message of a second writer; the lock works without it, so a failure is ignored.
      const std::string pid = std::to_string(owner_) + "\n";
      const bool written = ::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, pid.data(), pid.size(), 0) ==
                                                           static_cast<ssize_t>(pid.size());
      static_cast<void>(written);
      return;
    }
    ::close(fd);
  }
  throw IoError(target + ": cannot lock " + lock_file + ": it keeps being replaced");
}

OutputLock::OutputLock(OutputLock&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)), owner_(other.owner_) {}

OutputLock::~OutputLock() {
  if (fd_ < 0) return;
  // Removed while still locked, so that no one can lock the file between removal and release.
  if (::getpid() == owner_) ::unlink(path_.c_str());
  ::close(fd_);
}

}  // namespace nin
