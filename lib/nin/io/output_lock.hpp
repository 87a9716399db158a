#pragma once
// An advisory lock that a process holds for as long as it writes an output, so that a second
// writer of the same file fails at once instead of both writing (a model of one run beside the
// checkpoint of another). The lock is flock(2) on a sidecar file "<output>.lock", not on the
// output itself: outputs are replaced by renaming, and a lock on the old file would not cover the
// new one. The kernel drops the lock when the process ends, however it ends; a normal end also
// removes the sidecar file, and one left by kill -9 is harmless (the next writer locks it).

#include <sys/types.h>

#include <filesystem>
#include <string_view>

namespace nin {

class OutputLock {
 public:
  // Takes the lock of `output`, or throws IoError "OPTION 'OUTPUT': another nin process is writing
  // it (pid N)" when another process holds it, or naming the lock file when that cannot be
  // created. `option` may be empty.
  explicit OutputLock(const std::filesystem::path& output, std::string_view option = {});
  ~OutputLock();
  OutputLock(OutputLock&& other) noexcept;
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;
  OutputLock& operator=(OutputLock&&) = delete;

  // The sidecar file locked for `output`: "<output>.lock".
  static std::filesystem::path lock_path_for(const std::filesystem::path& output);

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  pid_t owner_ = 0;  // a forked child inherits the lock but must not remove its file
};

}  // namespace nin
